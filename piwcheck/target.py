# SPDX-License-Identifier: BSD-3-Clause
"""What we check for: this machine's Python and OS, or another
interpreter (a target described by ``--abi``/``--platform``/``--pi`` is
made in :mod:`.described`)."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from packaging import tags

from .errors import InputError
from .facts import (BUILDER_RELEASES, DEBIAN, LINUX_FIRST_PIP,
                    PIWHEELS_PLATFORMS, machine_arch)
from .names import version_tuple
from .probe import shown

@dataclass(frozen=True)
class Target:
    """An interpreter and OS to check for; ``tags`` in pip's order."""

    abi: str
    python_version: str
    python_full_version: str
    tags: Tuple[tags.Tag, ...]
    marker_env: Mapping[str, str]
    os_id: Optional[str] = None
    os_codename: Optional[str] = None
    dpkg_arch: Optional[str] = None
    local: bool = False
    #: The target's pip version, as far as known, which decides the
    #: tag order; and what was assumed to describe the target.
    pip_version: Optional[str] = None
    assumed: Tuple[str, ...] = ()

    @property
    def platforms(self) -> List[str]:
        """The distinct platform tags, most preferred first."""
        return list(self._platforms)

    @cached_property
    def _platforms(self) -> Tuple[str, ...]:
        # asked for each release piwheels has no wheel of: hundreds of
        # tags walked each time on aarch64
        return tuple(dict.fromkeys(t.platform for t in self.tags))

    def tag_rank(self) -> Dict[tags.Tag, int]:
        """Map each supported tag to its rank (0 is pip's first choice)."""
        rank: Dict[tags.Tag, int] = {}
        for i, tag in enumerate(self.tags):
            rank.setdefault(tag, i)
        return rank

    def notes(self) -> List[str]:
        """Plain statements about what piwheels can offer this target."""
        notes = []
        platforms = self.platforms
        if not any(p in PIWHEELS_PLATFORMS for p in platforms):
            arch = machine_arch(platforms[0]) if platforms else \
                "this platform"
            notes.append(
                "piwheels builds wheels only for 32-bit ARM (linux_armv7l, "
                "linux_armv6l); for {} only its pure-Python wheels "
                "apply".format(arch))
            if any(p.endswith("aarch64") for p in platforms):
                notes.append(
                    "on 64-bit Raspberry Pi OS (aarch64) pip takes compiled "
                    "wheels from PyPI (manylinux), not from piwheels")
        if self.abi not in BUILDER_RELEASES:
            notes.append(
                "no piwheels builder uses ABI {}: only pure-Python and abi3 "
                "wheels can match".format(self.abi))
        return notes


def _parse_tag(text: str) -> tags.Tag:
    return next(iter(tags.parse_tag(text)))


def _abi_of(tag_list: Sequence[tags.Tag]) -> str:
    for tag in tag_list:
        if tag.abi not in ("abi3", "none"):
            return tag.abi
    return tag_list[0].abi if tag_list else "none"


def _local_os() -> Tuple[Optional[str], Optional[str], Optional[str]]:
    import distro  # only needed for a local target

    os_id = distro.id() or None
    codename = distro.codename() or None
    arch = None
    if shutil.which("dpkg"):
        try:
            arch = subprocess.run(
                ["dpkg", "--print-architecture"], capture_output=True,
                text=True, timeout=30, check=True).stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            arch = None
    return os_id, codename, arch


def linux_first(pip_version: Optional[str]) -> bool:
    """Whether that pip ranks linux_<arch> above manylinux tags."""
    return version_tuple(pip_version) >= LINUX_FIRST_PIP


def order_tags(tag_list: Sequence[tags.Tag],
               first: bool) -> Tuple[tags.Tag, ...]:
    """``tag_list`` with each interpreter/ABI run's linux_* platforms
    moved before (``first``) or after the manylinux and musllinux ones,
    as that pip's packaging orders them."""
    out: List[tags.Tag] = []
    run: List[tags.Tag] = []

    def flush():
        native = [t for t in run if t.platform.startswith("linux_")]
        other = [t for t in run if not t.platform.startswith("linux_")]
        out.extend(native + other if first else other + native)
        run.clear()
    for tag in tag_list:
        if run and (run[-1].interpreter, run[-1].abi) != (tag.interpreter,
                                                          tag.abi):
            flush()
        run.append(tag)
    flush()
    return tuple(out)


def _pip_of(codename: Optional[str], found: Optional[str]) -> str:
    """The pip to rank as: the one found, else the release's own."""
    if found:
        return found
    return DEBIAN.get(codename or "", DEBIAN["bookworm"])[3]


def local_target(pip_version: Optional[str] = None) -> Target:
    """This machine, as the running interpreter sees it; ``pip_version``
    overrides the pip found beside it."""
    from packaging.markers import default_environment

    if pip_version is None:
        pip_version = _local_pip()
    env = default_environment()
    os_id, codename, arch = _local_os()
    pip_version = _pip_of(codename, pip_version)
    tag_list = order_tags(tuple(tags.sys_tags()), linux_first(pip_version))
    return Target(
        abi=_abi_of(tag_list), python_version=env["python_version"],
        python_full_version=env["python_full_version"], tags=tag_list,
        marker_env=env, os_id=os_id, os_codename=codename, dpkg_arch=arch,
        local=True, pip_version=pip_version)


def _local_pip() -> Optional[str]:
    """The version of the pip the running interpreter would use."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pip")
    except PackageNotFoundError:
        return None


def interpreter_target(python: str,
                       pip_version: Optional[str] = None) -> Target:
    """This machine, as the interpreter at ``python`` (e.g. a venv's) sees
    it.  ``packaging`` is lent to it when it has none of its own.  It has
    probe.SECONDS to answer, in at most probe.BYTES."""
    from .probe import ask, named_path

    data = ask(python)
    named = named_path(python)
    try:
        tag_list = tuple(_parse_tag(t) for t in data["tags"])
        env = {str(k): str(v) for k, v in data["env"].items()}
        version, full = env["python_version"], env["python_full_version"]
        found = data.get("pip")
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration):
        raise InputError(
            "--python {}: it did not describe itself".format(named))
    if not re.fullmatch(r"\d{1,3}\.\d{1,3}", version) or len(full) > 100:
        raise InputError("--python {}: it did not describe itself (Python "
                         "version {})".format(named, shown(version)))
    if not tag_list:
        raise InputError("--python {}: it names no platform tags it can "
                         "install wheels for".format(named))
    if not isinstance(found, str) or len(found) > 100:
        found = None
    os_id, codename, arch = _local_os()
    pip_version = _pip_of(codename, pip_version or found)
    return Target(
        abi=_abi_of(tag_list), python_version=version,
        python_full_version=full,
        tags=order_tags(tag_list, linux_first(pip_version)), marker_env=env,
        os_id=os_id, os_codename=codename, dpkg_arch=arch, local=True,
        pip_version=pip_version)


def pi_platforms(release: str, machine: str,
                 pip_version: Optional[str] = None) -> List[str]:
    """The platforms packaging.tags yields on a Pi running ``release``
    on ``machine`` (armv7l hard-float, aarch64, armv6l), in the order of
    that pip (default: the release's own)."""
    glibc = DEBIAN[release][2]
    native = ["linux_" + machine]
    many: List[str] = []
    if machine in ("armv7l", "aarch64"):  # armv6l has no manylinux
        for minor in range(glibc[1], 16, -1):
            many.append("manylinux_2_{}_{}".format(minor, machine))
            if minor == 17:
                many.append("manylinux2014_" + machine)
    first = linux_first(pip_version or DEBIAN[release][3])
    return native + many if first else many + native
