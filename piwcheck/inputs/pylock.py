# SPDX-License-Identifier: BSD-3-Clause
"""A PEP 751 lock file (``pylock.toml``, ``pylock.NAME.toml``; written by
``pip lock`` and ``uv export``): its locked packages, each with its
version, marker and the wheels and sdist the lock lists.  Nothing is
resolved: the lock's packages are what gets installed."""

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..errors import InputError
from ..names import canonical_name
from . import Inputs
from . import toml

#: The lock-version piwcheck reads.
LOCK_VERSION = "1.0"


@dataclass(frozen=True)
class LockedFile:
    """A wheel or sdist the lock lists: its name, where it is (a URL, or
    a path relative to the lock) and its sha256 when given."""

    filename: str
    url: str
    sha256: Optional[str]
    size: Optional[int]


@dataclass(frozen=True)
class LockedPackage:
    """One ``[[packages]]`` entry."""

    name: str
    version: Optional[str]
    marker: Optional[Marker]
    requires_python: Optional[SpecifierSet]
    wheels: Tuple[LockedFile, ...]
    sdist: Optional[LockedFile]
    #: Where it comes from when that is no file (vcs, directory,
    #: archive): it is not checked.
    other: Optional[str]
    #: "pylock.toml: packages[3]"
    source: str
    index: Optional[str] = None
    #: The marker as the lock writes it (``marker`` has its extras and
    #: dependency_groups terms settled).
    marker_text: Optional[str] = None


@dataclass(frozen=True)
class Lock:
    """A lock file: its packages and what it says it is for."""

    path: str
    packages: Tuple[LockedPackage, ...]
    environments: Tuple[Marker, ...]
    requires_python: Optional[SpecifierSet]
    default_groups: Tuple[str, ...]


def read_pylock(path: str) -> Inputs:
    """The lock at ``path`` as Inputs (its ``locks``); InputError (one
    line, the file and key) when it is not a lock piwcheck reads."""
    doc = toml.load(path)
    top = path + ": "
    version = toml.get(doc, "lock-version", str, top)
    if version is None:
        raise InputError("{}: no lock-version: not a PEP 751 lock".format(
            path))
    if version != LOCK_VERSION:
        raise InputError("{}: lock-version {!r} is not one piwcheck reads "
                         "(it reads {})".format(path, version, LOCK_VERSION))
    packages = toml.get(doc, "packages", list, top)
    if packages is None:
        raise InputError("{}: no [[packages]]: not a PEP 751 lock".format(
            path))
    groups = tuple(toml.strings(doc, "default-groups", top))
    lock = Lock(
        path=path,
        packages=tuple(_package(p, "{}packages[{}]".format(top, i), groups)
                       for i, p in enumerate(packages)),
        environments=tuple(_marker(m, "{}[{}]".format(
            toml.join(top, "environments"), i))
            for i, m in enumerate(toml.strings(doc, "environments", top))),
        requires_python=_specifier(doc, top),
        default_groups=groups)
    seen: Dict[Tuple[str, Optional[str]], str] = {}
    for p in lock.packages:
        key = (p.name, p.version)
        if key in seen and p.marker is None:
            raise InputError("{}: {} {} is locked twice (also at {})".format(
                p.source, p.name, p.version or "", seen[key]))
        seen.setdefault(key, p.source)
    inputs = Inputs()
    inputs.locks.append(lock)
    return inputs


#: PEP 751's marker terms on what is installed: ``'NAME' in extras``,
#: ``'NAME' not in dependency_groups``.
_SELECTION_RE = re.compile(r"""(['"])([^'"]*)\1\s*(not\s+in|in)\s*"""
                           r"(extras|dependency_groups)\b")


def _settled(text: str, groups: Tuple[str, ...]) -> str:
    """``text`` with each ``'x' in extras`` / ``dependency_groups`` term
    settled for the default selection (no extra, the default groups),
    as a term that always holds or never does, which every packaging
    reads."""
    def settle(m):
        chosen = groups if m.group(4) == "dependency_groups" else ()
        inside = m.group(2) in chosen
        holds = inside if m.group(3) == "in" else not inside
        return "python_version >= '0'" if holds else \
            "python_version < '0'"
    return _SELECTION_RE.sub(settle, text)


def _marker(text: str, where: str, groups: Tuple[str, ...] = ()) -> Marker:
    """A marker, its extras and dependency_groups terms settled."""
    try:
        return Marker(_settled(text, groups))
    except InvalidMarker as exc:
        raise InputError("{}: invalid marker {!r}: {}".format(
            where, text, str(exc).splitlines()[0] if str(exc) else ""))


def _specifier(table: Dict[str, Any], where: str) -> Optional[SpecifierSet]:
    text = toml.get(table, "requires-python", str, where)
    if text is None:
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise InputError("{}: invalid specifier {!r}".format(
            toml.join(where, "requires-python"), text))


def _package(entry: Any, where: str,
             groups: Tuple[str, ...]) -> LockedPackage:
    if not isinstance(entry, dict):
        raise InputError("{}: is not a table".format(where))
    name = toml.get(entry, "name", str, where)
    if name is None:
        raise InputError("{}: no name".format(where))
    try:
        name = canonical_name(name)
    except InputError as exc:
        raise InputError("{}.name: {}".format(where, exc))
    marker = toml.get(entry, "marker", str, where)
    wheels = toml.get(entry, "wheels", list, where, [])
    sdist = toml.get(entry, "sdist", dict, where)
    other = next((key for key in ("vcs", "directory", "archive")
                  if key in entry), None)
    index = toml.get(entry, "index", str, where)
    return LockedPackage(
        name=name, version=toml.get(entry, "version", str, where),
        marker=_marker(marker, toml.join(where, "marker"), groups)
        if marker is not None else None,
        requires_python=_specifier(entry, where),
        wheels=tuple(_file(w, "{}[{}]".format(toml.join(where, "wheels"), i))
                     for i, w in enumerate(wheels)),
        sdist=_file(sdist, toml.join(where, "sdist"))
        if sdist is not None else None,
        other="locked as a{} {} (piwcheck checks wheels and sdists)".format(
            "n" if other == "archive" else "", other) if other else None,
        source=where, index=index, marker_text=marker)


def _file(entry: Any, where: str) -> LockedFile:
    """A ``wheels`` or ``sdist`` entry: its name (or the last part of its
    URL or path), its URL (or path) and sha256."""
    if not isinstance(entry, dict):
        raise InputError("{}: is not a table".format(where))
    url = toml.get(entry, "url", str, where)
    path = toml.get(entry, "path", str, where)
    name = toml.get(entry, "name", str, where)
    if url is None and path is None:
        raise InputError("{}: neither url nor path".format(where))
    if name is None:
        where_from = urlsplit(url).path if url else path
        name = unquote(posixpath.basename(where_from or ""))
    if not name or "/" in name or "\\" in name:
        raise InputError("{}: no file name".format(where))
    hashes = toml.get(entry, "hashes", dict, where, {})
    sha256 = hashes.get("sha256")
    if sha256 is not None and not isinstance(sha256, str):
        raise InputError("{}: is not a string".format(
            toml.join(toml.join(where, "hashes"), "sha256")))
    return LockedFile(filename=name, url=url or path, sha256=sha256,
                      size=toml.get(entry, "size", int, where))
