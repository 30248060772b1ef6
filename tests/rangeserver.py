# SPDX-License-Identifier: BSD-3-Clause
"""A simple index that offers no metadata (no PEP 658 files, no
per-release JSON), as many mirrors and private indexes do, serving its
files with or without HTTP range requests, or lying about them; and
wheels big enough that reading one whole is not the same as reading its
end.  ``log`` records each file request: (filename, Range header,
status, bytes of body sent)."""

import io
import random
import re
import struct
import zipfile

from distfiles import metadata
from fakeindex import NOT_FOUND, FakeIndex, IndexHandler

#: How the server answers a range request for a file:
#: honour: 206 with the bytes asked (416 past the end), as nginx does;
#: ignore: 200 and the whole file, as many servers do;
#: refuse: 416 to every range, the whole file without one;
#: always-416: 416 to every file request;
#: bad-range: a 206 whose Content-Range names other bytes than it sends;
#: short: a 206 with one byte fewer than its Content-Range says.
MODES = ("honour", "ignore", "refuse", "always-416", "bad-range", "short")

_EPOCH = (2020, 1, 1, 0, 0, 0)


def big_wheel(filename, requires_dist=(), requires_python=None,
              payload=300000, modules=1, seed=0):
    """A wheel whose METADATA is what a real one says, with ``payload``
    incompressible bytes (a compiled module's worth) and ``modules``
    more small members, so its central directory can outgrow the first
    range read.  The same bytes every time."""
    name, version = filename[:-4].split("-")[:2]
    info = "{}-{}.dist-info".format(name, version)
    meta = metadata(name, version, requires_python, requires_dist)
    rng = random.Random(seed)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(name + "/_core.so", _EPOCH),
                   rng.randbytes(payload), zipfile.ZIP_STORED)
        for i in range(modules):
            z.writestr(zipfile.ZipInfo("{}/m{:05d}.py".format(name, i),
                                       _EPOCH), "x = {}\n".format(i))
        z.writestr(zipfile.ZipInfo(info + "/METADATA", _EPOCH), meta)
        z.writestr(zipfile.ZipInfo(info + "/WHEEL", _EPOCH),
                   "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n")
        z.writestr(zipfile.ZipInfo(info + "/RECORD", _EPOCH), "")
    return out.getvalue()


def hostile(kind, filename):
    """A wheel that is broken or hostile in the way ``kind`` says."""
    good = big_wheel(filename, ["dep"])
    name, version = filename[:-4].split("-")[:2]
    info = "{}-{}.dist-info".format(name, version).encode()
    if kind == "truncated":
        return good[:len(good) // 2]
    if kind == "bomb":
        # METADATA of 20 MB (deflated to about 20 kB): over the cap
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(info.decode() + "/METADATA",
                       "Metadata-Version: 2.1\n" + "X" * 20000000)
        return out.getvalue()
    if kind == "lying-bomb":
        # METADATA says it is 100 bytes, and inflates to 20 MB
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(info.decode() + "/METADATA",
                       "Metadata-Version: 2.1\n" + "X" * 20000000)
        data = bytearray(out.getvalue())
        for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            pos = data.find(sig)
            struct.pack_into("<L", data, pos + at, 100)
        return bytes(data)
    if kind == "huge-directory":
        # the end record claims a million members in 50 MB
        data = bytearray(good)
        pos = data.rfind(b"PK\x05\x06")
        struct.pack_into("<2HL", data, pos + 8, 0xFFFF - 1, 0xFFFF - 1,
                         50000000)
        return bytes(data)
    if kind == "two-dist-info":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(info.decode() + "/METADATA", "Metadata-Version: 2.1")
            z.writestr("other-1.0.dist-info/METADATA", "Metadata-Version: 2.1")
        return out.getvalue()
    raise ValueError(kind)


class RangeHandler(IndexHandler):
    """Files answered in the server's ``mode``; nothing else but the
    simple pages."""

    def do_simple(self, name, rest, path):
        if not rest or rest.endswith(".metadata"):
            return super().do_simple(name, rest, path)
        entry = self.fake.files.entry(name, rest)
        if entry is None:
            return self.send_body(404, NOT_FOUND, "text/html", name=name)
        self._file(rest, self.fake.files.data(entry))

    def _file(self, filename, data):
        mode = self.fake.mode
        asked = self.headers.get("Range")
        size = len(data)
        span = _span(asked, size) if asked else None
        if mode == "always-416" or (asked and mode == "refuse"):
            return self._send(filename, asked, 416, b"", {
                "Content-Range": "bytes */{}".format(size)})
        if asked is None or mode == "ignore":
            return self._send(filename, asked, 200, data,
                              {"Accept-Ranges": "none"}
                              if mode == "ignore" else {})
        if span is None:
            return self._send(filename, asked, 416, b"", {
                "Content-Range": "bytes */{}".format(size)})
        first, last = span
        body = data[first:last + 1]
        told = "bytes {}-{}/{}".format(first, last, size)
        if mode == "bad-range":
            told = "bytes 0-{}/{}".format(last - first, size)
        elif mode == "short":
            body = body[:-1]
        self._send(filename, asked, 206, body, {"Content-Range": told,
                                                "Accept-Ranges": "bytes"})

    def _send(self, filename, asked, status, body, headers):
        with self.fake.lock:
            self.fake.served.append((filename, asked, status,
                                     0 if self.command == "HEAD"
                                     else len(body)))
        self.send_body(status, body, "application/octet-stream", headers,
                       name=filename)


def _span(asked, size):
    """(first, last) of one ``bytes=`` range, or None (unsatisfiable)."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", asked.strip())
    if match is None or not size:
        return None
    a, b = match.groups()
    if a == "":
        return (max(0, size - int(b)), size - 1) if b and int(b) else None
    first = int(a)
    last = min(int(b), size - 1) if b else size - 1
    return (first, last) if first <= last else None


class RangeServer(FakeIndex):
    """An index with no metadata; ``files.add(name, entries)`` as in
    the PyPI fake, entries with ``data`` for files made here."""

    handler = RangeHandler
    simple_json = True
    metadata_files = False

    def __init__(self, mode="honour"):
        super().__init__()
        assert mode in MODES
        self.mode = mode
        #: (filename, Range header, status, body bytes) of each file
        self.served = []

    def reset_log(self):
        super().reset_log()
        with self.lock:
            self.served.clear()
