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


@lru_cache(maxsize=None)
def tags_of(triple: str) -> FrozenSet[Tag]:
    """The tags of a 'py-abi-plat' triple; none for ''."""
    return frozenset(parse_tag(triple)) if triple else frozenset()


def tag_triple(filename: str) -> str:
    """'py-abi-plat' of a wheel filename (name-ver[-build]-py-abi-plat.whl);
    '' when it is not one.  Cheaper than parse_wheel_filename, which also
    parses the version: documents hold thousands of files."""
    if not filename.endswith(".whl"):
        return ""
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6) or not all(parts):
        return ""
    return "-".join(parts[-3:])


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
    try:
        return Version(text)
    except InvalidVersion:
        return None


def file_version(filename: str, project: str) -> Optional[Version]:
    """The version in a wheel or sdist filename of ``project`` (canonical
    name); None when the file is not one of its distributions, as pip
    skips such links."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) not in (5, 6) or _canon(parts[0]) != project:
            return None
        text = parts[1]
    else:
        lower = filename.lower()
        ending = next((e for e in SDIST_ENDINGS if lower.endswith(e)), None)
        if ending is None:
            return None
        stem = filename[:-len(ending)]
        # name-version, where the name may itself hold '-'
        text = None
        for i, ch in enumerate(stem):
            if ch == "-" and _canon(stem[:i]) == project:
                text = stem[i + 1:]
                break
        if not text:
            return None
    return parse_version(text)
