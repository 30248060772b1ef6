# SPDX-License-Identifier: BSD-3-Clause
"""The check itself, orchestration only: requirements in, a report out.
Each project is fetched from every index at once; each answer is reduced
to an offer in the worker that fetched it; when all indexes have
answered, select chooses, dependencies are followed, and finally the apt
stage runs once for everything."""

import os
import traceback
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.specifiers import SpecifierSet

from . import apt
from .errors import FetchError, InputError, NotFound
from .model import PackageResult, Report, Status
from .names import canonical_name
from .requirements import Requirement
from .select import Formats, Offer, Selection, choose, offer
from .target import Target


@dataclass
class _Entry:
    name: str
    requirements: List[Requirement] = field(default_factory=list)
    required_by: List[str] = field(default_factory=list)
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    constrained_by: List[str] = field(default_factory=list)
    #: index position -> its offer (None: the index does not list it)
    offers: Dict[int, Optional[Offer]] = field(default_factory=dict)
    #: index position -> why it could not be read
    failures: Dict[int, str] = field(default_factory=dict)
    #: index position -> its word that it has no such project
    missing: Dict[int, str] = field(default_factory=dict)
    selection: Optional[Selection] = None
    status: Optional[Status] = None
    reason: Optional[str] = None
    warnings: List[str] = field(default_factory=list)


def _applies(req: Requirement, target: Target) -> bool:
    if req.marker is None:
        return True
    env = dict(target.marker_env)
    env["extra"] = ""
    try:
        return req.marker.evaluate(env)
    except (UndefinedComparison, UndefinedEnvironmentName) as exc:
        raise InputError("{}: cannot evaluate marker of {!r}: {}".format(
            req.source, req.text, exc))


def _constrain(entry: _Entry, constraints: Sequence[Requirement],
               target: Target) -> None:
    for c in constraints:
        if c.name == entry.name and c.status is None and _applies(c, target):
            entry.specifier &= c.specifier
            entry.constrained_by.append(c.source)


def _gather(requirements: Sequence[Requirement],
            constraints: Sequence[Requirement],
            target: Target) -> Dict[str, _Entry]:
    entries: Dict[str, _Entry] = {}
    for req in requirements:
        entry = entries.setdefault(req.name, _Entry(req.name))
        entry.requirements.append(req)
    for entry in entries.values():
        live = [r for r in entry.requirements if _applies(r, target)]
        unsupported = [r for r in live if r.status == Status.UNSUPPORTED]
        if unsupported:
            entry.status = Status.UNSUPPORTED
            entry.reason = unsupported[0].reason
        elif not live:
            entry.status = Status.SKIPPED
            entry.reason = "marker is false for this target: {}".format(
                "; ".join(str(r.marker) for r in entry.requirements))
        else:
            for req in live:
                entry.specifier &= req.specifier
                entry.warnings.extend(req.warnings)
            _constrain(entry, constraints, target)
    return entries


def _offer(index, order: int, name: str, target: Target,
           rank) -> Offer:
    """Fetch ``name`` from one index and reduce it to its offer, in a
    worker thread, so only the offer outlives the document."""
    return offer(index.fetch(name), target, order, index.label, rank,
                 index.kind == "piwheels")


class _Fetcher:
    """Starts each (project, index) fetch once, on a pool; with a warm
    cache, also the fetches the cached documents say will be needed
    next, so a tree's levels are revalidated together."""

    def __init__(self, pool, indexes, target: Target, early: bool,
                 constraints: Sequence[Requirement], pre: bool,
                 formats: Formats):
        self.pool = pool
        self.indexes = indexes
        self.target = target
        self.rank = target.tag_rank()
        self.early = early
        self.constraints = constraints
        self.pre = pre
        self.formats = formats
        self.futures: Dict[Tuple[str, int], object] = {}
        #: names whose cached documents were already followed
        self.followed: set = set()

    def start(self, name: str) -> List[object]:
        """The futures of ``name``'s fetches, one per index."""
        futures = [self._submit(name, i) for i in range(len(self.indexes))]
        if self.early:
            self._ahead(name)
        return futures

    def _submit(self, name: str, i: int):
        key = (name, i)
        if key not in self.futures:
            self.futures[key] = self.pool.submit(
                _offer, self.indexes[i], i, name, self.target, self.rank)
        return self.futures[key]

    def _ahead(self, name: str) -> None:
        if name in self.followed:
            return
        todo = [name]
        self.followed.add(name)
        while todo:
            current = todo.pop()
            offers = []
            for i, index in enumerate(self.indexes):
                cached = index.cached(current)
                if cached is not None:
                    offers.append(offer(cached[1], self.target, i,
                                        index.label, self.rank,
                                        index.kind == "piwheels"))
            if not offers:
                continue
            entry = _Entry(current)  # the specifier its entry will get
            try:
                _constrain(entry, self.constraints, self.target)
            except InputError:
                continue  # said when (if) the check reaches it
            sel = choose(offers, entry.specifier, self.target, current,
                         self.pre, self.formats)
            for dep in _dependency_names(sel)[0]:
                if dep not in self.followed:
                    self.followed.add(dep)
                    for i in range(len(self.indexes)):
                        self._submit(dep, i)
                    todo.append(dep)

    def cancel(self) -> None:
        """Drop fetches nobody needed (a changed tree)."""
        for future in self.futures.values():
            future.cancel()


def check(requirements: Sequence[Requirement], target: Target, indexes,
          pre: bool = False, deps: bool = True, workers: int = 8,
          progress: Optional[Callable[[int, int], None]] = None,
          constraints: Sequence[Requirement] = (),
          formats: Formats = Formats()) -> Report:
    """Check ``requirements`` for ``target`` against ``indexes`` (in
    pip's order: the index URL, then the extra ones); ``constraints``
    narrow versions but add no packages."""
    entries = _gather(requirements, constraints, target)
    roots = list(entries)
    early = deps and any(ix.transport.can_prefetch for ix in indexes)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        fetcher = _Fetcher(pool, indexes, target, early, constraints, pre,
                           formats)
        pending: Dict[object, Tuple[str, int]] = {}

        def start(name: str) -> None:
            for i, future in enumerate(fetcher.start(name)):
                pending[future] = (name, i)

        for name, e in entries.items():
            if e.status is None:
                start(name)
        done = 0
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                name, i = pending.pop(future)
                entry = entries[name]
                _record(entry, i, future)
                if len(entry.offers) + len(entry.failures) < len(indexes):
                    continue
                done += 1
                for dep in _settle(entry, target, pre, formats, deps,
                                   indexes):
                    if dep in entries:
                        if entry.name not in entries[dep].required_by:
                            entries[dep].required_by.append(entry.name)
                        continue
                    entries[dep] = _Entry(dep, required_by=[entry.name])
                    _constrain(entries[dep], constraints, target)
                    start(dep)
            if progress:
                known = len({n for n, _ in pending.values()})
                progress(done, done + known)
        fetcher.cancel()
    order = roots + sorted(n for n in entries if n not in roots)
    return _finish([entries[n] for n in order], target, indexes)


def _record(entry: _Entry, i: int, future) -> None:
    try:
        entry.offers[i] = future.result()
    except NotFound as exc:
        entry.offers[i] = None
        entry.missing[i] = str(exc)
    except (FetchError, InputError) as exc:
        entry.failures[i] = str(exc)
        if os.environ.get("DEBUG"):
            traceback.print_exception(type(exc), exc, exc.__traceback__)


def _dependency_names(sel: Selection) -> Tuple[List[str], List[str]]:
    """(canonical dependency names, invalid names) of the chosen file."""
    names, bad = [], []
    f = sel.file
    for dep in (f.pip_dependencies or ()) if f else ():
        try:
            names.append(canonical_name(dep))
        except InputError:
            bad.append(dep)
    return list(dict.fromkeys(names)), bad


def _settle(entry: _Entry, target: Target, pre: bool, formats: Formats,
            deps: bool, indexes) -> List[str]:
    """Choose for an entry whose indexes have all answered; return the
    dependencies to follow."""
    failed = ["{}: {}".format(indexes[i].label, why)
              for i, why in sorted(entry.failures.items())]
    offers = [o for _, o in sorted(entry.offers.items()) if o is not None]
    if not offers:
        if failed:
            entry.status = Status.ERROR
            entry.reason = "; ".join(
                why for _, why in sorted(entry.failures.items())) \
                if len(indexes) == 1 else "; ".join(failed)
        else:
            entry.status = Status.NOT_FOUND
            entry.reason = "; ".join(
                why for _, why in sorted(entry.missing.items()))
        return []
    for line in failed:
        entry.warnings.append("could not read " + line +
                              "; the choice is pip's among the others")
    sel = choose(offers, entry.specifier, target, entry.name, pre, formats)
    entry.selection = sel
    if failed:
        entry.status = Status.ERROR
        entry.reason = "; ".join(failed)
    if not deps or sel.file is None or not sel.file.is_wheel:
        return []  # an sdist's dependencies are known once it is built
    if sel.file.pip_dependencies is None:
        entry.warnings.append(
            "{} does not list its dependencies: they are unknown and "
            "were not checked".format(_index_label(indexes, sel.file)))
    names, bad = _dependency_names(sel)
    for dep in bad:
        entry.warnings.append(
            "piwheels lists an invalid dependency name {!r}; "
            "ignored".format(dep))
    return [d for d in names if d != entry.name]


def _index_label(indexes, f) -> str:
    for ix in indexes:
        if ix.url == f.index:
            return ix.label
    return f.index


def _finish(entries: List[_Entry], target: Target, indexes) -> Report:
    stage = apt.stage([e.selection.file if e.selection else None
                       for e in entries], target)
    results = [_result(e, stage) for e in entries]
    notes = target.notes()
    if not any(ix.kind == "piwheels" for ix in indexes):
        notes.append("this pip does not use piwheels: no apt packages are "
                     "known for its wheels")
    return Report(
        target=target, indexes=tuple((ix.label, ix.url) for ix in indexes),
        packages=tuple(results), notes=tuple(notes),
        apt_install=stage.install, apt_command=stage.command)


def _result(e: _Entry, stage: "apt.Stage") -> PackageResult:
    common = dict(
        requirement=", ".join(r.text for r in e.requirements) or e.name,
        name=e.name,
        source=tuple(r.source for r in e.requirements) + tuple(
            "constraint " + c for c in e.constrained_by),
        required_by=tuple(sorted(e.required_by)))
    sel = e.selection
    if sel is None:
        return PackageResult(status=e.status, reason=e.reason,
                             warnings=tuple(e.warnings), **common)
    warnings = list(sel.warnings) + e.warnings
    if sel.file is None or not sel.file.is_wheel:
        return PackageResult(
            status=e.status or (Status.NO_WHEEL if sel.file
                                else Status.NO_MATCH), version=sel.version,
            file=sel.file, reason=e.reason or sel.reason,
            warnings=tuple(warnings),
            fallback_version=sel.fallback_version,
            fallback_file=sel.fallback_file, **common)
    apt_deps, apt_warnings, apt_note = stage.for_file(sel.file)
    warnings.extend(apt_warnings)
    missing = any(d.installed is False for d in apt_deps)
    status = e.status or (Status.MISSING_APT if missing else Status.OK)
    return PackageResult(
        status=status, version=sel.version, file=sel.file,
        apt_dependencies=apt_deps, apt_note=apt_note,
        pip_dependencies=sel.file.pip_dependencies,
        warnings=tuple(warnings), reason=e.reason, **common)
