# SPDX-License-Identifier: BSD-3-Clause
"""Dependencies as pip resolves them: resolvelib (pip's own resolver)
over the offers of every index, with each candidate's metadata
(Requires-Dist with markers and extras).  Fetches run ahead on a pool:
when a project's offers arrive, the metadata of its likely pick is
fetched, and from it the offers of its dependencies, so a tree is
fetched about level by level while the resolver, which asks one thing
at a time, waits on work already under way.  The deeper a fetch leads,
the sooner it runs (``Pool`` priorities), so the levels overlap."""

import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from packaging.markers import (InvalidMarker, UndefinedComparison,
                               UndefinedEnvironmentName)
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from .errors import FetchError, InputError, NotFound
from .metadata import Metadata
from .names import canonical_name
from .select import Candidate, Formats, Offer, offer, ranked, spec_contains
from .target import Target

#: Most rounds the resolver may take (pip allows far more; a tree that
#: needs this many is reported as an error, not waited for).
MAX_ROUNDS = 20000


@dataclass(frozen=True)
class Req:
    """A requirement for the resolver: from the user or from a
    candidate's metadata (``parent``)."""

    name: str
    extras: FrozenSet[str]
    specifier: SpecifierSet
    #: As written: 'numpy>=1.23.2'.
    text: str
    #: Where the user's came from ('command line', 'req.txt:3').
    source: str = ""


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


@dataclass
class Known:
    """What the fetches found for one project."""

    offers: List[Offer] = field(default_factory=list)
    failures: Dict[int, str] = field(default_factory=dict)
    missing: Dict[int, str] = field(default_factory=dict)


class Fetcher:
    """Every fetch of one check, each started once, on ``pool``."""

    def __init__(self, pool, indexes, target: Target, pre: bool,
                 formats: Formats, follow: bool, progress=None):
        self.pool = pool
        #: progress(done, known): projects whose every index has answered,
        #: of those asked for (called from the resolving thread)
        self.progress = progress
        self._answered: set = set()
        self.indexes = indexes
        self.target = target
        self.rank = target.tag_rank()
        self.pre = pre
        self.formats = formats
        self.follow = follow
        self._offers: Dict[Tuple[str, int], object] = {}
        #: name -> how far below a root it was first asked for
        self._depth: Dict[str, int] = {}
        self._meta: Dict[Tuple[str, Version], object] = {}
        self._lock = threading.Lock()
        self.closed = False
        #: Cached documents can say what comes next (a cache, a network).
        self.early = follow and any(ix.can_prefetch for ix in indexes)
        #: (name, index) -> (digest, offer) made from the cached document
        self._early: Dict[Tuple[str, int], Tuple[bytes, Offer]] = {}

    # offers ---------------------------------------------------------------

    def _priority(self, name: str, metadata: bool = False) -> int:
        """Deeper first; a project's metadata before the pages of
        others at its depth."""
        return -2 * self._depth.get(name, 0) - metadata

    def start(self, name: str, spec: SpecifierSet = SpecifierSet(),
              parent: Optional[str] = None) -> None:
        """Start fetching ``name`` (a dependency of ``parent``) from
        every index (once); with a warm cache, also what its cached
        documents say comes next, so a tree's levels are revalidated
        together."""
        futures = []
        with self._lock:
            if self.closed or (name, 0) in self._offers:
                return
            # claimed before the early walk, which starts others
            for i in range(len(self.indexes)):
                self._offers[(name, i)] = None
            self._depth[name] = 0 if parent is None else \
                self._depth.get(parent, 0) + 1
        if self.early:
            self._ahead_cached(name, spec)
        with self._lock:
            for i in range(len(self.indexes)):
                future = self.pool.submit(self._offer, i, name,
                                          priority=self._priority(name))
                self._offers[(name, i)] = future
                futures.append(future)
        if self.follow:
            remaining = [len(futures)]
            lock = threading.Lock()

            def arrived(_):
                with lock:
                    remaining[0] -= 1
                    last = remaining[0] == 0
                if last:
                    self._ahead(name, spec)
            for future in futures:
                future.add_done_callback(arrived)

    def _offer(self, i: int, name: str) -> Offer:
        """Fetch ``name`` from index ``i`` and reduce it to its offer, in
        a worker, so only the offer outlives the document; an unchanged
        document (a 304) gives back the offer made early from it."""
        index = self.indexes[i]
        early = self._early.pop((name, i), None)
        project = index.fetch(name, unless=(lambda: early[0]) if early
                              else None)
        if project is None:
            return early[1]
        return offer(project, self.target, i, index.label, self.rank,
                     index.has_apt_data)

    def known(self, name: str) -> Known:
        """The offers of ``name`` (waiting for them)."""
        self.start(name)
        if self.progress is not None and name not in self._answered:
            self._answered.add(name)
            with self._lock:
                asked = len({n for n, _ in self._offers})
            self.progress(len(self._answered), asked)
        known = Known()
        for i in range(len(self.indexes)):
            while True:
                with self._lock:
                    future = self._offers[(name, i)]
                if future is not None:
                    break
                time.sleep(0.001)  # another thread is starting it
            try:
                known.offers.append(future.result())
            except NotFound as exc:
                known.missing[i] = str(exc)
            except (FetchError, InputError) as exc:
                known.failures[i] = str(exc)
                if os.environ.get("DEBUG"):
                    traceback.print_exception(type(exc), exc,
                                              exc.__traceback__)
        return known

    def _done(self, name: str) -> Optional[List[Offer]]:
        """The offers of ``name`` if all have arrived without error."""
        with self._lock:
            futures = [self._offers.get((name, i))
                       for i in range(len(self.indexes))]
        if not all(f is not None and f.done() for f in futures):
            return None
        offers = []
        for f in futures:
            if not f.cancelled() and f.exception() is None:
                offers.append(f.result())
        return offers

    def _ahead(self, name: str, spec: SpecifierSet) -> None:
        """Fetch the metadata of the likely pick of ``name`` (in the
        thread that brought its offers)."""
        offers = self._done(name)
        if not offers:
            return
        cands = ranked(offers, spec, name, self.pre, self.formats)
        if cands:
            self.start_metadata(name, cands[0], offers)

    def _ahead_cached(self, name: str, spec: SpecifierSet) -> None:
        """Start the fetches the cached documents of ``name`` lead to."""
        offers = []
        for i, index in enumerate(self.indexes):
            cached = index.cached(name)
            if cached is not None:
                made = offer(cached[1], self.target, i, index.label,
                             self.rank, index.has_apt_data)
                self._early[(name, i)] = (cached[0], made)
                del cached  # only the offer is kept
                offers.append(made)
        cands = ranked(offers, spec, name, self.pre, self.formats)
        if not cands:
            return
        f = cands[0].file
        meta = None
        if f.has_metadata:
            index = next((ix for ix in self.indexes if ix.url == f.index),
                         None)
            cached = index.cached_metadata(f) if index else None
            meta = cached[1] if cached else None
        elif f.pip_dependencies is not None:
            meta = Metadata(f.pip_dependencies, None, "piwheels")
        if meta is not None:
            for req in dependencies(meta, self.target, frozenset())[0]:
                self.start(req.name, req.specifier, name)

    # metadata -------------------------------------------------------------

    def start_metadata(self, name: str, cand: Candidate,
                       offers: Sequence[Offer]):
        key = (name, cand.version)
        with self._lock:
            if self.closed or key in self._meta:
                return self._meta.get(key)
            future = self.pool.submit(self._metadata, name, cand,
                                      list(offers),
                                      priority=self._priority(name, True))
            self._meta[key] = future
        if self.follow:
            future.add_done_callback(lambda f: self._follow(name, f))
        return future

    def _follow(self, name: str, future) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        meta, _ = future.result()
        if meta is None:
            return
        for req in dependencies(meta, self.target, frozenset())[0]:
            self.start(req.name, req.specifier, name)

    def metadata(self, name: str, cand: Candidate,
                 offers: Sequence[Offer]) -> Tuple[Optional[Metadata],
                                                   List[str]]:
        """(metadata, notes) of ``cand`` (waiting for it)."""
        future = self.start_metadata(name, cand, offers)
        if future is None:
            return None, []
        return future.result()

    def _metadata(self, name: str, cand: Candidate, offers: List[Offer]):
        """Where pip would read the candidate's dependencies: the file's
        own metadata; for a file without (piwheels'), a wheel of the same
        release on another index; else the index's per-release JSON; else
        piwheels' list of names."""
        notes: List[str] = []
        by_url = {ix.url: ix for ix in self.indexes}
        tries = []
        f = cand.file
        if f.has_metadata and f.index in by_url:
            tries.append((by_url[f.index], "metadata", f))
        for o in offers:
            other = o.metadata_files.get(cand.version)
            if other is not None and other is not f:
                tries.append((self.indexes[o.order], "metadata", other))
        for o in offers:  # an index without that API gives None
            tries.append((self.indexes[o.order], "release", None))
        for index, how, mf in tries:
            try:
                meta = index.metadata(mf) if how == "metadata" else \
                    index.release_metadata(name, str(cand.version))
            except (FetchError, NotFound) as exc:
                notes.append("could not read its metadata: {}".format(exc))
                continue
            if meta is not None:
                return meta, notes
        names = f.pip_dependencies
        if names is None:
            for c in (c for o in offers for c in o.candidates):
                if c.version == cand.version and \
                        c.file.pip_dependencies is not None:
                    names = c.file.pip_dependencies
                    break
        if names is not None:
            if names:
                notes.append("dependencies from piwheels' name list: "
                             "versions and markers unknown")
            return Metadata(tuple(names), None, "piwheels"), notes
        notes.append("{}no index offers its metadata: its dependencies are "
                     "unknown and were not checked".format(
                         "piwheels does not list its dependencies, and "
                         if f.builder_abi is not None else ""))
        return None, notes

    def close(self) -> None:
        """Start nothing more; drop what has not started."""
        with self._lock:
            self.closed = True
            futures = list(self._offers.values()) + list(self._meta.values())
        for future in futures:
            future.cancel()


def dependencies(meta: Metadata, target: Target, extras: FrozenSet[str]
                 ) -> Tuple[List[Req], List[str]]:
    """(requirements, warnings) of ``meta`` for the target: markers
    evaluated with its environment and, for ``extras``, each extra."""
    out: List[Req] = []
    warnings: List[str] = []
    env = dict(target.marker_env)
    if extras and meta.provides_extra is not None:
        # as pip: an extra the metadata does not declare brings nothing
        declared = {canonical_name(e) for e in meta.provides_extra
                    if e.strip()}
        for e in sorted(extras - declared):
            warnings.append("it does not provide the extra {!r}".format(e))
        extras = frozenset(extras & declared)
        if not extras:
            return out, warnings
    for text in meta.requires_dist:
        try:
            parsed = Pep508(text)
        except (InvalidRequirement, InvalidSpecifier, InvalidMarker) as exc:
            warnings.append(
                "piwheels lists an invalid dependency name {!r}; ignored"
                .format(text) if meta.source == "piwheels" else
                "invalid dependency {!r} in its metadata: {}; ignored"
                .format(text, str(exc).splitlines()[0]))
            continue
        if parsed.url:
            warnings.append("dependency {!r} is a direct URL: not "
                            "checked".format(text))
            continue
        if parsed.marker is not None:
            try:
                wanted = any(parsed.marker.evaluate(dict(env, extra=e))
                             for e in (sorted(extras) or [""]))
            except (UndefinedComparison, UndefinedEnvironmentName) as exc:
                warnings.append("cannot evaluate the marker of {!r}: {}"
                                .format(text, exc))
                continue
            if not wanted:
                continue
        try:
            name = canonical_name(parsed.name)
        except InputError:
            warnings.append("invalid dependency name {!r}".format(
                parsed.name))
            continue
        spec = str(parsed.specifier)
        shown = name + ("[{}]".format(",".join(sorted(parsed.extras)))
                        if parsed.extras else "") + spec
        out.append(Req(name, frozenset(canonical_name(e)
                                       for e in parsed.extras),
                       parsed.specifier, shown))
    return out, warnings


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
        #: name -> warnings about its metadata
        self.notes: Dict[Tuple[str, Optional[Version]], List[str]] = {}

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
        return (not pinned, name)

    def find_matches(self, *args, **kwargs):
        if "identifier" in kwargs:
            key = kwargs["identifier"]
            reqs = list(kwargs["requirements"][key])
            bad = {c.version for c in kwargs["incompatibilities"][key]}
        else:
            reqs = list(args[0])
            bad = set()
        name, extras = reqs[0].name, reqs[0].extras
        if name in self.settled:
            return [Pick(name, extras, None, missing=True)]
        known = self.fetcher.known(name)
        if not ranked(known.offers, SpecifierSet(), name, True,
                      self.formats):
            # nothing at all for the target: settled, not resolved
            return [Pick(name, extras, None, missing=True)]
        spec = SpecifierSet()
        for r in reqs:
            spec &= r.specifier
        spec &= self.constraints.get(name, SpecifierSet())
        picks = []
        seen = set()
        for c in ranked(known.offers, spec, name, self.pre, self.formats):
            if c.version in seen or c.version in bad:
                continue
            seen.add(c.version)
            picks.append(Pick(name, extras, c.version, c))
        if picks:
            self.fetcher.start_metadata(name, picks[0].candidate,
                                        known.offers)
        return picks

    def is_satisfied_by(self, requirement, candidate):
        if candidate.missing:
            return True
        c = candidate.candidate
        return spec_contains(requirement.specifier, c.text or
                             str(candidate.version))

    def get_dependencies(self, candidate):
        if candidate.missing or not self.deps:
            return []
        base = []
        if candidate.extras:
            base.append(Req(candidate.name, frozenset(), SpecifierSet(
                "=={}".format(candidate.version)),
                "{}=={}".format(candidate.name, candidate.version)))
        known = self.fetcher.known(candidate.name)
        meta, notes = self.fetcher.metadata(candidate.name,
                                            candidate.candidate,
                                            known.offers)
        key = (candidate.name, candidate.version)
        self.notes.setdefault(key, list(notes))
        if meta is None:
            return base
        reqs, warnings = dependencies(meta, self.target, candidate.extras)
        for w in warnings:
            if w not in self.notes[key]:
                self.notes[key].append(w)
        if candidate.extras:
            # an extras candidate adds what only its extras bring
            plain = {r.text for r in dependencies(meta, self.target,
                                                  frozenset())[0]}
            reqs = [r for r in reqs if r.text not in plain]
        for r in reqs:
            self.fetcher.start(r.name, r.specifier, candidate.name)
        return base + [r for r in reqs if r.name != candidate.name
                       or r.extras]


def _provider_class():
    from resolvelib import AbstractProvider

    return type("Provider", (_Provider, AbstractProvider), {})


@dataclass
class Outcome:
    """What the resolution found."""

    #: name -> the pick (None for a settled name)
    picks: Dict[str, Pick]
    #: name -> [(requirement, parent pick or None)]
    why: Dict[str, List[Tuple[Req, Optional[Pick]]]]
    #: name -> (status value, reason) for names settled without a pick
    settled: Dict[str, Tuple[str, str]]
    notes: Dict[Tuple[str, Optional[Version]], List[str]]


def resolve(fetcher: Fetcher, roots: Sequence[Req], target: Target,
            pre: bool, formats: Formats,
            constraints: Dict[str, SpecifierSet], deps: bool,
            why_none) -> Outcome:
    """Resolve ``roots`` as pip would.  Where pip would stop (no
    matching file, a conflict), the names involved are settled with
    their status and the rest is resolved again, so every package is
    reported.  ``why_none(name, spec)`` says why nothing matches."""
    from resolvelib import (BaseReporter, ResolutionImpossible,
                            ResolutionTooDeep, Resolver)

    settled: Dict[str, Tuple[str, str]] = {}
    provider = _provider_class()(fetcher, target, pre, formats, constraints,
                                 deps, settled)
    for root in roots:
        fetcher.start(root.name, root.specifier)
    for _ in range(len(roots) + 50):
        live = [r for r in roots if r.name not in settled]
        try:
            result = Resolver(provider, BaseReporter()).resolve(
                live, max_rounds=MAX_ROUNDS)
        except ResolutionImpossible as exc:
            _settle(exc.causes, settled, provider, why_none)
            continue
        except ResolutionTooDeep:
            for r in live:
                settled[r.name] = ("error", "pip's resolver would need more "
                                   "than {} rounds for this tree".format(
                                       MAX_ROUNDS))
            return Outcome({}, {}, settled, provider.notes)
        break
    else:
        raise InputError("the resolution did not settle")
    picks: Dict[str, Pick] = {}
    why: Dict[str, List[Tuple[Req, Optional[Pick]]]] = {}
    for key, pick in result.mapping.items():
        if not pick.extras and not pick.missing:
            picks[pick.name] = pick
    for key, criterion in result.criteria.items():
        name = key.split("[")[0]
        for info in criterion.information:
            if info.parent is not None and info.parent.name == name:
                continue  # an extras candidate's pin of its base
            why.setdefault(name, []).append((info.requirement, info.parent))
    return Outcome(picks, why, settled, provider.notes)


def _settle(causes, settled, provider, why_none) -> None:
    """Settle the names a ResolutionImpossible names: no-match where a
    requirement alone has no file, else a conflict."""
    by_name: Dict[str, list] = {}
    for info in causes:
        by_name.setdefault(info.requirement.name, []).append(info)
    for name, infos in by_name.items():
        known = provider.fetcher.known(name)
        alone = [i for i in infos if ranked(
            known.offers, i.requirement.specifier
            & provider.constraints.get(name, SpecifierSet()), name,
            provider.pre, provider.formats)]
        spec = SpecifierSet()
        for i in infos:
            spec &= i.requirement.specifier
        if not alone:
            settled[name] = ("no-match", why_none(name, spec))
            continue
        parts = ["{} ({})".format(
            i.requirement.text, "{} {}".format(i.parent.name,
                                               i.parent.version)
            if i.parent is not None else i.requirement.source)
            for i in infos]
        settled[name] = ("conflict", "pip cannot satisfy all of: " +
                         "; ".join(parts))
    if not by_name:
        raise InputError("pip's resolver found no way, and said no cause")
