# SPDX-License-Identifier: BSD-3-Clause
"""A wheel's METADATA, found in its zip by reading only what is needed:
the end record, the central directory, then one member's local header
and data.  Each offset, size and count is checked against the file's
size and a bound before anything is read or inflated; a zip that does
not hold together is a DataError naming the file.  The bytes come from
a ``Source`` (part of a file over HTTP, or a file here)."""

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Dict, Tuple

from ..errors import DataError
from ..metadata import MAX_BYTES

#: The end of a zip that holds its end record however long its comment
#: (at most 65,535 bytes): what is read first.
TAIL = 22 + 65535
#: The largest central directory read (a wheel of 100,000 files has
#: one of about 10 MB).
MAX_DIRECTORY = 16 * 1000 * 1000
#: The most members a zip may list.
MAX_MEMBERS = 100000
#: The largest zip taken at its word (16 GB).
MAX_SIZE = 16 * 1000 ** 3

_END = struct.Struct("<4s4H2LH")
_LOCATOR64 = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_ENTRY = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")


class Source:
    """Bytes of a file of ``size`` bytes, by position."""

    size = 0

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` (not included), all of them."""
        raise NotImplementedError


class FileSource(Source):
    """A whole file here (open for reading in binary)."""

    def __init__(self, f):
        self.f = f
        self.size = f.seek(0, 2)

    def read(self, start: int, end: int) -> bytes:
        self.f.seek(start)
        data = self.f.read(end - start)
        if len(data) != end - start:
            raise DataError("the file ends before byte {:,}".format(end))
        return data


@dataclass(frozen=True)
class Member:
    """One member, as the central directory lists it."""

    name: str
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    offset: int


def metadata_bytes(src: Source, project: str, where: str) -> bytes:
    """The METADATA of the wheel ``src`` of ``project``, inflated;
    DataError when the zip or its .dist-info is not as pip requires."""
    members, cd_start = directory(src, where)
    member = _metadata_member(members, project, where)
    return inflate(src, member, cd_start, where)


def directory(src: Source, where: str) -> Tuple[Dict[str, Member], int]:
    """(members by name, where the central directory starts) of ``src``;
    of a name listed twice, the last, as zipfile takes it."""
    if not 22 <= src.size <= MAX_SIZE:
        raise DataError("{}: not a zip ({:,} bytes)".format(where, src.size))
    tail_start = max(0, src.size - TAIL)
    tail = src.read(tail_start, src.size)
    at = tail.rfind(b"PK\x05\x06", 0, len(tail) - 18)
    if at < 0:
        raise DataError("{}: not a zip (no end record)".format(where))
    (_, disk, cd_disk, _, count, cd_size, cd_offset,
     _) = _END.unpack_from(tail, at)
    end_at = tail_start + at
    if 0xFFFF in (count, disk) or 0xFFFFFFFF in (cd_size, cd_offset):
        count, cd_size, cd_offset, end_at = _zip64(tail, at, tail_start,
                                                   where)
    elif disk or cd_disk:
        raise DataError("{}: a zip spanning several disks".format(where))
    if count > MAX_MEMBERS:
        raise DataError("{}: a zip of {:,} members, over the {:,} piwcheck "
                        "reads".format(where, count, MAX_MEMBERS))
    if cd_size > MAX_DIRECTORY:
        raise DataError("{}: a central directory of {:,} bytes, over the "
                        "{} MB piwcheck reads".format(
                            where, cd_size, MAX_DIRECTORY // 1000000))
    # data before the zip (a self-extractor's) moves every offset on
    shift = end_at - cd_size - cd_offset
    if shift < 0 or count * _ENTRY.size > cd_size:
        raise DataError("{}: its central directory does not fit the file"
                        .format(where))
    cd_start = cd_offset + shift
    data = src.read(cd_start, cd_start + cd_size)
    return _entries(data, count, shift, cd_start, where), cd_start


def _zip64(tail: bytes, at: int, tail_start: int,
           where: str) -> Tuple[int, int, int, int]:
    """(count, directory size, directory offset, where the zip64 end
    record starts) from the zip64 records before the end record."""
    loc = at - _LOCATOR64.size
    if loc < 0 or tail[loc:loc + 4] != b"PK\x06\x07":
        raise DataError("{}: a zip64 zip without its locator".format(where))
    _, disk, offset, disks = _LOCATOR64.unpack_from(tail, loc)
    rec = offset - tail_start
    if disk or disks > 1 or not 0 <= rec <= loc - _END64.size or \
            tail[rec:rec + 4] != b"PK\x06\x06":
        raise DataError("{}: its zip64 end record is not where it says"
                        .format(where))
    (_, _, _, _, disk, cd_disk, _, count, cd_size,
     cd_offset) = _END64.unpack_from(tail, rec)
    if disk or cd_disk:
        raise DataError("{}: a zip spanning several disks".format(where))
    return count, cd_size, cd_offset, offset


def _entries(data: bytes, count: int, shift: int, cd_start: int,
             where: str) -> Dict[str, Member]:
    members: Dict[str, Member] = {}
    pos = 0
    for _ in range(count):
        if pos + _ENTRY.size > len(data) or \
                data[pos:pos + 4] != b"PK\x01\x02":
            raise DataError("{}: its central directory is damaged".format(
                where))
        (_, _, _, flags, method, _, _, crc, csize, usize, name_len,
         extra_len, comment_len, _, _, _, offset) = _ENTRY.unpack_from(
             data, pos)
        pos += _ENTRY.size
        end = pos + name_len + extra_len + comment_len
        if end > len(data):
            raise DataError("{}: its central directory is damaged".format(
                where))
        raw = data[pos:pos + name_len]
        name = raw.decode("utf-8", "replace") if flags & 0x800 \
            else raw.decode("cp437")
        if 0xFFFFFFFF in (csize, usize, offset):
            usize, csize, offset = _extra64(
                data[pos + name_len:pos + name_len + extra_len],
                usize, csize, offset, where)
        offset += shift
        if offset + _LOCAL.size + csize > cd_start:
            raise DataError("{}: member {!r} lies outside the file".format(
                where, name[:100]))
        members[name] = Member(name, flags, method, crc, csize, usize,
                               offset)
        pos = end
    return members


def _extra64(extra: bytes, usize: int, csize: int, offset: int,
             where: str) -> Tuple[int, int, int]:
    """The sizes and offset a zip64 extra field gives for those that are
    0xFFFFFFFF in an entry, in their order."""
    pos = 0
    while pos + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4:pos + 4 + length]
        if kind == 1:
            values = [usize, csize, offset]
            i = 0
            for n, v in enumerate(values):
                if v == 0xFFFFFFFF:
                    if i + 8 > len(body):
                        break
                    values[n] = struct.unpack_from("<Q", body, i)[0]
                    i += 8
            else:
                return values[0], values[1], values[2]
            break
        pos += 4 + length
    raise DataError("{}: a zip64 entry without its sizes".format(where))


def _canonical(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _metadata_member(members: Dict[str, Member], project: str,
                     where: str) -> Member:
    """The ``<name>-<version>.dist-info/METADATA`` member, where pip
    looks: the one top-level .dist-info folder, named for ``project``."""
    folders = sorted({n.split("/", 1)[0] for n in members
                      if n.split("/", 1)[0].endswith(".dist-info")})
    if not folders:
        raise DataError("{}: a wheel without a .dist-info folder".format(
            where))
    if len(folders) > 1:
        raise DataError("{}: a wheel with {} .dist-info folders (pip "
                        "refuses it)".format(where, len(folders)))
    if not _canonical(folders[0]).startswith(_canonical(project)):
        raise DataError("{}: its .dist-info folder {!r} is not {}'s (pip "
                        "refuses it)".format(where, folders[0][:100],
                                             project))
    member = members.get(folders[0] + "/METADATA")
    if member is None:
        raise DataError("{}: a wheel without {}/METADATA".format(
            where, folders[0][:100]))
    return member


def inflate(src: Source, m: Member, cd_start: int, where: str) -> bytes:
    """The bytes of member ``m``, read and inflated within MAX_BYTES,
    checked against its CRC-32."""
    what = "{}: its {}".format(where, m.name[:100])
    if m.flags & 1:
        raise DataError("{} is encrypted".format(what))
    if m.method not in (0, 8):
        raise DataError("{} is compressed with method {}, which piwcheck "
                        "does not read".format(what, m.method))
    if max(m.compressed, m.size) > MAX_BYTES:
        raise DataError("{} is {:,} bytes, over the {} MB piwcheck reads"
                        .format(what, max(m.compressed, m.size),
                                MAX_BYTES // 1000000))
    name_len = len(m.name.encode("utf-8" if m.flags & 0x800 else "cp437"))
    # the local header's extra field is mostly the central one's: read
    # its likely whole at once, and what it lacks after
    guess = min(cd_start, m.offset + _LOCAL.size + name_len + 64 +
                m.compressed)
    head = src.read(m.offset, guess)
    if head[:4] != b"PK\x03\x04":
        raise DataError("{} has no local header where the directory "
                        "says".format(what))
    fields = _LOCAL.unpack_from(head, 0)
    name = head[_LOCAL.size:_LOCAL.size + fields[9]]
    if fields[9] != name_len or name != m.name.encode(
            "utf-8" if m.flags & 0x800 else "cp437"):
        raise DataError("{}: its local header names another member"
                        .format(what))
    start = m.offset + _LOCAL.size + fields[9] + fields[10]
    end = start + m.compressed
    if end > cd_start:
        raise DataError("{} lies outside the file".format(what))
    data = head[start - m.offset:] if end <= guess else \
        src.read(start, end)
    data = data[:m.compressed]
    out = data if m.method == 0 else _deflated(data, m.size, what)
    if len(out) != m.size or zlib.crc32(out) & 0xFFFFFFFF != m.crc:
        raise DataError("{} does not match its size and CRC".format(what))
    return out


def _deflated(data: bytes, size: int, what: str) -> bytes:
    """Raw deflate ``data`` inflated: no more than one byte past the
    ``size`` the directory gives (at most MAX_BYTES) is ever made."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, size + 1)
    except zlib.error:
        raise DataError("{} does not inflate".format(what))
    if len(out) > size or inflater.unconsumed_tail:
        raise DataError("{} inflates to more than the {:,} bytes its "
                        "directory entry says".format(what, size))
    return out
