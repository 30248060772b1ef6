# SPDX-License-Identifier: BSD-3-Clause
"""The machine compiled files must run on: this one (dpkg's architecture
and the CPU), or the one a described target's platform tags name; its
libraries' directories; and why an ELF object cannot run on it."""

import os
import re
from dataclasses import dataclass
from typing import List, Optional

from ..facts import DPKG_ARCH_MACHINES, UNAME_DPKG_ARCH, platform_machine
from .elf import ARMV6_OK, ElfInfo
from .loader import abi_dirs


@dataclass(frozen=True)
class Machine:
    """What runs here: the ELF machine, class and float ABI, and the ARM
    CPU architecture (from /proc/cpuinfo, or PIWCHECK_CPUINFO: a test
    seam, and a way to ask for a Pi Zero from a Pi 4)."""

    machine: str
    bits: int
    float_abi: Optional[str]
    #: 6 for an ARMv6 CPU (Pi Zero, Pi 1), 7, 8; None when not ARM.
    arm_version: Optional[int] = None

    @property
    def name(self) -> str:
        if self.machine == "arm":
            return "ARMv{} ({}-float)".format(self.arm_version or "?",
                                              self.float_abi or "?")
        return self.machine


def this_machine(dpkg_arch: Optional[str] = None) -> Machine:
    """This machine, as its userland (dpkg's architecture) and CPU say."""
    import platform

    uname = platform.machine()
    arch = dpkg_arch or UNAME_DPKG_ARCH.get(uname, "")
    row = DPKG_ARCH_MACHINES.get(arch)
    if row is None:
        return Machine(uname, 64 if "64" in uname else 32, None)
    machine, bits, float_abi, arm_version = row
    if machine == "arm":
        arm_version = _arm_version(uname)
    return Machine(machine, bits, float_abi, arm_version)


def library_dirs(machine: Machine) -> List[str]:
    """Where ``machine``'s system libraries live (the loader's default
    directories)."""
    return abi_dirs((machine.machine, machine.bits, machine.float_abi
                     if machine.machine == "arm" else None))


def _arm_version(uname: str) -> Optional[int]:
    path = os.environ.get("PIWCHECK_CPUINFO") or "/proc/cpuinfo"
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    # 'model name : ARMv6-compatible processor rev 7 (v6l)'; the
    # 'CPU architecture' field says 7 on some ARMv6 kernels, so the
    # model name comes first
    match = re.search(r"\(v(\d+)l\)", text) or re.search(
        r"^CPU architecture\s*:\s*(\d+)", text, re.M)
    if match:
        return int(match.group(1))
    match = re.search(r"armv(\d+)", uname)
    return int(match.group(1)) if match else None


def target_machine(target) -> Machine:
    """The machine a described target's platform tags name."""
    row = platform_machine(target.platforms)
    if row is not None:
        return Machine(*row)
    return Machine(target.platforms[0].rsplit("_", 1)[-1], 64, None)


def cannot_run(info: ElfInfo, machine: Machine) -> Optional[str]:
    """Why ``info``'s object cannot run on ``machine``; None when it
    can."""
    if (info.machine, info.bits) != (machine.machine, machine.bits):
        return "built for {} ({}-bit), this machine is {}".format(
            info.machine, info.bits, machine.name)
    if info.machine == "arm" and info.float_abi and machine.float_abi and \
            info.float_abi != machine.float_abi:
        return "built for the {}-float ABI, this system is {}-float".format(
            info.float_abi, machine.float_abi)
    if info.machine == "arm" and machine.arm_version == 6 and \
            info.cpu_arch is not None and info.cpu_arch not in ARMV6_OK:
        return "compiled for {}, this CPU is ARMv6 (a Pi Zero or Pi 1): " \
               "'Illegal instruction'".format(info.cpu_arch_name)
    return None
