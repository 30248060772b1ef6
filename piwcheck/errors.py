# SPDX-License-Identifier: BSD-3-Clause
"""The one exception hierarchy, and the exit codes it maps to."""

#: Exit codes, as documented in README.rst.
EXIT_OK = 0
EXIT_ACTION = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


class PiwcheckError(Exception):
    """An expected failure: shown as one line on stderr, never a traceback."""

    exit_code = EXIT_USAGE


class InputError(PiwcheckError):
    """Bad input from the user: a requirement, a file, an option."""

    exit_code = EXIT_USAGE


class CacheError(InputError):
    """The cache folder cannot be used."""


class FetchError(PiwcheckError):
    """An index (or another site) could not be reached, or answered
    nonsense."""

    exit_code = EXIT_UNREACHABLE


class DataError(FetchError):
    """A document (an index's, a site's, a cached one) that does not have
    the documented shape."""


class NotFound(PiwcheckError):
    """The project is not on the index asked."""

    exit_code = EXIT_ACTION


def internal_error(exc: BaseException) -> str:
    """A bug (an exception piwcheck did not foresee) in one line, for a
    package's reason, so the user can report it: 'internal error:
    <type>: <the first line of what it says>'."""
    text = str(exc).strip()
    first = text.splitlines()[0][:200] if text else ""
    return "internal error: {}{}".format(
        type(exc).__name__, ": " + first if first else "")
