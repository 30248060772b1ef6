# SPDX-License-Identifier: BSD-3-Clause
"""resolvelib's provider: what the resolver asks (the candidates of a
requirement, the dependencies of a candidate) answered from the fetches.
resolvelib itself is imported only when a provider is made."""

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ..select import Candidate, Formats, any_file
from ..specs import combined, spec_contains
from ..target import Target
from .deps import PYTHON, Req, dependencies, python_requirement
from .fetcher import Fetcher


@dataclass(frozen=True, eq=False)
class Pick:
    """A candidate: one version of a project (or of it with extras), with
    the file pip would take for that version; ``missing`` stands for a
    project with no file at all, settled without resolving it."""

    name: str
    extras: FrozenSet[str]
    version: Optional[Version]
    candidate: Optional[Candidate] = None
    missing: bool = False


def ident(name: str, extras: FrozenSet[str]) -> str:
    return name + ("[{}]".format(",".join(sorted(extras))) if extras else "")


class _Provider:
    """resolvelib's provider, for the APIs of every resolvelib Debian
    ships: 0.5.4 (bullseye) passes find_matches and get_preference
    their arguments by position, 0.9.0 (bookworm) and 1.x by name."""

    def __init__(self, fetcher: Fetcher, target: Target, pre: bool,
                 formats: Formats, constraints: Dict[str, SpecifierSet],
                 deps: bool, settled: Dict[str, object]):
        self.fetcher = fetcher
        self.target = target
        self.pre = pre
        self.formats = formats
        self.constraints = constraints
        self.deps = deps
        self.settled = settled
        #: (name, version) -> warnings about its metadata
        self.warnings: Dict[Tuple[str, Optional[Version]], List[str]] = {}
        #: (name, version) -> why its dependencies are unknown
        self.unknown: Dict[Tuple[str, Optional[Version]], str] = {}
        #: (id of requirement, id of candidate) -> (both, is_satisfied_by):
        #: resolvelib asks of every criterion in every round, so a chain of
        #: n asks n*n/2 times (both are kept, so their ids stay theirs)
        self._satisfied: Dict[Tuple[int, int], tuple] = {}
        #: the target's Python, the one candidate of a Requires-Python
        self.python = Pick(PYTHON, frozenset(),
                           Version(target.python_full_version))

    def identify(self, requirement_or_candidate):
        r = requirement_or_candidate
        return ident(r.name, r.extras)

    def get_preference(self, *args, **kwargs):
        if "information" in kwargs:
            information = list(kwargs["information"][kwargs["identifier"]])
        else:
            information = list(args[2])
        pinned = any(s.operator in ("==", "===")
                     for info in information
                     for s in info.requirement.specifier)
        name = information[0].requirement.name if information else ""
        # as pip: a Requires-Python first, so a candidate it rules out
        # is dropped before anything else is fetched for it
        return (name != PYTHON, not pinned, name)

    def find_matches(self, *args, **kwargs):
        if "identifier" in kwargs:
            key = kwargs["identifier"]
            reqs = list(kwargs["requirements"][key])
            bad = {c.version for c in kwargs["incompatibilities"][key]}
        else:
            reqs = list(args[0])
            bad = set()
        name, extras = reqs[0].name, reqs[0].extras
        if name == PYTHON:
            return [self.python] if all(
                spec_contains(r.specifier, str(self.python.version))
                for r in reqs) else []
        if name in self.settled or self.fetcher.broken(name):
            return [Pick(name, extras, None, missing=True)]
        picks = self.fetcher.guard(name, self._matches, name, extras,
                                   reqs, bad)
        # a bug in this project's work: it is settled (and reported)
        return [Pick(name, extras, None, missing=True)] if picks is None \
            else picks

    def _matches(self, name: str, extras: FrozenSet[str], reqs: list,
                 bad: set) -> List[Pick]:
        """find_matches' candidates of ``name`` (with ``extras``), best
        first, for ``reqs`` and not ``bad``."""
        known = self.fetcher.known(name)
        if not any_file(known.offers, name, self.formats):
            # nothing at all for the target: settled, not resolved
            return [Pick(name, extras, None, missing=True)]
        spec = combined([r.specifier for r in reqs] +
                        [self.constraints.get(name, SpecifierSet())])
        picks: List[Pick] = []
        seen = set()
        # best first is newest first but with --prefer-binary: then a
        # version is new when it is not the last one's (a Version
        # hashes slowly, and this runs for every candidate of each ask)
        by_version = not self.formats.prefer_binary
        for c in self.fetcher.ranked(known.offers, spec, name):
            if by_version:
                if picks and c.version == picks[-1].version or \
                        bad and c.version in bad:
                    continue
            elif c.version in seen or c.version in bad:
                continue
            else:
                seen.add(c.version)
            picks.append(Pick(name, extras, c.version, c))
        if picks and self.deps:
            self.fetcher.start_metadata(name, picks[0].candidate,
                                        known.offers)
        return picks

    def is_satisfied_by(self, requirement, candidate):
        key = (id(requirement), id(candidate))
        known = self._satisfied.get(key)
        if known is not None:
            return known[2]
        ok = self._is_satisfied_by(requirement, candidate)
        self._satisfied[key] = (requirement, candidate, ok)
        return ok

    def _is_satisfied_by(self, requirement, candidate) -> bool:
        if candidate.missing:
            return True
        if candidate is self.python:
            return spec_contains(requirement.specifier,
                                 str(candidate.version))
        c = candidate.candidate
        ok = self.fetcher.guard(candidate.name, spec_contains,
                                requirement.specifier,
                                c.text or str(candidate.version))
        return True if ok is None else ok  # None: a bug, reported

    def get_dependencies(self, candidate):
        if candidate.missing or not self.deps or candidate is self.python:
            return []
        return self.fetcher.guard(candidate.name, self._dependencies,
                                  candidate) or []

    def _dependencies(self, candidate: Pick) -> List[Req]:
        """get_dependencies' requirements of ``candidate``."""
        base = []
        if candidate.extras:
            base.append(Req(candidate.name, frozenset(), SpecifierSet(
                "=={}".format(candidate.version)),
                "{}=={}".format(candidate.name, candidate.version)))
        known = self.fetcher.known(candidate.name)
        read = self.fetcher.metadata(candidate.name, candidate.candidate,
                                     known.offers)
        key = (candidate.name, candidate.version)
        said = self.warnings.setdefault(key, list(read.warnings))
        meta = read.metadata
        if meta is None:
            if read.unknown:
                self.unknown[key] = read.unknown
            return base
        reqs, warnings = dependencies(meta, self.target, candidate.extras)
        # as pip: first (an extras candidate has its base's, by the pin)
        python = None if candidate.extras else python_requirement(
            meta, warnings)
        for w in warnings:
            if w not in said:
                said.append(w)
        if candidate.extras:
            # an extras candidate adds what only its extras bring
            plain = {r.text for r in dependencies(meta, self.target,
                                                  frozenset())[0]}
            reqs = [r for r in reqs if r.text not in plain]
        for r in reqs:
            self.fetcher.start(r.name, r.specifier, candidate.name)
        return ([python] if python else []) + base + [
            r for r in reqs if r.name != candidate.name or r.extras]


def make_provider(*args):
    """A provider (``_Provider``'s arguments) that is resolvelib's
    AbstractProvider too."""
    from resolvelib import AbstractProvider

    return type("Provider", (_Provider, AbstractProvider), {})(*args)
