# SPDX-License-Identifier: BSD-3-Clause
"""Compiled files read with bounds, from disk and inside a wheel's zip:
a file that is not a regular one is not opened, a zip member's
declared size is checked before it is inflated and only the parts the
ELF reader asks for are inflated (never past them, whatever the member
claims), and every failure is a DataError line for its distribution."""

import os
import stat
import zipfile
from typing import Optional

from ..errors import DataError
from .elf import ElfInfo, is_elf, read, read_from

#: The largest compiled file read inside a wheel (PyTorch's largest
#: library is about 500 MB); only what the ELF reader asks for is
#: inflated, so it bounds time, not memory.
MAX_MEMBER = 1024 * 1024 * 1024
#: The largest METADATA or WHEEL file read inside a wheel.
MAX_METADATA = 16 * 1024 * 1024
#: How much of a zip member is inflated at a time to skip it.
_CHUNK = 1024 * 1024


def read_file(path: str) -> Optional[ElfInfo]:
    """The ELF file at ``path`` read (None: it is not one); DataError
    for what cannot be read, a RECORD path with a NUL byte too."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DataError("{}: not a regular file".format(path))
        with open(path, "rb") as f:
            if not is_elf(f.read(4)):
                return None
            return read(f, path, os.fstat(f.fileno()).st_size)
    except OSError as exc:
        raise DataError("{}: {}".format(path, exc.strerror or exc))
    except ValueError:  # a NUL byte in the path
        raise DataError("{}: cannot read it (a NUL byte in its "
                        "name)".format(path.replace("\0", "\\0")))


class _Member:
    """Reads at offsets in one zip member: inflated forwards, and from
    its start again to go back, never past the offsets asked for."""

    def __init__(self, z: zipfile.ZipFile, info: zipfile.ZipInfo):
        self.z, self.info = z, info
        self.f = None
        self.pos = 0

    def read_at(self, offset: int, length: int) -> bytes:
        if self.f is None or offset < self.pos:
            self.close()
            self.f = self.z.open(self.info)
            self.pos = 0
        while self.pos < offset:
            skipped = len(self.f.read(min(_CHUNK, offset - self.pos)))
            if not skipped:
                return b""
            self.pos += skipped
        data = self.f.read(length)
        self.pos += len(data)
        return data

    def close(self) -> None:
        if self.f is not None:
            self.f.close()
            self.f = None


def read_member(z: zipfile.ZipFile, member: str) -> Optional[ElfInfo]:
    """The ELF file ``member`` of a wheel read (None: it is not one):
    its declared size checked first, then only the parts the reader
    asks for inflated; DataError for what cannot be read."""
    info = z.getinfo(member)
    if info.file_size > MAX_MEMBER:
        raise DataError("{}: unreadable: it is {:.1f} MB, more than "
                        "piwcheck reads ({:.1f} MB)".format(
                            member, info.file_size / 1e6, MAX_MEMBER / 1e6))
    source = _Member(z, info)
    try:
        try:
            head = source.read_at(0, 4)
        except Exception as exc:  # zlib.error, BadZipFile, encryption...
            raise DataError("{}: unreadable: cannot read it ({})".format(
                member, exc or type(exc).__name__))
        if not is_elf(head):
            return None
        return read_from(source.read_at, info.file_size, member)
    finally:
        source.close()


def small_member(z: zipfile.ZipFile, member: str) -> bytes:
    """A small member (METADATA, WHEEL) whole, at most MAX_METADATA
    bytes inflated; DataError when it cannot be read."""
    try:
        info = z.getinfo(member)
        if info.file_size > MAX_METADATA:
            raise DataError("{}: cannot read it (it is {} bytes, more "
                            "than {})".format(member, info.file_size,
                                              MAX_METADATA))
        with z.open(info) as f:
            data = f.read(MAX_METADATA + 1)
    except DataError:
        raise
    except Exception as exc:  # zlib.error, BadZipFile, encryption...
        raise DataError("{}: cannot read it ({})".format(
            member, exc or type(exc).__name__))
    if len(data) > MAX_METADATA:
        raise DataError("{}: cannot read it (it is more than {} "
                        "bytes)".format(member, MAX_METADATA))
    return data
