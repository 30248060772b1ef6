# SPDX-License-Identifier: BSD-3-Clause
"""Project names and distribution file names, as pip reads them."""

import re
from functools import lru_cache
from typing import FrozenSet, Optional, Tuple

from packaging.tags import Tag, parse_tag
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .errors import InputError

_CANONICAL_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_BUILD_RE = re.compile(r"^(\d+)(.*)$")
#: A build tag as pip reads it, with at most 32 ASCII digits.
_GOOD_BUILD_RE = re.compile(r"^[0-9]{1,32}(?![0-9])")

#: Longest file name taken from an index (most file systems' limit).
MAX_FILENAME = 255
#: Longest version string read as a version; a longer one is not one
#: (its numbers could be too long for int(), or slow to compare).
MAX_VERSION = 200
#: Most tags one wheel's compressed tag set may stand for; pip expands
#: them all, and a 4.7 kB name can stand for 27 million.
MAX_TAGS = 256
#: What no file name taken from an index may hold: path separators and
#: control characters.
_BAD_FILENAME_RE = re.compile(r"[/\\\x00-\x1f\x7f]")
#: sdist endings pip accepts, longest first.
SDIST_ENDINGS = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.lz", ".tar.lzma",
                 ".tgz", ".tbz", ".txz", ".tlz", ".tar", ".zip")


def canonical_name(name: str) -> str:
    """The PEP 503 name used in index URLs; InputError when ``name``
    cannot be a project name (so it never reaches a URL path)."""
    canon = canonicalize_name(name)
    if not _CANONICAL_RE.match(canon):
        raise InputError("{!r} is not a valid project name".format(name))
    return canon


@lru_cache(maxsize=4096)
def tags_of(triple: str) -> FrozenSet[Tag]:
    """The tags of a 'py-abi-plat' triple; none for '' or for a triple
    that is not a valid compressed tag set (see ``valid_triple``)."""
    if not triple or not valid_triple(triple):
        return frozenset()
    return frozenset(parse_tag(triple))


def valid_triple(triple: str) -> bool:
    """Whether 'py-abi-plat' is a tag set every packaging version reads
    alike: no empty part (26.3 raises InvalidTag, older ones make tags
    of ''), interpreters that are identifiers, and at most ``MAX_TAGS``
    tags (counted before they are made)."""
    components = [c.split(".") for c in triple.split("-")]
    if len(components) != 3:
        return False
    count = 1
    for parts in components:
        if "" in parts:
            return False
        count *= len(parts)
    return count <= MAX_TAGS and all(p.isidentifier()
                                     for p in components[0])


def tag_triple(filename: str) -> str:
    """'py-abi-plat' of a wheel filename (name-ver[-build]-py-abi-plat.whl);
    '' when it is not one, or its tags are not valid.  Cheaper than
    parse_wheel_filename, which also parses the version: documents hold
    thousands of files."""
    if not filename.endswith(".whl"):
        return ""
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6) or not all(parts):
        return ""
    triple = "-".join(parts[-3:])
    return triple if valid_triple(triple) else ""


def wheel_tags(filename: str) -> FrozenSet[Tag]:
    """The tags of a wheel filename; empty when it is not one."""
    return tags_of(tag_triple(filename))


def build_tag(filename: str) -> Tuple:
    """A wheel's build tag as pip sorts it: () for none, else (n, rest)."""
    parts = filename[:-4].split("-")
    if len(parts) != 6:
        return ()
    match = _BUILD_RE.match(parts[2])
    return (int(match.group(1)), match.group(2)) if match else ()


@lru_cache(maxsize=1024)
def _canon(name: str) -> str:
    return canonicalize_name(name)


@lru_cache(maxsize=8192)
def parse_version(text: str) -> Optional[Version]:
    """``text`` as a Version (one object for each text: a project's
    files share their release's), or None when it is not one."""
    if len(text) > MAX_VERSION:
        return None
    try:
        return Version(text)
    except (InvalidVersion, ValueError):  # ValueError: int()'s own limits
        return None


def file_version(filename: str, project: str) -> Optional[Version]:
    """The version in a wheel or sdist filename of ``project`` (canonical
    name); None when the file is not one of its distributions, as pip
    skips such links."""
    if not file_belongs(filename, project):
        return None
    if filename.endswith(".whl"):
        return parse_version(filename[:-4].split("-")[1])
    return parse_version(_sdist_version(filename, project) or "")


def _same_version(text: str, version: Optional[Version],
                  release: str) -> bool:
    """Whether a file's version ``text`` is that of the release
    ``release`` (parsed: ``version``): equal versions, or for a release
    that is not PEP 440, the same text as a file name escapes it."""
    if version is not None:
        return parse_version(text) == version
    return text.replace("-", "_").lower() == release.replace("-", "_").lower()


def file_belongs(filename: str, project: str,
                 release: Optional[str] = None,
                 version: Optional[Version] = None) -> bool:
    """Whether ``filename`` is a distribution of ``project`` (canonical
    name) that pip would read: a wheel with a valid name, build tag and
    tag set, or an sdist with an archive ending; with ``release`` (and its
    parsed ``version``), also of that release.  Index files that are not
    are skipped, as pip skips such links."""
    if len(filename) > MAX_FILENAME or _BAD_FILENAME_RE.search(filename):
        return False
    if filename.endswith(".whl"):
        if not tag_triple(filename):
            return False
        parts = filename[:-4].split("-")
        if len(parts) == 6 and not _GOOD_BUILD_RE.match(parts[2]):
            return False
        if _canon(parts[0]) != project:
            return False
        return release is None or _same_version(parts[1], version, release)
    text = _sdist_version(filename, project)
    if text is None:
        return False
    return release is None or _same_version(text, version, release)


def skip_reason(filename: str, project: str) -> Optional[str]:
    """Why pip skips an index file of ``project`` (canonical name), in
    its words; None when it reads it (see ``file_version``)."""
    if file_version(filename, project) is not None:
        return None
    if len(filename) > MAX_FILENAME or _BAD_FILENAME_RE.search(filename):
        return "not a file name"
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if tag_triple(filename) and _canon(parts[0]) != project:
            return "wrong project name"
        return "invalid wheel filename"
    if not any(filename.lower().endswith(e) for e in SDIST_ENDINGS):
        return "not a wheel or an sdist"
    if _sdist_version(filename, project) is None:
        return "wrong project name"
    return "invalid version"


def _sdist_version(filename: str, project: str) -> Optional[str]:
    """The version text of an sdist of ``project``; None when
    ``filename`` is not one (no archive ending, another project)."""
    lower = filename.lower()
    ending = next((e for e in SDIST_ENDINGS if lower.endswith(e)), None)
    if ending is None:
        return None
    stem = filename[:-len(ending)]
    # name-version, where the name may itself hold '-'
    for i, ch in enumerate(stem):
        if ch == "-" and _canon(stem[:i]) == project:
            return stem[i + 1:] or None
    return None


def version_tuple(text: Optional[str]) -> Tuple[int, ...]:
    """'23.0.1' -> (23, 0, 1): the leading ASCII numbers only (a pip's
    version, compared with the first pip that did something)."""
    parts = []
    for piece in (text or "").split("."):
        if not (piece.isascii() and piece.isdigit()):
            break
        parts.append(int(piece))
    return tuple(parts)
