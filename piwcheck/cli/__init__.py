# SPDX-License-Identifier: BSD-3-Clause
"""Command line: ``main`` parses (parser.py), checks the options into
one Settings (settings.py), runs the mode (modes.py) and turns errors
into one line on stderr and the documented exit status.  ``import
piwcheck.cli`` stays light: the rest is imported when it runs."""

import os
import sys
from typing import List, Optional

from ..errors import EXIT_USAGE, PiwcheckError
from .parser import DESCRIPTION, EPILOG, build_parser, version

__all__ = ["DESCRIPTION", "EPILOG", "build_parser", "main", "version"]


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point: returns the exit code."""
    parser = build_parser()
    try:
        return _run(parser, argv)
    except SystemExit as exc:  # argparse's usage errors, --help, --version
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except PiwcheckError as exc:
        if os.environ.get("DEBUG"):
            raise
        from ..report import clean

        print("piwcheck: error: " + clean(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if os.environ.get("DEBUG"):
            raise
        _exit_on_second_interrupt()
        print("piwcheck: interrupted", file=sys.stderr)
        return 130


def _run(parser, argv: Optional[List[str]]) -> int:
    """Parse ``argv``, settle the options, run the mode; options that
    do not combine are reported as argparse's own errors."""
    args = parser.parse_args(argv)
    from .modes import run
    from .settings import Settings, UsageError

    try:
        return run(Settings.from_args(args))
    except UsageError as exc:
        parser.error(str(exc))


def _exit_on_second_interrupt() -> None:
    """After one Ctrl-C, a second one ends the process there and then."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
