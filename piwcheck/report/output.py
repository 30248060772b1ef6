# SPDX-License-Identifier: BSD-3-Clause
"""The one output writer: every mode's report goes to stdout or to the
--output file through it."""

import sys
from typing import Optional

from ..errors import InputError


def write(text: str, path: Optional[str] = None) -> None:
    """``text`` to the file at ``path`` (UTF-8; a file there is
    replaced), or to stdout when there is none; InputError (exit 2) when
    the file cannot be written."""
    if not path:
        sys.stdout.write(text)
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise InputError("--output {}: cannot write it: {}".format(
            path, exc.strerror or exc))
