# SPDX-License-Identifier: BSD-3-Clause
"""The index-neutral model: projects, releases and files as any index
describes them, validated where they enter, and the results of a check."""

from dataclasses import dataclass, fields
from enum import Enum
from typing import Dict, FrozenSet, Iterable, Optional, Tuple

from packaging.tags import Tag
from packaging.version import Version

from .errors import EXIT_ACTION, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from .names import tag_triple, tags_of


class Status(str, Enum):
    """What a check found for one project (the JSON carries the value)."""

    OK = "ok"
    MISSING_APT = "missing-apt"
    NO_WHEEL = "no-wheel"
    NO_MATCH = "no-match"
    NOT_FOUND = "not-found"
    CONFLICT = "conflict"
    MISSING_LIB = "missing-lib"
    WRONG_ARCH = "wrong-arch"
    ERROR = "error"
    SKIPPED = "skipped"
    UNSUPPORTED = "unsupported"

    def __str__(self) -> str:
        return self.value


#: Statuses that mean the user has something to do.
ACTION_STATUSES = frozenset({Status.MISSING_APT, Status.NO_WHEEL,
                             Status.NO_MATCH, Status.NOT_FOUND,
                             Status.MISSING_LIB, Status.WRONG_ARCH})


def exit_code(statuses: Iterable[Status]) -> int:
    """3 if any package failed, else 2 if requirements conflict (input
    the user must fix), else 1 if any needs action, else 0."""
    statuses = set(statuses)
    if Status.ERROR in statuses:
        return EXIT_UNREACHABLE
    if Status.CONFLICT in statuses:
        return EXIT_USAGE
    if statuses & ACTION_STATUSES:
        return EXIT_ACTION
    return EXIT_OK


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

    def __reduce__(self):
        # Pickled as plain rows, read back in one loop (documents hold
        # thousands of files), and without Tags: a Tag keeps its hash,
        # which differs from process to process.
        rows = tuple(tuple(getattr(f, n) for n in _FILE_FIELDS) +
                     (tag_triple(f.filename),) for f in self.files)
        return _restore_release, (self.version, self.parsed, self.released,
                                  self.prerelease, self.yanked,
                                  self.skip_reason, rows)


def _restore_release(version, parsed, released, prerelease, yanked,
                     skip_reason, rows) -> Release:
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
        files=tuple(files))
    return release


@dataclass(frozen=True)
class Project:
    """A project as one index lists it."""

    name: str
    summary: str
    releases: Tuple[Release, ...]
    #: The URL of the index.
    index: str = ""


@dataclass(frozen=True)
class AptDependency:
    """An apt package a wheel needs; None where it was not checked."""

    name: str
    installed: Optional[bool]
    known_to_apt: Optional[bool]
    #: The Debian release whose builder named it, when that is not the
    #: target's and nothing here can check it (a described target).
    from_release: Optional[str] = None


@dataclass(frozen=True)
class Downloads:
    """A project's downloads from piwheels (its packages.json)."""

    name: str
    last_30_days: int
    all_time: int


@dataclass(frozen=True)
class PackageResult:
    """The outcome for one project."""

    requirement: str
    name: str
    status: Status
    version: Optional[str] = None
    file: Optional[File] = None
    apt_dependencies: Tuple[AptDependency, ...] = ()
    #: Why the apt packages are not known (the file is not piwheels').
    apt_note: Optional[str] = None
    #: None when the index does not say.
    pip_dependencies: Optional[Tuple[str, ...]] = ()
    warnings: Tuple[str, ...] = ()
    reason: Optional[str] = None
    source: Tuple[str, ...] = ()
    required_by: Tuple[str, ...] = ()
    #: (parent, its version, the requirement it states)
    required_by_detail: Tuple[Tuple[str, str, str], ...] = ()
    fallback_version: Optional[str] = None
    fallback_file: Optional[File] = None
    #: --deep: the chosen wheel's compiled files, read.
    deep: Optional["DistributionResult"] = None
    #: From piwheels' statistics, when they were at hand.
    downloads: Optional[Downloads] = None
    #: Known names close to one no index has, the most used first.
    suggestions: Tuple[Downloads, ...] = ()


@dataclass(frozen=True)
class Report:
    """Everything the renderers show."""

    target: object
    #: (label, URL) of each index, in pip's order.
    indexes: Tuple[Tuple[str, str], ...]
    packages: Tuple[PackageResult, ...]
    notes: Tuple[str, ...]
    apt_install: Tuple[str, ...]
    apt_command: Optional[str]

    def counts(self) -> Dict[str, int]:
        """How many packages have each status."""
        counts = {status.value: 0 for status in Status}
        for pkg in self.packages:
            counts[pkg.status.value] += 1
        return counts

    @property
    def exit_code(self) -> int:
        return exit_code(p.status for p in self.packages)


@dataclass(frozen=True)
class LibraryResult:
    """A soname an installed distribution's files need."""

    soname: str
    needed_by: Tuple[str, ...]
    #: Where the loader finds it; None when nowhere.
    path: Optional[str]
    how: Optional[str]
    #: The Debian package that ships it (found) or should (missing).
    package: Optional[str]
    #: ``package`` is Debian's library naming, not dpkg's word.
    guessed: bool
    known_to_apt: Optional[bool]
    #: Not looked for: the files are for another machine.
    unchecked: bool = False
    #: Who named the package: dpkg, piwheels, apt-file or Debian's naming.
    named_by: Optional[str] = None


@dataclass(frozen=True)
class DistributionResult:
    """What one installed distribution (or wheel file) needs."""

    name: str
    version: str
    location: str
    status: Status
    modules: int
    libraries: Tuple[LibraryResult, ...]
    #: (file, why it cannot run here)
    wrong: Tuple[Tuple[str, str], ...]
    errors: Tuple[str, ...]
    #: A wheel file's dependencies for the target (its METADATA).
    requires: Optional[Tuple[str, ...]] = None
    #: The piwheels file it matches, whose apt list named its packages.
    piwheels_file: Optional[str] = None


@dataclass(frozen=True)
class InstalledReport:
    """The check of an installed environment or of wheel files."""

    what: str
    machine: str
    distributions: Tuple[DistributionResult, ...]
    apt_install: Tuple[str, ...]
    apt_command: Optional[str]

    @property
    def exit_code(self) -> int:
        return exit_code(d.status for d in self.distributions)
