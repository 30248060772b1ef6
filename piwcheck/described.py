# SPDX-License-Identifier: BSD-3-Clause
"""A target described by ``--abi``, ``--platform``, ``--python-version``
and ``--pi``: another machine, whose tags and marker environment are
made from the options (and, for what they leave out, a base target)."""

import re
from typing import Dict, List, Optional, Sequence, Tuple

from packaging import tags

from .errors import InputError
from .facts import DEBIAN, PI_MACHINES, machine_arch
from .probe import shown
from .target import Target, local_target, pi_platforms

#: A CPython 3 ABI: its minor version has at most two digits.
_ABI_RE = re.compile(r"cp(3)(\d{1,2})[a-z]{0,4}")
#: A platform tag, of at most 100 characters; and how many may be given.
_NAME_RE = re.compile(r"[a-z0-9_.]{1,100}")
MAX_PLATFORMS = 200


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
