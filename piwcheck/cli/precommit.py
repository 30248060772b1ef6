# SPDX-License-Identifier: BSD-3-Clause
"""The pre-commit hook's entry (``piwcheck-pre-commit``): pre-commit
passes the hook's ``args`` and then the changed files; the args end with
``--``, and each file after it is checked as ``-r FILE`` (a requirements
file, a pyproject.toml, a pylock.toml)."""

import sys
from typing import List, Optional


def argv_of(args: List[str]) -> List[str]:
    """piwcheck's arguments for the hook's ``args``: the options before
    the first ``--``, each file after it as ``-r FILE``."""
    if "--" not in args:
        return list(args)
    cut = args.index("--")
    files = args[cut + 1:]
    return args[:cut] + [a for f in files for a in ("-r", f)]


def main(argv: Optional[List[str]] = None) -> int:
    from . import main as piwcheck

    return piwcheck(argv_of(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
