# SPDX-License-Identifier: BSD-3-Clause
"""The results of a check: each project's status and what it needs
(PackageResult, Report), and what installed files or wheel files need
(LibraryResult, DistributionResult, InstalledReport); the exit code
they give."""

from dataclasses import dataclass
from enum import Enum
from typing import Dict, FrozenSet, Iterable, Optional, Tuple

from .errors import EXIT_ACTION, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from .model import File


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


#: --fail-on's names, and the statuses each makes fail the run.
FAIL_ON = {
    "no-wheel": frozenset({Status.NO_WHEEL}),
    "no-match": frozenset({Status.NO_MATCH, Status.NOT_FOUND,
                           Status.WRONG_ARCH}),
    "conflict": frozenset({Status.CONFLICT}),
    "missing-apt": frozenset({Status.MISSING_APT, Status.MISSING_LIB}),
}


def exit_code(statuses: Iterable[Status],
              fail_on: Optional[FrozenSet[str]] = None) -> int:
    """3 if any package failed, else 2 if requirements conflict (input
    the user must fix), else 1 if any needs action, else 0.  With
    ``fail_on`` (names of FAIL_ON), only the statuses they name (and
    errors: a check not made cannot pass) count."""
    statuses = set(statuses)
    if fail_on is not None:
        counted = frozenset().union(*(FAIL_ON[n] for n in fail_on))
        statuses = {s for s in statuses
                    if s is Status.ERROR or s in counted}
    if Status.ERROR in statuses:
        return EXIT_UNREACHABLE
    if Status.CONFLICT in statuses:
        return EXIT_USAGE
    if statuses & ACTION_STATUSES:
        return EXIT_ACTION
    return EXIT_OK


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
    #: --deep: why the chosen wheel could not be read (a warning too).
    unread: Optional[str] = None
    #: From piwheels' statistics, when they were at hand.
    downloads: Optional[Downloads] = None
    #: Known names close to one no index has, the most used first.
    suggestions: Tuple[Downloads, ...] = ()
    #: Asked for (on the command line or in a requirements file), not
    #: only brought in by a dependency or named by a constraint.
    asked: bool = False
    #: (-v) files of its indexes' pages that pip skips too, why.
    skipped: Tuple[str, ...] = ()


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
    #: Notes known only once the check is done (after the packages).
    late_notes: Tuple[str, ...] = ()
    #: --fail-on's choice (None: the default rules).
    fail_on: Optional[FrozenSet[str]] = None

    def counts(self) -> Dict[str, int]:
        """How many packages have each status."""
        counts = {status.value: 0 for status in Status}
        for pkg in self.packages:
            counts[pkg.status.value] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """exit_code of the statuses (--fail-on's choice); 3 when --deep
        could not read a chosen wheel (the index's or the network's
        fault)."""
        code = exit_code((p.status for p in self.packages), self.fail_on)
        if code != EXIT_UNREACHABLE and any(p.unread for p in
                                            self.packages):
            return EXIT_UNREACHABLE
        return code


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
    #: ``package`` is Debian's library naming, a guess until apt knows it.
    guessed: bool
    known_to_apt: Optional[bool]
    #: Not looked for: the files are for another machine.
    unchecked: bool = False
    #: Who named the package: dpkg, piwheels, apt-file, piwcheck's table
    #: or Debian's naming.
    named_by: Optional[str] = None

    @property
    def installable(self) -> bool:
        """Whether ``package`` joins the apt command: a missing library's
        package apt does not say it lacks, and no guess (Debian's
        naming) apt here has not confirmed."""
        return (self.path is None and not self.unchecked
                and bool(self.package) and self.known_to_apt is not False
                and (not self.guessed or self.known_to_apt is True))


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
