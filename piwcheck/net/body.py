# SPDX-License-Identifier: BSD-3-Clause
"""A response's body, read within bounds.  The raw bytes are read as
they come and their Content-Encoding is undone here, a piece at a time,
each piece counted before the next is made: urllib3 1.26 (Debian 11 and
12) inflates all it has read at once, so 965 bytes of ``gzip, gzip,
gzip`` become 5 GB before any cap can look.  A download's body is
streamed into its file the same way."""

import hashlib
import io
import time
import zlib
from typing import (Any, Callable, Iterable, Iterator, List, Optional,
                    Tuple)

from ..errors import DataError, FetchError
from .errors import check_length, secs

#: The encodings asked for (and the only ones undone).
ACCEPT_ENCODING = "gzip, deflate"
#: Most encodings one answer may stack.
MAX_ENCODINGS = 3
#: Bytes read, and made by each inflating, at a time.
CHUNK = 1 << 16


def encodings(resp, url: str) -> List[str]:
    """The Content-Encodings of ``resp`` to undo, last applied first;
    DataError for one not asked for, or too many."""
    value = resp.headers.get("Content-Encoding", "")
    names = [e.strip().lower() for e in value.split(",")]
    names = [e for e in names if e and e != "identity"]
    if len(names) > MAX_ENCODINGS:
        raise DataError("{}: the answer is encoded {} times over".format(
            url, len(names)))
    for name in names:
        if name not in ("gzip", "x-gzip", "deflate"):
            raise DataError("{}: the answer is in an encoding not asked "
                            "for ({})".format(url, name[:40]))
    return names[::-1]


def _inflate(pieces: Iterable[bytes], kind: str, url: str,
             budget: Callable[[int], None]) -> Iterator[bytes]:
    """The bytes ``pieces`` inflate to (gzip, members one after another
    and trailing garbage ignored as urllib3 does, or deflate,
    zlib-wrapped or raw), at most CHUNK at a time, each counted by
    ``budget``; DataError for data that is not that."""
    gzip = kind != "deflate"
    wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
    obj = zlib.decompressobj(wbits)
    first, later_member = True, False
    for data in pieces:
        if first and not gzip and data:
            first = False
            if not _zlib_header(data):
                obj = zlib.decompressobj(-zlib.MAX_WBITS)
        while data or not obj.eof:
            try:
                out = obj.decompress(data, CHUNK)
            except zlib.error:
                if later_member:  # garbage after a whole member
                    return
                raise DataError("{}: the answer does not decode (bad {} "
                                "data)".format(url, kind))
            data = obj.unconsumed_tail
            if obj.eof and gzip:
                data = obj.unused_data
                if data:  # another member
                    obj = zlib.decompressobj(wbits)
                    later_member = True
            if out:
                budget(len(out))
                yield out
            if not data and (len(out) < CHUNK or obj.eof):
                break
    if gzip and not obj.eof and not later_member:
        raise DataError("{}: the answer does not decode (its gzip data "
                        "is cut short)".format(url))


def _zlib_header(data: bytes) -> bool:
    """Whether deflate data starts with a zlib header (as RFC 9110 has
    it), rather than being raw deflate (as some servers send it)."""
    return len(data) < 2 or (data[0] & 0x0F == 8 and
                             (data[0] << 8 | data[1]) % 31 == 0)


def _raw(resp) -> Iterator[bytes]:
    """The raw bytes of ``resp``, as requests' own errors say their
    failures."""
    import requests.exceptions as rex
    from urllib3.exceptions import (DecodeError, ProtocolError,
                                    ReadTimeoutError)
    from urllib3.exceptions import SSLError as Urllib3SSLError

    try:
        yield from resp.raw.stream(CHUNK, decode_content=False)
    except ProtocolError as exc:
        raise rex.ChunkedEncodingError(exc)
    except DecodeError as exc:
        raise rex.ContentDecodingError(exc)
    except ReadTimeoutError as exc:
        raise rex.ReadTimeout(exc)
    except Urllib3SSLError as exc:
        raise rex.SSLError(exc)


def stream(resp, url: str, max_bytes: int, deadline: float,
           too_large: Callable[[], Exception],
           late: Callable[[], Exception]) -> Iterator[bytes]:
    """The body of ``resp``, decoded, a piece at a time: ``too_large()``
    is raised when the raw bytes or any decoding of them pass
    ``max_bytes``, ``late()`` when ``deadline`` (time.monotonic()) has
    passed."""
    return _stream(resp, url, max_bytes, deadline, too_large, late)


def _stream(resp, url: str, max_bytes: int, deadline: float,
            too_large: Callable[[], Exception],
            late: Callable[[], Exception],
            tap: Callable[[Iterable[bytes]], Iterable[bytes]] = iter
            ) -> Iterator[bytes]:
    """``stream``, the raw pieces passed through ``tap`` first."""
    def counter() -> Callable[[int], None]:
        total = [0]

        def count(size: int) -> None:
            total[0] += size
            if total[0] > max_bytes:
                raise too_large()
            if time.monotonic() > deadline:
                raise late()
        return count

    def counted(pieces: Iterable[bytes]) -> Iterator[bytes]:
        count = counter()
        for piece in pieces:
            count(len(piece))
            yield piece

    pieces: Iterable[bytes] = counted(tap(_raw(resp)))
    for kind in encodings(resp, url):
        pieces = _inflate(pieces, kind, url, counter())
    return iter(pieces)


class Packed:
    """A document's body as it was sent (``raw``, with the encodings
    ``kinds`` to undo, last applied first), the size it decodes to and
    the sha256 (hex) of what it decodes to: a compressed page waiting to
    be parsed holds a fraction of its decoded bytes."""

    __slots__ = ("raw", "kinds", "size", "digest")

    def __init__(self, raw: bytes, kinds: Tuple[str, ...], size: int,
                 digest: bytes):
        self.raw, self.kinds, self.size, self.digest = \
            raw, kinds, size, digest

    def unpack(self, url: str) -> bytes:
        """The decoded body (measured within bounds when it was read)."""
        if not self.kinds:
            return self.raw
        view = memoryview(self.raw)
        pieces: Iterable[bytes] = (view[i:i + CHUNK]
                                   for i in range(0, len(view), CHUNK))
        for kind in self.kinds:
            pieces = _inflate(pieces, kind, url, lambda size: None)
        out = io.BytesIO()
        for piece in pieces:
            out.write(piece)
        return out.getvalue()


def packed(resp, url: str, max_bytes: int, deadline: float,
           too_large: Callable[[], Exception],
           late: Callable[[], Exception]) -> Packed:
    """The body of ``resp`` as sent, measured as ``stream`` measures it
    (its decoding counted and hashed a piece at a time, and let go);
    the same errors."""
    raw = io.BytesIO()

    def kept(pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            raw.write(piece)
            yield piece
    kinds = tuple(encodings(resp, url))
    size, digest = 0, hashlib.sha256()
    for piece in _stream(resp, url, max_bytes, deadline, too_large, late,
                         kept):
        size += len(piece)
        digest.update(piece)
    return Packed(raw.getvalue(), kinds, size,
                  digest.hexdigest().encode())


def stream_into(out, digest, url: str, max_bytes: int, seconds: float,
                started: Optional[Callable[[Any], None]]):
    """A reader for Transport._get that streams the body into ``out``
    (from its start: a retry rewrites it) and ``digest``, within
    ``max_bytes`` and ``seconds``; ``started`` gets the headers first."""
    def read(resp, deadline: float) -> bytes:
        if started is not None:
            started(resp.headers)
        out.seek(0)
        out.truncate()
        for chunk in stream(
                resp, url, max_bytes, deadline,
                lambda: FetchError("{}: larger than {:.1f} MB".format(
                    url, max_bytes / 1e6)),
                lambda: FetchError("{}: not downloaded within {} s".format(
                    url, secs(seconds)))):
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:  # here, not on the network
                raise FetchError("{}: cannot write it: {}".format(
                    url, exc.strerror or exc)) from exc
        check_length(resp)
        return b""
    return read
