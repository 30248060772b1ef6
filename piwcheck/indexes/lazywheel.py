# SPDX-License-Identifier: BSD-3-Clause
"""A wheel's core metadata read from the wheel itself, as pip reads it
when an index offers no metadata file: by HTTP range requests (the end
of the zip, its central directory, then the METADATA member; a few
requests of a few kB), else, when the server sends the whole file
instead or refuses ranges, the whole file, downloaded within a cap and
checked against the index's sha256.  What was read is kept in the cache
under the file's sha256, for a warm run and --offline."""

import re
import tempfile
from typing import List, Optional, Tuple

from ..errors import DataError, FetchError
from ..metadata import Metadata, parse_core
from ..model import File, is_sha256
from ..net.ranges import RangeRefused, Span
from .zipdir import TAIL, FileSource, Source, metadata_bytes

#: The most range requests for one wheel (the end, the directory, the
#: member's header and data, and what a longer header leaves out).
MAX_REQUESTS = 6
#: The largest wheel downloaded whole when its server sends no part of
#: it (PyTorch's are about this size), and the time that may take.
MAX_WHOLE = 512 * 1000 * 1000
WHOLE_SECONDS = 300.0

_RANGE = re.compile(r"bytes ([0-9]{1,15})-([0-9]{1,15})/([0-9]{1,15})\Z")


def cache_key(f: File) -> Optional[str]:
    """Where what is read from ``f`` is kept: under its sha256, when the
    index gives one that is 64 hex digits; else it is not kept."""
    return "wheel-metadata:" + f.sha256.lower() if is_sha256(f.sha256) \
        else None


def kept_metadata(transport, f: File) -> Optional[Metadata]:
    """What was read from wheel ``f`` before, or None."""
    key = cache_key(f)
    found = transport.kept(key) if key else None
    return found if isinstance(found, Metadata) else None


def wheel_metadata(transport, f: File) -> Metadata:
    """The core metadata in wheel ``f`` (from the cache, else read over
    ``transport``); FetchError, NotFound or DataError."""
    found = kept_metadata(transport, f)
    if found is not None:
        return found
    if transport.offline:
        raise FetchError("not in cache")
    project = f.filename.split("-", 1)[0]
    with tempfile.TemporaryFile() as whole:
        body = _read(transport, f, project, whole)
    meta = parse_core(body, f.url)
    key = cache_key(f)
    if key:
        transport.keep(key, meta)
    return meta


class _Whole(Exception):
    """The server sent the whole file (into ``whole``), with this
    sha256."""

    def __init__(self, digest: str):
        super().__init__(digest)
        self.digest = digest


def _read(transport, f: File, project: str, whole) -> bytes:
    """METADATA's bytes: by ranges, else from the whole file."""
    try:
        remote = _Remote(transport, f.url, whole)
        return metadata_bytes(remote, project, f.filename)
    except _Whole as sent:
        digest = sent.digest
    except RangeRefused:
        digest = transport.download(f.url, whole, MAX_WHOLE, WHOLE_SECONDS)
    if f.sha256 and digest != f.sha256.lower():
        raise DataError("{}: its sha256 is {}, not the {} the index gives"
                        .format(f.filename, digest, f.sha256))
    return metadata_bytes(FileSource(whole), project, f.filename)


class _Remote(Source):
    """A file over HTTP, read by ranges; what has come is kept.  The
    first request asks for its end (``bytes=-N``), which also says its
    size.  _Whole when the server answers with the whole file."""

    def __init__(self, transport, url: str, whole):
        self.transport, self.url, self.whole = transport, url, whole
        self.requests = 0
        #: (start, bytes) of what has come, apart from one another
        self.spans: List[Tuple[int, bytes]] = []
        span = self._ask("-{}".format(TAIL), TAIL, WHOLE_SECONDS)
        first, last, self.size = self._parse_range(span)
        if last != self.size - 1 or first != max(0, self.size - TAIL):
            raise DataError("{}: answered bytes {}-{} of {:,} for its last "
                            "{:,}".format(url, first, last, self.size, TAIL))
        self._keep(first, last, span)

    def _ask(self, ranges: str, length: int, seconds: float) -> Span:
        self.requests += 1
        if self.requests > MAX_REQUESTS:
            raise DataError("{}: reading its metadata takes more than {} "
                            "range requests".format(self.url, MAX_REQUESTS))
        span = self.transport.span(self.url, ranges, length, self.whole,
                                   MAX_WHOLE, seconds)
        if not span.partial:
            raise _Whole(span.digest)
        return span

    def _parse_range(self, span: Span) -> Tuple[int, int, int]:
        match = _RANGE.match(span.content_range.strip())
        if match is None:
            raise DataError("{}: a range answer with Content-Range {!r}"
                            .format(self.url, span.content_range[:80]))
        first, last, size = (int(g) for g in match.groups())
        if not first <= last < size:
            raise DataError("{}: a range answer with Content-Range {!r}"
                            .format(self.url, span.content_range[:80]))
        return first, last, size

    def _keep(self, first: int, last: int, span: Span) -> None:
        if len(span.body) != last - first + 1:
            raise DataError("{}: a range answer of {:,} bytes for bytes "
                            "{}-{}".format(self.url, len(span.body), first,
                                           last))
        self.spans.append((first, span.body))
        self.spans.sort(key=lambda s: s[0])

    def _fetch(self, start: int, end: int) -> bytes:
        span = self._ask("{}-{}".format(start, end - 1), end - start,
                         self.transport.budget)
        first, last, size = self._parse_range(span)
        if (first, last, size) != (start, end - 1, self.size):
            raise DataError("{}: answered bytes {}-{} of {:,} for {}-{} of "
                            "{:,}".format(self.url, first, last, size,
                                          start, end - 1, self.size))
        self._keep(first, last, span)
        return span.body

    def read(self, start: int, end: int) -> bytes:
        if not 0 <= start <= end <= self.size:
            raise DataError("{}: bytes {}-{} are outside its {:,}".format(
                self.url, start, end, self.size))
        out, pos = [], start
        for first, body in list(self.spans):
            stop = first + len(body)
            if stop <= pos or first >= end:
                continue
            if first > pos:
                out.append(self._fetch(pos, first))
                pos = first
            out.append(body[pos - first:min(end, stop) - first])
            pos = min(end, stop)
        if pos < end:
            out.append(self._fetch(pos, end))
        return b"".join(out)
