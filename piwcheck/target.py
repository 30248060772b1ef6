# SPDX-License-Identifier: BSD-3-Clause
"""What we check for: this machine's Python and OS, another interpreter,
or a target described by ``--abi``/``--platform``."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from packaging import tags

from .errors import InputError
from .facts import (BUILDER_RELEASES, DEBIAN, LINUX_FIRST_PIP, PI_MACHINES,
                    PIWHEELS_PLATFORMS, machine_arch)
from .names import version_tuple
from .probe import shown

#: A CPython 3 ABI: its minor version has at most two digits.
_ABI_RE = re.compile(r"cp(3)(\d{1,2})[a-z]{0,4}")
#: A platform tag, of at most 100 characters; and how many may be given.
_NAME_RE = re.compile(r"[a-z0-9_.]{1,100}")
MAX_PLATFORMS = 200


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


def parse_pi(text: str) -> Tuple[str, str]:
    """(release, machine) of --pi's RELEASE-BITS, e.g. bookworm-32."""
    release, _, bits = text[:100].lower().partition("-")
    if len(text) > 100 or release not in DEBIAN or bits not in PI_MACHINES:
        raise InputError(
            "--pi {}: expected RELEASE-KIND with RELEASE one of {} and "
            "KIND one of {} (e.g. bookworm-32, trixie-64)".format(
                shown(text), ", ".join(DEBIAN), ", ".join(PI_MACHINES)))
    return release, PI_MACHINES[bits]


#: --python-version: 3.Y or 3.Y.Z, Y of at most two digits, Z four.
_PYVER_RE = re.compile(r"3\.?(\d{1,2})(?:\.(\d{1,4}))?")


def _pi_assumed(pi: str, release: str, platforms: Sequence[str],
                given: Sequence[str]) -> List[str]:
    """The assumed: lines for --pi: the Pi's platforms, unless
    --platform gave others, and what the options given replaced."""
    lines = []
    if "--platform" not in given:
        shown = platforms if len(platforms) <= 3 else \
            [platforms[0], "...", platforms[-2], platforms[-1]]
        lines.append("the {} platforms of a {} Pi: {}".format(
            len(platforms), pi, ", ".join(shown)))
    if given:
        lines.append("Debian {} as on a {} Pi, with {} as given in place "
                     "of its own".format(release.capitalize(), pi,
                                         " and ".join(given)))
    return lines


def _python_version(text: str):
    """--python-version: ((3, minor), the full version or None)."""
    match = _PYVER_RE.fullmatch(text.strip())
    if not match:
        raise InputError("--python-version {}: expected X.Y or X.Y.Z "
                         "such as 3.11 or 3.11.2".format(shown(text)))
    py = (3, int(match.group(1)))
    if match.group(2) is None:
        return py, None
    return py, "3.{}.{}".format(py[1], match.group(2))


def _abi_python(abi: str) -> Tuple[int, int]:
    """--abi: the Python version it names."""
    match = _ABI_RE.fullmatch(abi)
    if not match:
        raise InputError("--abi {}: expected a CPython ABI such as cp311 "
                         "or cp37m".format(shown(abi)))
    return int(match.group(1)), int(match.group(2))


def _platforms(platforms: Sequence[str], base: Optional[Target]
               ) -> List[str]:
    """--platform's tags, checked, in order, once each (else
    ``base``'s)."""
    for plat in platforms:
        if not _NAME_RE.fullmatch(plat):
            raise InputError(
                "--platform {}: expected a platform tag such as "
                "linux_armv7l".format(shown(plat)))
    platforms = list(dict.fromkeys(platforms)) or base.platforms
    if len(platforms) > MAX_PLATFORMS:
        raise InputError("--platform: {:,} platforms; at most {} are "
                         "checked for".format(len(platforms), MAX_PLATFORMS))
    return platforms


def _full_version(version: str, abi: str, release: Optional[str],
                  base: Optional[Target], assumed: List[str]) -> str:
    """The patch version: a Debian release's when it has this Python,
    else ``base``'s for its ABI, else none."""
    if release and DEBIAN[release][1].startswith(version + "."):
        full = DEBIAN[release][1]
        assumed.append("Python {} as on Debian {}".format(
            full, release.capitalize()))
        return full
    if base is not None and abi == base.abi:
        return base.python_full_version
    return version


def _described_env(base: Optional[Target], version: str, full: str,
                   platform: str) -> Dict[str, str]:
    """The marker environment of a described Linux CPython."""
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
        "platform_machine": machine_arch(platform),
        "platform_release": "",
        "platform_version": "",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
    })
    return env


def described_target(abi: Optional[str], platforms: Sequence[str],
                     base: Optional[Target] = None,
                     python_version: Optional[str] = None,
                     pip_version: Optional[str] = None,
                     pi: Optional[str] = None) -> Target:
    """Another machine, named as in ``pip download`` (``abi``,
    ``platforms``, ``python_version``) or by ``pi`` (RELEASE-KIND); a
    Debian release's ABI gets that release's Python patch version, as
    on the Pi.  ``abi``, ``platforms`` and ``python_version`` given with
    ``pi`` replace the Pi's own.  What is not given comes from ``base``."""
    assumed: List[str] = []
    release = None
    given = [name for name, value in (
        ("--abi", abi), ("--python-version", python_version),
        ("--platform", platforms)) if value]
    if pi:
        release, machine = parse_pi(pi)
        if abi is None and python_version is None:
            abi = DEBIAN[release][0]
        if not platforms:
            platforms = pi_platforms(release, machine, pip_version)
    py = full = None
    if python_version is not None:
        py, full = _python_version(python_version)
    if base is None and ((abi is None and py is None) or not platforms):
        base = local_target()
    if abi is not None:
        named = _abi_python(abi)
        py = py or named
    elif py is not None:
        abi = "cp3{}".format(py[1])
    else:
        abi = base.abi
        py = tuple(int(x) for x in base.python_version.split(".")[:2])
    platforms = _platforms(platforms, base)
    interp = "cp{}{}".format(*py)
    tag_list = tuple(tags.cpython_tags(py, [abi], platforms)) + tuple(
        tags.compatible_tags(py, interp, platforms))
    version = "{}.{}".format(*py)
    if release is None:
        release = next((r for r, d in DEBIAN.items()
                        if d[0] == abi and d[1].startswith(version + ".")),
                       None)
    if full is None:
        full = _full_version(version, abi, release, base, assumed)
    env = _described_env(base, version, full, platforms[0])
    if pi:
        assumed.extend(_pi_assumed(pi, release, platforms, given))
    return Target(
        abi=abi, python_version=version, python_full_version=full,
        tags=tag_list, marker_env=env, local=False,
        os_id="debian" if pi else None,
        os_codename=release if pi else None,
        pip_version=pip_version, assumed=tuple(assumed))
