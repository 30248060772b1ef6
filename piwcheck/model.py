# SPDX-License-Identifier: BSD-3-Clause
"""The index-neutral model: projects, releases and files as any index
describes them, validated where they enter.  (What a check finds is in
results.py.)"""

import re
from dataclasses import dataclass, fields
from typing import Any, FrozenSet, Optional, Tuple

from packaging.tags import Tag
from packaging.version import Version

from .names import tag_triple, tags_of


@dataclass(frozen=True)
class File:
    """One distribution file (a wheel or an sdist) on one index."""

    filename: str
    url: str
    #: None where the index does not say.
    sha256: Optional[str]
    size: Optional[int]
    requires_python: Optional[str]
    yanked: bool
    #: The URL of the index that lists it.
    index: str
    #: piwheels' build data; None from other indexes.
    builder_abi: Optional[str]
    file_abi_tag: Optional[str]
    platform: Optional[str]
    #: None when not known (the file is not piwheels').
    apt_dependencies: Optional[Tuple[str, ...]]
    #: None when the index does not say.
    pip_dependencies: Optional[Tuple[str, ...]]
    #: The tags in the filename; empty for an sdist or a bad name.
    tags: FrozenSet[Tag]
    #: The index serves its core metadata beside it (PEP 658/714).
    has_metadata: bool = False

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")

#: Most files one release may list, and one document in all; pip has
#: no limit, but a real project has a few thousand at most.
MAX_RELEASE_FILES = 10000
MAX_FILES = 100000


def is_sha256(value: Any) -> bool:
    """Whether ``value`` is a sha256 as an index must give it: 64 hex
    digits, nothing else (it names a file in the cache of --deep)."""
    return isinstance(value, str) and bool(_SHA256_RE.fullmatch(value))


def is_http_url(value: Any) -> bool:
    """Whether ``value`` is an http(s) URL, the only kind of file URL
    taken from an index."""
    return isinstance(value, str) and \
        value[:8].lower().startswith(("http://", "https://"))


_FILE_FIELDS = tuple(f.name for f in fields(File) if f.name != "tags")


@dataclass(frozen=True)
class Release:
    """One release (version) of a project on one index."""

    version: str
    #: None for a version string that is not PEP 440.
    parsed: Optional[Version]
    released: str
    prerelease: bool
    #: Every file of it is yanked.
    yanked: bool
    skip_reason: str
    files: Tuple[File, ...]
    #: The Requires-Python of each of its files left out as no target's
    #: (see wanted.py), each once: whether the release fits a Python
    #: still counts them, as pip's does.
    others_python: Tuple[Optional[str], ...] = ()

    def __reduce__(self):
        # Pickled as plain rows, read back in one loop (documents hold
        # thousands of files), and without Tags: a Tag keeps its hash,
        # which differs from process to process.
        rows = tuple(tuple(getattr(f, n) for n in _FILE_FIELDS) +
                     (tag_triple(f.filename),) for f in self.files)
        return _restore_release, (self.version, self.parsed, self.released,
                                  self.prerelease, self.yanked,
                                  self.skip_reason, rows,
                                  self.others_python)


def _restore_release(version, parsed, released, prerelease, yanked,
                     skip_reason, rows, others_python=()) -> Release:
    """A pickled Release (see its __reduce__)."""
    files = []
    for row in rows:
        f = object.__new__(File)
        state = dict(zip(_FILE_FIELDS, row))
        state["tags"] = tags_of(row[-1])
        f.__dict__.update(state)
        files.append(f)
    release = object.__new__(Release)
    release.__dict__.update(
        version=version, parsed=parsed, released=released,
        prerelease=prerelease, yanked=yanked, skip_reason=skip_reason,
        files=tuple(files), others_python=others_python)
    return release


@dataclass(frozen=True)
class Project:
    """A project as one index lists it."""

    name: str
    summary: str
    releases: Tuple[Release, ...]
    #: The URL of the index.
    index: str = ""
    #: Files on its page that pip skips: (why, how many, the first).
    skipped: Tuple[Tuple[str, int, str], ...] = ()
