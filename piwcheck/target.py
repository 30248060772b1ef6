# SPDX-License-Identifier: BSD-3-Clause
"""What we check for: this machine's Python and OS, another interpreter,
or a target described by ``--abi``/``--platform``."""

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from packaging import tags

from .errors import InputError

#: piwheels' builder ABIs, and the Debian release each builder runs.
BUILDER_RELEASES = {
    "cp34m": "jessie",
    "cp35m": "stretch",
    "cp37m": "buster",
    "cp39": "bullseye",
    "cp311": "bookworm",
    "cp313": "trixie",
}

#: The platforms piwheels builds wheels for (every armv7l wheel has an
#: armv6l twin).
PIWHEELS_PLATFORMS = ("linux_armv7l", "linux_armv6l")

_ABI_RE = re.compile(r"^cp(3)(\d+)[a-z]*$")
_NAME_RE = re.compile(r"^[a-z0-9_.]+$")


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

    @property
    def platforms(self) -> List[str]:
        """The distinct platform tags, most preferred first."""
        return list(dict.fromkeys(t.platform for t in self.tags))

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


def machine_arch(platform: str) -> str:
    """The machine name in a platform tag: linux_armv7l -> armv7l."""
    for arch in ("x86_64", "aarch64", "armv7l", "armv6l", "armv8l", "i686",
                 "ppc64le", "s390x", "riscv64"):
        if platform.endswith(arch):
            return arch
    return platform.split("_")[-1]


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


def local_target() -> Target:
    """This machine, as the running interpreter sees it."""
    from packaging.markers import default_environment

    tag_list = tuple(tags.sys_tags())
    env = default_environment()
    os_id, codename, arch = _local_os()
    return Target(
        abi=_abi_of(tag_list), python_version=env["python_version"],
        python_full_version=env["python_full_version"], tags=tag_list,
        marker_env=env, os_id=os_id, os_codename=codename, dpkg_arch=arch,
        local=True)


_CHILD = r"""
import json, sys
sys.path.append(sys.argv[1])
from packaging import markers, tags
print(json.dumps({"tags": [str(t) for t in tags.sys_tags()],
                  "env": markers.default_environment()}))
"""


def interpreter_target(python: str) -> Target:
    """This machine, as the interpreter at ``python`` (e.g. a venv's) sees
    it.  ``packaging`` is lent to it when it has none of its own."""
    import packaging

    lend = os.path.dirname(os.path.dirname(packaging.__file__))
    try:
        proc = subprocess.run(
            [python, "-I", "-c", _CHILD, lend], capture_output=True,
            text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise InputError("--python {}: cannot run it: {}".format(
            python, getattr(exc, "strerror", None) or exc))
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError("--python {}: it failed: {}".format(python, last))
    try:
        data = json.loads(proc.stdout)
        tag_list = tuple(_parse_tag(t) for t in data["tags"])
        env = {str(k): str(v) for k, v in data["env"].items()}
        version, full = env["python_version"], env["python_full_version"]
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration):
        raise InputError(
            "--python {}: it did not describe itself".format(python))
    os_id, codename, arch = _local_os()
    return Target(
        abi=_abi_of(tag_list), python_version=version,
        python_full_version=full, tags=tag_list, marker_env=env,
        os_id=os_id, os_codename=codename, dpkg_arch=arch, local=True)


def described_target(abi: Optional[str], platforms: Sequence[str],
                     base: Optional[Target] = None) -> Target:
    """Another machine: ``abi`` and ``platforms`` as in ``pip download``;
    what is not given comes from ``base`` (needed only then)."""
    if base is None and (abi is None or not platforms):
        base = local_target()
    if abi is not None:
        match = _ABI_RE.match(abi)
        if not match:
            raise InputError(
                "--abi {!r}: expected a CPython ABI such as cp311 or "
                "cp37m".format(abi))
        py = (int(match.group(1)), int(match.group(2)))
    else:
        abi = base.abi
        py = tuple(int(x) for x in base.python_version.split(".")[:2])
    for plat in platforms:
        if not _NAME_RE.match(plat):
            raise InputError(
                "--platform {!r}: expected a platform tag such as "
                "linux_armv7l".format(plat))
    platforms = list(dict.fromkeys(platforms)) or base.platforms
    interp = "cp{}{}".format(*py)
    tag_list = tuple(tags.cpython_tags(py, [abi], platforms)) + tuple(
        tags.compatible_tags(py, interp, platforms))
    version = "{}.{}".format(*py)
    full = base.python_full_version if base and abi == base.abi else version
    if base is None:
        from packaging.markers import default_environment
        env = default_environment()
    else:
        env = dict(base.marker_env)
    env.update({
        "python_version": version,
        "python_full_version": full,
        "implementation_version": full,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_machine": machine_arch(platforms[0]),
        "platform_release": "",
        "platform_version": "",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
    })
    return Target(
        abi=abi, python_version=version, python_full_version=full,
        tags=tag_list, marker_env=env, local=False)
