# SPDX-License-Identifier: BSD-3-Clause
"""What a failed try means: requests' and urllib3's exceptions translated
into piwcheck's errors, or into a Retry (a failure worth another try),
and the short wording of both for messages."""

import errno
import re
import time
from typing import Optional

from ..errors import DataError, FetchError, NotFound


#: A header's number: ASCII digits only ("²".isdigit() is true).
_DIGITS = re.compile(r"[0-9]+\Z")
#: Longest wait a Retry-After is taken to ask for (a day): longer ones
#: are as good as never, and every wait is within a document's budget.
MAX_WAIT = 86400.0


class Retry(Exception):
    """A failure worth another try; ``after`` is what the server asked
    for; ``unreachable`` marks failures that say the site is down."""

    def __init__(self, message: str, after: Optional[float] = None,
                 unreachable: bool = False, reason: str = ""):
        super().__init__(message)
        self.after = after
        self.unreachable = unreachable
        #: For an unreachable site: why, without the URL.
        self.reason = reason


def retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if _DIGITS.match(value):  # ASCII only: "²".isdigit() is true
        return min(float(value), MAX_WAIT)
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
        if when is None:
            return None
        return min(max(0.0, when.timestamp() - time.time()), MAX_WAIT)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def check_length(resp) -> None:
    """A body shorter than its Content-Length was cut short (urllib3 1.x
    does not check this itself)."""
    expected = resp.headers.get("Content-Length", "")
    tell = getattr(resp.raw, "tell", None)
    if not _DIGITS.match(expected) or tell is None:
        return
    got = tell()
    if isinstance(got, int) and (len(expected.lstrip("0")) > 18 or
                                 got < int(expected)):
        raise Retry("{}: the answer was cut short ({} of {} bytes)".format(
            resp.url, got, expected))


def check_status(resp, url: str, ok=(200,)) -> None:
    """NotFound for a 404, Retry for a 429 or a 5xx, FetchError for any
    other answer but a 200 (or those in ``ok``)."""
    code = resp.status_code
    if code in ok:
        return
    if code == 404:
        raise NotFound("{} answered 404".format(url))
    if code == 429 or 500 <= code < 600:
        raise Retry("{} answered HTTP {}".format(url, code),
                    retry_after(resp.headers.get("Retry-After")))
    raise FetchError("{} answered HTTP {}".format(url, code))


def translate(exc: Exception, url: str, timeout: float) -> Exception:
    """The FetchError, DataError or Retry a requests error (or an
    OSError of this machine) means."""
    import requests.exceptions as rex

    if isinstance(exc, rex.ConnectTimeout):
        why = "no connection within {} s".format(secs(timeout))
        return Retry("cannot reach {}: {}".format(url, why),
                     unreachable=True, reason=why)
    if isinstance(exc, rex.ReadTimeout):
        why = "no answer within {} s".format(secs(timeout))
        return Retry("{}: {}".format(url, why), unreachable=True,
                     reason=why)
    if isinstance(exc, rex.SSLError):
        return FetchError("{}: TLS failed: {}".format(url, short(exc)))
    if isinstance(exc, rex.ProxyError):
        why = "cannot reach it through the proxy: " + short(exc)
        return Retry("cannot reach {} through the proxy: {}".format(
            url, short(exc)), unreachable=True, reason=why)
    if isinstance(exc, rex.TooManyRedirects):
        return FetchError("{}: too many redirects (a redirect "
                          "loop?)".format(url))
    if isinstance(exc, rex.ContentDecodingError):
        return DataError("{}: the answer does not decode (bad gzip "
                         "data)".format(url))
    if isinstance(exc, rex.ChunkedEncodingError):
        return Retry("{}: the answer was cut short ({})".format(
            url, short(exc)))
    if isinstance(exc, rex.ConnectionError):
        reason = short(exc)
        if "reset" in reason.lower() or "aborted" in reason.lower():
            return Retry("{}: the connection was reset".format(url))
        if connection_failed(exc):
            return Retry("cannot reach {}: {}".format(url, reason),
                         unreachable=True, reason=reason)
        return Retry("{}: {}".format(url, reason))
    if isinstance(exc, rex.RequestException):
        # what the server answered cannot be followed (a redirect to
        # file:, a bad URL or header): this document's failure only
        return FetchError("{}: {}".format(url, short(exc)))
    if isinstance(exc, OSError):  # this machine's, not the site's
        return FetchError("{}: {}".format(url, exc.strerror or short(exc)))
    return FetchError("{}: {}".format(url, describe(exc)))


def connection_failed(exc: BaseException) -> bool:
    """Whether ``exc`` (a requests ConnectionError) says that no
    connection could be made: refused, no route, no such host.  Only
    such failures take a site to be down."""
    import socket

    from urllib3.exceptions import NewConnectionError

    todo, seen = [exc], set()
    while todo:
        err = todo.pop()
        if id(err) in seen or len(seen) > 50:
            continue
        seen.add(id(err))
        if isinstance(err, (NewConnectionError, ConnectionRefusedError,
                            socket.gaierror)):
            return True
        todo.extend(a for a in getattr(err, "args", ())
                    if isinstance(a, BaseException))
        for more in (getattr(err, "reason", None), err.__cause__,
                     err.__context__):
            if isinstance(more, BaseException):
                todo.append(more)
    return False


def secs(seconds: float) -> str:
    """Seconds for a message: 30, 2.5, 0.3."""
    return "{:.1f}".format(seconds).rstrip("0").rstrip(".") or "0"


def short(exc: BaseException) -> str:
    """The innermost, most telling part of a requests/urllib3 error."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    match = re.search(r"(Connection (?:refused|reset[^'\")]*|aborted))", text)
    if match:
        return match.group(1)
    match = re.search(r"(certificate verify failed: ?[^'\"(]*)", text)
    if match:  # without ssl's own "(_ssl.c:992)"
        return match.group(1).strip().rstrip(":")
    match = re.search(r"(hostname '[^']*' doesn't match [^\"]*?|"
                      r"[Hh]ostname mismatch[^'\"(]*)['\")]", text)
    if match:
        return "the certificate is not for this host: " + \
            match.group(1).strip()
    match = re.search(r"SSLError\((?:\w+\()?[\"']?([^\"')]+)", text)
    if match:
        return match.group(1).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def describe(exc: BaseException) -> str:
    """An unforeseen exception in one short line: its type and the first
    line of what it says."""
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    text = str(exc).strip()
    first = text.splitlines()[0][:200] if text else ""
    return "{}: {}".format(type(exc).__name__, first) if first \
        else type(exc).__name__


#: What this machine's file system answers when the cache (or the
#: temporary file CacheControl keeps a body in) cannot be written:
#: full, too large, read-only, over quota, not allowed, no temporary
#: folder at all (tempfile's ENOENT).
_WRITE_ERRNOS = frozenset(getattr(errno, n) for n in (
    "ENOSPC", "EFBIG", "EROFS", "EDQUOT", "EACCES", "EPERM", "ENOENT")
    if hasattr(errno, n))


def local_write_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is this machine's file system failing, not the
    network (requests' own errors are OSErrors too)."""
    import requests

    return isinstance(exc, OSError) and not isinstance(
        exc, requests.exceptions.RequestException) and \
        exc.errno in _WRITE_ERRNOS
