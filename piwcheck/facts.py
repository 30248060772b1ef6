# SPDX-License-Identifier: BSD-3-Clause
"""The facts piwcheck knows, in one place: Debian and Raspberry Pi OS
releases, piwheels' site and builders, Raspberry Pi machines, and the
tables that name one architecture in each of its spellings (platform
tags, dpkg, ELF, ldconfig, Debian's multiarch).  Tables and pure
lookups only."""

from typing import Optional, Tuple

#: The piwheels site, as pip.conf on Raspberry Pi OS names it (with
#: /simple).
DEFAULT_PIWHEELS_URL = "https://www.piwheels.org"

#: piwheels' builder ABIs, and the Debian release each builder runs.
BUILDER_RELEASES = {
    "cp34m": "jessie",
    "cp35m": "stretch",
    "cp37m": "buster",
    "cp39": "bullseye",
    "cp311": "bookworm",
    "cp313": "trixie",
}

#: Each Debian release's Python, glibc and pip, as Raspberry Pi OS ships
#: them: codename -> (ABI, Python version, glibc (major, minor), pip).
DEBIAN = {
    "buster": ("cp37m", "3.7.3", (2, 28), "18.1"),
    "bullseye": ("cp39", "3.9.2", (2, 31), "20.3.4"),
    "bookworm": ("cp311", "3.11.2", (2, 36), "23.0.1"),
    "trixie": ("cp313", "3.13.5", (2, 41), "25.1.1"),
}

#: The releases before Debian's 64-bit time_t transition (Trixie renamed
#: the libraries it changed: libfoo1 -> libfoo1t64).
BEFORE_TIME64 = ("buster", "bullseye", "bookworm")

#: The releases whose Contents lists (armhf and arm64) the library names
#: of naming.py were checked against (tools/check_sonames.py).
CHECKED_NAMES = ("bullseye", "bookworm", "trixie")

#: The transition's renames, from Trixie on, of the libraries Pi wheels
#: need (Trixie's Contents lists; the same names on armhf and arm64,
#: where the old name is only provided): Bookworm's name -> Trixie's.
#: Most libraries kept their name (libxcb1, libtiff6, libjpeg62-turbo).
TIME64_RENAMES = {
    "libasound2": "libasound2t64", "libatk1.0-0": "libatk1.0-0t64",
    "libcurl4": "libcurl4t64", "libgeos-c1v5": "libgeos-c1t64",
    "libglib2.0-0": "libglib2.0-0t64", "libgtk-3-0": "libgtk-3-0t64",
    "libpng16-16": "libpng16-16t64", "libqt5core5a": "libqt5core5t64",
    "libqt5gui5": "libqt5gui5t64", "libqt5opengl5": "libqt5opengl5t64",
    "libqt5test5": "libqt5test5t64", "libqt5widgets5": "libqt5widgets5t64",
    "libssl3": "libssl3t64", "libzbar0": "libzbar0t64",
}

#: --pi's machines: name -> the platform's machine.
PI_MACHINES = {"32": "armv7l", "64": "aarch64", "armv6": "armv6l",
               "armv7": "armv7l"}

#: --matrix's default Pi kinds: every current Raspberry Pi OS release,
#: 32- and 64-bit, and the Pi Zero/1 (armv6) kind of each.
MATRIX_KINDS = ("bookworm-32", "bookworm-64", "bookworm-armv6",
                "trixie-32", "trixie-64", "trixie-armv6")

#: The first pip whose tags put linux_<arch> before manylinux (it
#: vendors packaging 26.3).
LINUX_FIRST_PIP = (26, 3)

#: The platforms piwheels builds wheels for (every armv7l wheel has an
#: armv6l twin).
PIWHEELS_PLATFORMS = ("linux_armv7l", "linux_armv6l")

#: The machine names platform tags end in.
PLATFORM_ARCHES = ("x86_64", "aarch64", "armv7l", "armv6l", "armv8l",
                   "i686", "ppc64le", "s390x", "riscv64")

#: e_machine -> the machine name in platform tags (ARM's is 'arm').
ELF_MACHINES = {"EM_ARM": "arm", "EM_AARCH64": "aarch64",
                "EM_X86_64": "x86_64", "EM_386": "i686", "EM_RISCV": "riscv64",
                "EM_PPC64": "ppc64le", "EM_S390": "s390x"}

#: dpkg's Linux architecture names (``dpkg-architecture -L``, those
#: without an OS prefix): the only ``:arch`` an apt name may carry.
DPKG_ARCHES = frozenset((
    "alpha", "amd64", "arc", "arm", "arm64", "arm64ilp32", "armeb", "armel",
    "armhf", "avr32", "hppa", "i386", "ia64", "loong64", "m32r", "m68k",
    "mips", "mips64", "mips64el", "mips64r6", "mips64r6el", "mipsel",
    "mipsn32", "mipsn32el", "mipsn32r6", "mipsn32r6el", "mipsr6",
    "mipsr6el", "nios2", "or1k", "powerpc", "powerpcel", "powerpcspe",
    "ppc64", "ppc64el", "riscv64", "s390", "s390x", "sh3", "sh3eb", "sh4",
    "sh4eb", "sparc", "sparc64", "tilegx", "x32"))

#: An ELF ABI: (machine as ELF_MACHINES names it, bits, float ABI on
#: ARM, else None).
ElfAbi = Tuple[str, int, Optional[str]]
#: A machine: an ELF ABI and the ARM CPU architecture (None: not ARM,
#: or to be read from the CPU).
MachineRow = Tuple[str, int, Optional[str], Optional[int]]

#: dpkg's architecture for a uname machine, when dpkg does not say.
UNAME_DPKG_ARCH = {"x86_64": "amd64", "aarch64": "arm64",
                   "armv7l": "armhf", "armv6l": "armhf"}

#: The machine of each dpkg architecture (on ARM, the CPU gives the
#: architecture version).
DPKG_ARCH_MACHINES = {
    "amd64": ("x86_64", 64, None, None),
    "arm64": ("aarch64", 64, None, 8),
    "armhf": ("arm", 32, "hard", None),
    "armel": ("arm", 32, "soft", None),
    "i386": ("i686", 32, None, None),
}

#: The machine a described target's platform tags name: the first of
#: these whose text is in any of its platforms.
PLATFORM_MACHINES = (
    ("aarch64", ("aarch64", 64, None, 8)),
    ("armv6l", ("arm", 32, "hard", 6)),
    ("armv7l", ("arm", 32, "hard", 7)),
    ("x86_64", ("x86_64", 64, None, None)),
    ("i686", ("i686", 32, None, None)),
)

#: The ld.so.cache flags of each ELF ABI, as ldconfig -p prints them.
LDCONFIG_CACHE_ABI = {("x86_64", 64, None): "x86-64",
                      ("aarch64", 64, None): "AArch64",
                      ("arm", 32, "hard"): "hard-float"}

#: Debian's multiarch triplets.
MULTIARCH_TRIPLETS = {("x86_64", 64, None): "x86_64-linux-gnu",
                      ("aarch64", 64, None): "aarch64-linux-gnu",
                      ("arm", 32, "hard"): "arm-linux-gnueabihf",
                      ("arm", 32, "soft"): "arm-linux-gnueabi",
                      ("i686", 32, None): "i386-linux-gnu"}


def builder_codename(abi: Optional[str]) -> Optional[str]:
    """The codename of the Debian release piwheels builds ``abi`` on
    ('bookworm' for cp311); None when no builder uses it."""
    return BUILDER_RELEASES.get(abi or "")


def builder_release(abi: str) -> str:
    """'Bookworm' for cp311; the ABI itself when no builder uses it."""
    release = BUILDER_RELEASES.get(abi)
    return release.capitalize() if release else abi


def machine_arch(platform: str) -> str:
    """The machine name in a platform tag: linux_armv7l -> armv7l."""
    for arch in PLATFORM_ARCHES:
        if platform.endswith(arch):
            return arch
    return platform.split("_")[-1]


def platform_machine(platforms) -> Optional[MachineRow]:
    """The machine ``platforms`` (tags) name, by PLATFORM_MACHINES; None
    when none of them names a known one."""
    joined = " ".join(platforms)
    for part, row in PLATFORM_MACHINES:
        if part in joined:
            return row
    return None
