# SPDX-License-Identifier: BSD-3-Clause
"""What a shared object needs, from its ELF file: the machine and float
ABI it was built for, the sonames it links (DT_NEEDED), where it looks
for them (DT_RPATH, DT_RUNPATH) and, on ARM, the CPU architecture it
was compiled for (Tag_CPU_arch).  Only the header, the dynamic section
and the ARM attributes are read, through pyelftools (python3-pyelftools),
imported only on this path."""

from dataclasses import dataclass
from typing import BinaryIO, Optional, Tuple

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


def read(stream: BinaryIO, name: str) -> ElfInfo:
    """The needs of the ELF object in ``stream``; DataError when it is
    not one pyelftools can read."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    try:
        elf = ELFFile(stream)
        machine = ELF_MACHINES.get(elf["e_machine"],
                                   str(elf["e_machine"]))
        float_abi = None
        if machine == "arm":
            flags = elf["e_flags"]
            if flags & EF_ARM_ABI_FLOAT_HARD:
                float_abi = "hard"
            elif flags & EF_ARM_ABI_FLOAT_SOFT:
                float_abi = "soft"
        needed, rpath, runpath = [], [], []
        cpu_arch = None
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    if tag.entry.d_tag == "DT_NEEDED":
                        needed.append(tag.needed)
                    elif tag.entry.d_tag == "DT_RPATH":
                        rpath.extend(p for p in tag.rpath.split(":") if p)
                    elif tag.entry.d_tag == "DT_RUNPATH":
                        runpath.extend(p for p in tag.runpath.split(":")
                                       if p)
            elif section["sh_type"] == "SHT_ARM_ATTRIBUTES":
                cpu_arch = _cpu_arch(section)
        return ElfInfo(elf.elfclass, machine, float_abi, tuple(needed),
                       tuple(rpath), tuple(runpath), cpu_arch)
    except (ELFError, ValueError, KeyError, AttributeError, OSError,
            UnicodeDecodeError) as exc:
        raise DataError("{}: not a readable ELF object ({})".format(
            name, str(exc).splitlines()[0] if str(exc) else
            type(exc).__name__))


def _cpu_arch(section) -> Optional[int]:
    for sub in section.iter_subsections():
        for subsub in sub.iter_subsubsections():
            for attr in subsub.iter_attributes():
                if attr.tag == "TAG_CPU_ARCH":
                    return int(attr.value)
    return None


def is_elf(head: bytes) -> bool:
    """Whether ``head`` starts an ELF file."""
    return head[:4] == b"\x7fELF"
