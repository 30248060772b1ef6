# SPDX-License-Identifier: BSD-3-Clause
"""Command line: ``main`` parses (parser.py), checks the options into
one Settings (settings.py), runs the mode (modes.py) and turns errors
into one line on stderr and the documented exit status; process.py
keeps the standard streams and signals from ending in a traceback.
``import piwcheck.cli`` imports nothing else (the parser's names are
loaded when first used), so Ctrl-C right after the start is caught by
``main`` too."""

import os
import sys

__all__ = ["DESCRIPTION", "EPILOG", "build_parser", "main", "version"]


def __getattr__(name: str):
    """DESCRIPTION, EPILOG, build_parser and version, from parser.py,
    when first asked for."""
    if name in ("DESCRIPTION", "EPILOG", "build_parser", "version"):
        from . import parser

        return getattr(parser, name)
    raise AttributeError(name)


def main(argv=None) -> int:
    """Entry point: returns the exit code."""
    streams = signals = None
    try:
        from . import process

        signals = process.Signals()
        process.reopen_closed_descriptors()
        streams = process.Streams()
        code = _guarded(argv)
        streams.finish()
        return code
    except KeyboardInterrupt as exc:  # in the imports, or the last flush
        return _interrupted(exc)
    except Exception as exc:  # stdout failed at the last flush
        return _failed(exc)
    finally:
        if streams is not None:
            streams.restore()
        if signals is not None:
            signals.restore()


def _guarded(argv) -> int:
    """Parse and run; every error as its one line and exit status."""
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        from .. import __version__  # what argparse would print, sooner

        print("piwcheck " + __version__)
        return 0
    from ..errors import EXIT_USAGE, PiwcheckError
    from .parser import build_parser

    try:
        return _run(build_parser(), argv)
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
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except ImportError as exc:
        return _missing(exc)
    except Exception as exc:
        return _failed(exc)


#: The libraries piwcheck needs, by module: (Debian's package, PyPI's).
LIBRARIES = {"requests": ("python3-requests", "requests"),
             "urllib3": ("python3-urllib3", "urllib3"),
             "cachecontrol": ("python3-cachecontrol", "CacheControl"),
             "packaging": ("python3-packaging", "packaging"),
             "resolvelib": ("python3-resolvelib", "resolvelib"),
             "distro": ("python3-distro", "distro"),
             "elftools": ("python3-pyelftools", "pyelftools"),
             "tomli": ("python3-tomli", "tomli")}


def _missing(exc: ImportError) -> int:
    """A library piwcheck needs is not installed (for the Python it
    runs on): one line saying which and how to install it, exit 2; any
    other ImportError is a bug."""
    from ..errors import EXIT_USAGE

    top = (exc.name or "").split(".")[0]
    if top not in LIBRARIES or os.environ.get("DEBUG"):
        raise exc
    debian, pypi = LIBRARIES[top]
    print("piwcheck: error: the Python library {} is not installed for "
          "{} (on Debian and Raspberry Pi OS: sudo apt install {}; in a "
          "venv: pip install {})".format(top, sys.executable, debian, pypi),
          file=sys.stderr)
    return EXIT_USAGE


def _interrupted(exc: BaseException) -> int:
    """Ctrl-C (130) or SIGTERM (143): what is under way is stopped (a
    second signal ends the process at once), one line says so."""
    from .process import (EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated,
                          exit_on_second_signal, wait_for_workers)

    if os.environ.get("DEBUG"):
        raise exc
    code = EXIT_TERMINATED if isinstance(exc, Terminated) \
        else EXIT_INTERRUPTED
    exit_on_second_signal(code)
    wait_for_workers(0.5)
    print("piwcheck: " + ("terminated" if code == EXIT_TERMINATED
                          else "interrupted"), file=sys.stderr)
    return code


def _failed(exc: Exception) -> int:
    """stdout that cannot be written: one line, exit 2; anything else
    is a bug, shown as Python shows it."""
    from ..errors import EXIT_USAGE
    from .process import StdoutError

    if not isinstance(exc, StdoutError) or os.environ.get("DEBUG"):
        raise exc
    print("piwcheck: error: cannot write the output to stdout: {}"
          .format(exc), file=sys.stderr)
    return EXIT_USAGE


def _run(parser, argv) -> int:
    """Parse ``argv``, settle the options, run the mode; options that
    do not combine are reported as argparse's own errors."""
    args = parser.parse_args(argv)
    from .modes import run
    from .settings import Settings, UsageError

    try:
        return run(Settings.from_args(args))
    except UsageError as exc:
        parser.error(str(exc))
