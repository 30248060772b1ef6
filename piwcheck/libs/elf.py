# SPDX-License-Identifier: BSD-3-Clause
"""What a shared object needs, from its ELF file: the machine and float
ABI it was built for, the sonames it links (DT_NEEDED), where it looks
for them (DT_RPATH, DT_RUNPATH) and, on ARM, the CPU architecture it
was compiled for (Tag_CPU_arch).

Only the header, the section headers, the dynamic sections (with the
strings they name) and ARM's attributes are read, each checked against
the file's size and a bound before it is read, so a crafted file costs
at most a few megabytes and milliseconds: every loop advances and ends
at a bound.  (pyelftools, which this read once, runs for hours on some
389-byte files and loops for ever on an attribute of length 0; only its
names of machines are used now.)  What cannot be read is a DataError,
"<file>: unreadable: <reason>"."""

import struct
from dataclasses import dataclass
from typing import BinaryIO, Callable, Dict, List, Optional, Tuple

from ..errors import DataError
from ..facts import ELF_MACHINES

#: e_flags bits of an ARM EABI object's float ABI.
EF_ARM_ABI_FLOAT_HARD = 0x400
EF_ARM_ABI_FLOAT_SOFT = 0x200

#: Tag_CPU_arch values (ARM ABI addenda) -> the architecture name.
CPU_ARCH = {0: "pre-v4", 1: "v4", 2: "v4T", 3: "v5T", 4: "v5TE", 5: "v5TEJ",
            6: "v6", 7: "v6KZ", 8: "v6T2", 9: "v6K", 10: "v7", 11: "v6-M",
            12: "v6S-M", 13: "v7E-M", 14: "v8", 15: "v8-R", 16: "v8-M.base",
            17: "v8-M.main", 18: "v8.1-M.main", 19: "v9"}
#: Tag_CPU_arch values an ARMv6 CPU (Pi Zero, Pi 1) runs.
ARMV6_OK = {0, 1, 2, 3, 4, 5, 6, 7, 9}

#: The most sections read (SHN_LORESERVE: the most without extension).
MAX_SECTIONS = 0xff00
#: The largest dynamic section read (4096 64-bit entries; real ones
#: have a few dozen).
MAX_DYNAMIC = 64 * 1024
#: The most DT_NEEDED entries, and the longest string, read.
MAX_NEEDED = 1024
MAX_STRING = 4096
#: The largest ARM attributes section read (real ones: ~50 bytes).
MAX_ATTRIBUTES = 64 * 1024

_EM_ARM = 40
_SHT_DYNAMIC = 6
_SHT_NOBITS = 8
_SHT_ARM_ATTRIBUTES = 0x70000003
_DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 1, 15, 29
_TAG_CPU_ARCH = 6


@dataclass(frozen=True)
class ElfInfo:
    """What one shared object needs."""

    #: 32 or 64.
    bits: int
    #: 'arm', 'aarch64', 'x86_64' ... (facts.ELF_MACHINES), else the
    #: e_machine name.
    machine: str
    #: For ARM: 'hard' or 'soft' float ABI; None elsewhere or unsaid.
    float_abi: Optional[str]
    needed: Tuple[str, ...]
    rpath: Tuple[str, ...]
    runpath: Tuple[str, ...]
    #: For ARM: the Tag_CPU_arch value; None when absent.
    cpu_arch: Optional[int] = None

    @property
    def cpu_arch_name(self) -> Optional[str]:
        if self.cpu_arch is None:
            return None
        return "ARM" + CPU_ARCH.get(self.cpu_arch, str(self.cpu_arch))


class _Bad(Exception):
    """Why the file cannot be read."""


#: (offset, length) -> exactly those bytes of the file (fewer: it ends).
ReadAt = Callable[[int, int], bytes]


def read(stream: BinaryIO, name: str, size: Optional[int] = None) -> ElfInfo:
    """The needs of the ELF object in the seekable ``stream`` (of
    ``size`` bytes; None: to its end); DataError when it is not one
    that can be read."""
    if size is None:
        size = stream.seek(0, 2)

    def read_at(offset: int, length: int) -> bytes:
        stream.seek(offset)
        return stream.read(length)
    return read_from(read_at, size, name)


def read_from(read_at: ReadAt, size: int, name: str) -> ElfInfo:
    """The needs of the ELF object of ``size`` bytes that ``read_at``
    reads; DataError when it is not one that can be read."""
    try:
        return _Reader(read_at, size).info()
    except _Bad as exc:
        reason = str(exc)
    except (OSError, EOFError) as exc:  # a file or a zip member
        reason = "cannot read it ({})".format(exc)
    except Exception as exc:  # a bug here: still no traceback
        reason = "{}: {}".format(type(exc).__name__, exc)
    raise DataError("{}: unreadable: {}".format(name, reason))


class _Reader:
    """One ELF file, each part checked before it is read."""

    def __init__(self, read_at: ReadAt, size: int):
        self._read_at = read_at
        self.size = size

    def bytes(self, offset: int, length: int, what: str) -> bytes:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise _Bad("its {} ({} bytes at {}) is outside the file "
                       "({} bytes)".format(what, length, offset, self.size))
        data = self._read_at(offset, length)
        if len(data) != length:
            raise _Bad("the file ends inside its {}".format(what))
        return data

    def info(self) -> ElfInfo:
        ident = self.bytes(0, 16, "ELF header")
        if ident[:4] != b"\x7fELF":
            raise _Bad("not an ELF file")
        if ident[4] not in (1, 2) or ident[5] not in (1, 2):
            raise _Bad("its ELF class or byte order ({}, {}) is not one "
                       "of ELF's".format(ident[4], ident[5]))
        self.bits = 32 if ident[4] == 1 else 64
        self.end = "<" if ident[5] == 1 else ">"
        addr = "I" if self.bits == 32 else "Q"
        fmt = self.end + "HHI" + addr * 3 + "IHHHHHH"
        head = struct.unpack(fmt, self.bytes(
            16, struct.calcsize(fmt), "ELF header"))
        machine_no, flags = head[1], head[6]
        shoff, shentsize, shnum = head[5], head[10], head[11]
        machine = _machine_name(machine_no)
        float_abi = None
        if machine == "arm":
            if flags & EF_ARM_ABI_FLOAT_HARD:
                float_abi = "hard"
            elif flags & EF_ARM_ABI_FLOAT_SOFT:
                float_abi = "soft"
        needed: List[str] = []
        rpath: List[str] = []
        runpath: List[str] = []
        cpu_arch = None
        sections = self.sections(shoff, shentsize, shnum)
        for sh_type, offset, length, link in sections:
            if sh_type == _SHT_DYNAMIC:
                self.dynamic(offset, length, link, sections, needed,
                             rpath, runpath)
            elif sh_type == _SHT_ARM_ATTRIBUTES and machine_no == _EM_ARM:
                cpu_arch = self.cpu_arch(offset, length)
        return ElfInfo(self.bits, machine, float_abi, tuple(needed),
                       tuple(rpath), tuple(runpath), cpu_arch)

    def sections(self, shoff: int, shentsize: int, shnum: int
                 ) -> List[Tuple[int, int, int, int]]:
        """(type, offset, size, link) of every section."""
        if shoff == 0:
            return []  # no section header table: nothing to read
        want = 40 if self.bits == 32 else 64
        if shentsize != want:
            raise _Bad("its section header size is {}, not {}".format(
                shentsize, want))
        fmt = self.end + ("IIIIIIIIII" if self.bits == 32 else "IIQQQQIIQQ")
        first = struct.unpack(fmt, self.bytes(shoff, want, "section headers"))
        if shnum == 0:  # extended numbering: section 0 holds the number
            shnum = first[5]
        if shnum > MAX_SECTIONS:
            raise _Bad("it has {} sections, more than {} are read".format(
                shnum, MAX_SECTIONS))
        table = self.bytes(shoff, shnum * want, "section headers")
        out = []
        for i in range(shnum):
            row = struct.unpack_from(fmt, table, i * want)
            out.append((row[1], row[4], 0 if row[1] == _SHT_NOBITS
                        else row[5], row[6]))
        return out

    def dynamic(self, offset: int, length: int, link: int, sections,
                needed: List[str], rpath: List[str],
                runpath: List[str]) -> None:
        """The DT_NEEDED, DT_RPATH and DT_RUNPATH entries of one dynamic
        section, their strings from the section it links."""
        if length > MAX_DYNAMIC:
            raise _Bad("its dynamic section is {} bytes, more than {} are "
                       "read".format(length, MAX_DYNAMIC))
        data = self.bytes(offset, length, "dynamic section")
        fmt = self.end + ("iI" if self.bits == 32 else "qQ")
        step = struct.calcsize(fmt)
        entries = []
        for at in range(0, length - step + 1, step):
            tag, value = struct.unpack_from(fmt, data, at)
            if tag == 0:  # DT_NULL
                break
            if tag in (_DT_NEEDED, _DT_RPATH, _DT_RUNPATH):
                entries.append((tag, value))
        if not entries:
            return
        if not 0 <= link < len(sections):
            raise _Bad("its dynamic section's string table is section "
                       "{}, of {}".format(link, len(sections)))
        _, str_offset, str_size, _ = sections[link]
        if sum(1 for t, _ in entries if t == _DT_NEEDED) + len(needed) \
                > MAX_NEEDED:
            raise _Bad("it needs more than {} libraries".format(
                MAX_NEEDED))
        # read in the file's order, kept in the entries'
        strings = {value: self.string(str_offset, str_size, value)
                   for _, value in sorted(entries, key=lambda e: e[1])}
        for tag, value in entries:
            text = strings[value]
            if tag == _DT_NEEDED:
                needed.append(text)
            else:
                (rpath if tag == _DT_RPATH else runpath).extend(
                    p for p in text.split(":") if p)

    def string(self, table: int, table_size: int, offset: int) -> str:
        """The NUL-ended string at ``offset`` in a string table."""
        if offset >= table_size:
            raise _Bad("a dynamic entry's string ({}) is outside its "
                       "string table ({} bytes)".format(offset, table_size))
        length = min(MAX_STRING + 1, table_size - offset,
                     self.size - table - offset)
        data = self.bytes(table + offset, length, "string table")
        end = data.find(b"\0")
        if end < 0:
            raise _Bad("a dynamic entry's string is {}".format(
                "longer than {} bytes".format(MAX_STRING)
                if len(data) > MAX_STRING else "not ended"))
        return data[:end].decode("utf-8", "replace")

    def cpu_arch(self, offset: int, length: int) -> Optional[int]:
        """Tag_CPU_arch in an ARM attributes section (ARM IHI 0045)."""
        if length > MAX_ATTRIBUTES:
            raise _Bad("its ARM attributes are {} bytes, more than {} are "
                       "read".format(length, MAX_ATTRIBUTES))
        return _arm_cpu_arch(self.bytes(offset, length, "ARM attributes"),
                             self.end)


def _arm_cpu_arch(data: bytes, end: str) -> Optional[int]:
    """The first Tag_CPU_arch of the 'aeabi' subsections of ``data``
    (format 'A'); every length is checked to advance within its
    container."""
    pos = 1  # the format version, 'A'
    while pos < len(data):
        length = _u32(data, pos, end)
        stop = pos + length
        if length < 5 or stop > len(data):
            raise _Bad("an ARM attributes subsection has the length "
                       "{}".format(length))
        name_end = data.find(b"\0", pos + 4, stop)
        if name_end < 0:
            raise _Bad("an ARM attributes subsection has no vendor name")
        if data[pos + 4:name_end] == b"aeabi":
            found = _sub_subsections(data, name_end + 1, stop, end)
            if found is not None:
                return found
        pos = stop
    return None


def _sub_subsections(data: bytes, pos: int, stop: int,
                     end: str) -> Optional[int]:
    while pos < stop:
        start = pos
        scope, pos = _uleb(data, pos, stop)
        size = _u32(data, pos, end)
        limit = start + size
        if size < 5 or limit > stop:
            raise _Bad("an ARM attributes block has the size {}".format(
                size))
        pos += 4
        if scope in (2, 3):  # Tag_Section, Tag_Symbol: numbers, then 0
            number = 1
            while number:
                number, pos = _uleb(data, pos, limit)
        found = _attributes(data, pos, limit)
        if found is not None:
            return found
        pos = limit
    return None


def _attributes(data: bytes, pos: int, limit: int) -> Optional[int]:
    """Tag_CPU_arch's value among attributes (an integer, or a NUL-ended
    string by the ABI's rule of tags) in data[pos:limit]."""
    while pos < limit:
        tag, pos = _uleb(data, pos, limit)
        if tag == 32:  # Tag_compatibility: an integer and a string
            _, pos = _uleb(data, pos, limit)
        if tag in (4, 5, 32, 65, 67) or (tag > 32 and tag % 2):
            nul = data.find(b"\0", pos, limit)
            if nul < 0:
                raise _Bad("an ARM attribute's string is not ended")
            pos = nul + 1
            continue
        value, pos = _uleb(data, pos, limit)
        if tag == _TAG_CPU_ARCH:
            return value
    return None


def _u32(data: bytes, pos: int, end: str) -> int:
    if pos + 4 > len(data):
        raise _Bad("the ARM attributes end inside a length")
    return struct.unpack_from(end + "I", data, pos)[0]


def _uleb(data: bytes, pos: int, limit: int) -> Tuple[int, int]:
    """(value, the position after it) of a ULEB128 number."""
    value = shift = 0
    while True:
        if pos >= limit or shift > 63:
            raise _Bad("an ARM attribute's number is not ended")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7f) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


_NAMES: Dict[int, str] = {}


def _machine_name(number: int) -> str:
    """'arm', 'aarch64' ... (facts.ELF_MACHINES) for e_machine
    ``number``; else its EM_ name (pyelftools' table)."""
    if not _NAMES:
        try:
            from elftools.elf.enums import ENUM_E_MACHINE
            _NAMES.update((v, k) for k, v in ENUM_E_MACHINE.items()
                          if isinstance(v, int) and k != "_default_")
        except ImportError:  # the table only names rare machines
            _NAMES[-1] = ""
    name = _NAMES.get(number, str(number))
    return ELF_MACHINES.get(name, name)


def is_elf(head: bytes) -> bool:
    """Whether ``head`` starts an ELF file."""
    return head[:4] == b"\x7fELF"
