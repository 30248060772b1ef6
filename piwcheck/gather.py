# SPDX-License-Identifier: BSD-3-Clause
"""The packages a check starts from: each name the user asked for, with
who asked (their requirements) and which constraints apply for the
target, and the resolver's requirement for each whose markers hold."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.specifiers import SpecifierSet

from .errors import InputError, internal_error
from .inputs import Requirement
from .resolve import Req
from .results import DistributionResult, Status
from .select import Selection
from .target import Target


@dataclass
class Package:
    """One package's result while the check gathers it: who asked for it
    (the user's requirements; what required it), which constraints
    apply, and what was found; it becomes a PackageResult.  Not itself a
    requirement: the user's are inputs.Requirement, the resolver's
    resolve.Req (markers settled, one per name)."""

    name: str
    requirements: List[Requirement] = field(default_factory=list)
    #: (parent name, parent version, requirement as written)
    required_by: List[Tuple[str, str, str]] = field(default_factory=list)
    constrained_by: List[str] = field(default_factory=list)
    selection: Optional[Selection] = None
    status: Optional[Status] = None
    reason: Optional[str] = None
    warnings: List[str] = field(default_factory=list)
    #: (-v) the files of its indexes' pages that pip skips too
    skipped: List[str] = field(default_factory=list)
    #: --deep: the chosen wheel's compiled files, read
    deep: Optional[DistributionResult] = None
    #: --deep: why its chosen wheel could not be read (exit 3)
    unread: Optional[str] = None
    #: the bug (an exception not foreseen) that made it an error
    bug: Optional[Exception] = None

    def fail(self, bug: Exception) -> None:
        """It is an error: ``bug`` (an exception not foreseen) was met in
        its work; the bug's one line is the reason, so the user can
        report it, and nothing of its selection is used."""
        self.bug = bug
        self.status, self.reason = Status.ERROR, internal_error(bug)
        self.selection = None


def applies(req: Requirement, target: Target) -> bool:
    if req.marker is None:
        return True
    env = dict(target.marker_env)
    env["extra"] = ""
    try:
        return req.marker.evaluate(env)
    except (UndefinedComparison, UndefinedEnvironmentName) as exc:
        raise InputError("{}: cannot evaluate marker of {!r}: {}".format(
            req.source, req.text, exc))


def constrain(package: Package, constraints: Sequence[Requirement],
               target: Target) -> SpecifierSet:
    """Note the constraints on ``package`` that apply; their specifier."""
    spec = SpecifierSet()
    for c in constraints:
        if c.name == package.name and c.reason is None and \
                applies(c, target):
            spec &= c.specifier
            package.constrained_by.append(c.source)
    return spec


def gather(requirements: Sequence[Requirement],
            constraints: Sequence[Requirement], target: Target
            ) -> Tuple[Dict[str, Package], List[Req]]:
    """A package for each name the user asked for, and the resolver's
    requirement for each one whose markers hold: a name written twice
    is one requirement (its specifiers and constraints together)."""
    packages: Dict[str, Package] = {}
    for req in requirements:
        packages.setdefault(req.name, Package(req.name)) \
            .requirements.append(req)
    roots = []
    for p in packages.values():
        live = [r for r in p.requirements if applies(r, target)]
        # a requirement no index is asked about: its reason says why
        unsupported = [r for r in live if r.reason is not None]
        if unsupported:
            p.status = Status.UNSUPPORTED
            p.reason = unsupported[0].reason
        elif not live:
            p.status = Status.SKIPPED
            p.reason = "marker is false for this target: {}".format(
                "; ".join(str(r.marker) for r in p.requirements))
        else:
            spec = SpecifierSet()
            for req in live:
                spec &= req.specifier
                p.warnings.extend(req.warnings)
            roots.append(Req(
                p.name, frozenset().union(*(r.extras
                                            for r in p.requirements)),
                spec & constrain(p, constraints, target),
                ", ".join(r.text for r in p.requirements),
                "; ".join(dict.fromkeys(r.source for r in p.requirements))))
    return packages, roots


def constraint_specs(constraints: Sequence[Requirement],
                      target: Target) -> Dict[str, SpecifierSet]:
    specs: Dict[str, SpecifierSet] = {}
    for c in constraints:
        if c.reason is None and applies(c, target):
            specs[c.name] = specs.get(c.name, SpecifierSet()) & c.specifier
    return specs


def dependency(name: str, constraints: Sequence[Requirement],
                target: Target) -> Package:
    """The package of a project only a dependency brought in."""
    package = Package(name)
    constrain(package, constraints, target)
    return package
