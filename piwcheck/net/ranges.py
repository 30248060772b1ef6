# SPDX-License-Identifier: BSD-3-Clause
"""Range requests, through the transport's one retry loop, watchdog and
size caps: part of a file (a 206), or, from a server that ignores the
Range header, the whole file (a 200), streamed into a file as a
download is."""

import time
from dataclasses import dataclass

from ..errors import DataError, FetchError
from .body import stream_into


class RangeRefused(FetchError):
    """A server answered 416 to a range request."""


@dataclass(frozen=True)
class Span:
    """A range request's answer: part of a file (a 206: ``body``, and
    its ``Content-Range`` as sent), or all of it (a 200, streamed into
    the caller's file: ``digest``, its sha256)."""

    partial: bool
    body: bytes = b""
    content_range: str = ""
    digest: str = ""


def span(transport, url: str, ranges: str, max_bytes: int, whole,
         whole_max: int, seconds: float) -> Span:
    """The answer to ``Range: bytes=<ranges>`` for the file at ``url``:
    a 206's body (at most ``max_bytes``, never decoded), or a 200's
    whole file, streamed into ``whole`` (within ``whole_max``);
    RangeRefused for a 416.  Within ``seconds``, with the retries of a
    document; never cached."""
    import hashlib

    if transport.offline:
        raise FetchError("not in cache")
    deadline = time.monotonic() + seconds

    def once():
        digest = hashlib.sha256()
        download = stream_into(whole, digest, url, whole_max, seconds, None)

        def read(resp, deadline: float):
            if resp.status_code == 416:
                raise RangeRefused("{} answered 416 to a range request"
                                   .format(url))
            if resp.status_code == 200:
                download(resp, deadline)
                return Span(False, digest=digest.hexdigest())
            if resp.headers.get("Content-Encoding", "identity").strip() \
                    .lower() != "identity":
                raise DataError("{}: a range answer in an encoding not "
                                "asked for".format(url))
            return Span(True, transport._read(resp, deadline, max_bytes),
                        resp.headers.get("Content-Range", ""))
        return transport._get(url, "*/*", deadline, False, read, {
            "Range": "bytes=" + ranges, "Accept-Encoding": "identity"},
            ok=(200, 206, 416))[0]
    return transport._with_retries(url, deadline, once)
