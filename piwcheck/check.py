# SPDX-License-Identifier: BSD-3-Clause
"""The check itself: requirements in, a report out.  Fetches concurrently,
follows pip dependencies, then asks dpkg and apt once for everything."""

import os
import traceback
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.specifiers import SpecifierSet

from . import apt
from .errors import (EXIT_ACTION, EXIT_OK, EXIT_UNREACHABLE, FetchError,
                     InputError, NotFound)
from .model import AptDependency, PackageResult, Report, Status
from .names import canonical_name
from .requirements import Requirement
from .select import Selection, builder_release, select
from .target import Target

@dataclass
class _Entry:
    name: str
    requirements: List[Requirement] = field(default_factory=list)
    required_by: List[str] = field(default_factory=list)
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    constrained_by: List[str] = field(default_factory=list)
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


def check(requirements: Sequence[Requirement], target: Target, index,
          pre: bool = False, deps: bool = True, workers: int = 8,
          progress: Optional[Callable[[int, int], None]] = None,
          constraints: Sequence[Requirement] = ()) -> Report:
    """Check ``requirements`` for ``target`` against ``index``;
    ``constraints`` narrow versions but add no packages."""
    entries = _gather(requirements, constraints, target)
    roots = list(entries)
    early = _Early(index, target, pre, constraints) \
        if deps and index.transport.can_prefetch else None
    with ThreadPoolExecutor(max(1, workers)) as pool:
        def start(name: str):
            return pool.submit(_selection, index, name,
                               entries[name].specifier, target, pre, early)
        pending = {start(name): name
                   for name, e in entries.items() if e.status is None}
        if early:
            for name in list(pending.values()):
                early.follow(pool, name, entries[name].specifier, entries)
        done_count = 0
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                entry = entries[pending.pop(future)]
                done_count += 1
                for dep in _settle(entry, future, deps):
                    if dep in entries:
                        if entry.name not in entries[dep].required_by:
                            entries[dep].required_by.append(entry.name)
                        continue
                    entries[dep] = _Entry(dep, required_by=[entry.name])
                    _constrain(entries[dep], constraints, target)
                    started = early and early.take(
                        dep, entries[dep].specifier)
                    pending[started or start(dep)] = dep
            if progress:
                progress(done_count, done_count + len(pending))
        if early:
            early.cancel()
    order = roots + sorted(n for n in entries if n not in roots)
    return _finish([entries[n] for n in order], target, index.site)


def _selection(index, name: str, spec: SpecifierSet, target: Target,
               pre: bool, early: Optional["_Early"]) -> Selection:
    """Fetch ``name`` and select from it, in a worker thread, so only the
    selection outlives the document.  When the document is the one the
    cache had, the selection made from that early is kept."""
    kept: List[Selection] = []

    def unless() -> Optional[bytes]:
        known = early.known.get(name)
        if known is None or known[1] != spec:
            return None
        kept.append(known[2])
        return known[0]

    project = index.fetch(name, unless=unless if early else None)
    if project is None:
        return kept[-1]
    return select(project, spec, target, pre)


def _dependencies(sel: Selection) -> Tuple[str, ...]:
    return (sel.file.pip_dependencies or ()) if sel.file else ()


class _Early:
    """Work done early on the word of cached documents: with a warm
    cache, a project's dependencies are known before its revalidation
    comes back, so their requests need not wait for it, and a document
    that turns out unchanged is not read again.  The check uses only the
    fetches the fresh documents lead to."""

    def __init__(self, index, target: Target, pre: bool,
                 constraints: Sequence[Requirement]):
        self.index = index
        self.target = target
        self.pre = pre
        self.constraints = constraints
        #: name -> (digest of the cached document, specifier, selection)
        self.known: Dict[str, Tuple[bytes, SpecifierSet, Selection]] = {}
        #: name -> (specifier, future) of fetches started early
        self.started: Dict[str, Tuple[SpecifierSet, object]] = {}

    def follow(self, pool, name: str, spec: SpecifierSet,
               entries: Dict[str, _Entry]) -> None:
        """Select from the cached ``name``; start fetching what it
        depends on, and onwards."""
        todo = [(name, spec)]
        while todo:
            name, spec = todo.pop()
            cached = self.index.cached(name)
            if cached is None:
                continue
            sel = select(cached[1], spec, self.target, self.pre)
            self.known[name] = (cached[0], spec, sel)
            del cached  # only the selection is kept
            for dep in _dependencies(sel):
                try:
                    dep = canonical_name(dep)
                except InputError:
                    continue
                if dep in entries or dep in self.started:
                    continue
                entry = _Entry(dep)  # the specifier its entry will get
                try:
                    _constrain(entry, self.constraints, self.target)
                except InputError:
                    continue  # said when (if) the check reaches it
                self.started[dep] = (entry.specifier, pool.submit(
                    _selection, self.index, dep, entry.specifier,
                    self.target, self.pre, self))
                todo.append((dep, entry.specifier))

    def take(self, name: str, spec: SpecifierSet):
        """The fetch of ``name`` started early for ``spec``, or None."""
        started = self.started.pop(name, None)
        if started is None or started[0] != spec:
            return None
        return started[1]

    def cancel(self) -> None:
        """Drop what the check did not need (a changed document)."""
        for _, future in self.started.values():
            future.cancel()


def _settle(entry: _Entry, future, deps: bool) -> List[str]:
    """Record a fetched project's selection; return dependencies to
    follow."""
    try:
        sel = future.result()
    except NotFound as exc:
        entry.status, entry.reason = Status.NOT_FOUND, str(exc)
        return []
    except (FetchError, InputError) as exc:
        entry.status, entry.reason = Status.ERROR, str(exc)
        if os.environ.get("DEBUG"):
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        return []
    entry.selection = sel
    if deps and sel.file and sel.file.pip_dependencies is None:
        entry.warnings.append("piwheels does not list its dependencies: "
                              "they are unknown and were not checked")
    follow = []
    for dep in _dependencies(sel) if deps else ():
        try:
            follow.append(canonical_name(dep))
        except InputError:
            entry.warnings.append(
                "piwheels lists an invalid dependency name {!r}; "
                "ignored".format(dep))
    return [d for d in dict.fromkeys(follow) if d != entry.name]


def _finish(entries: List[_Entry], target: Target,
            index_url: str) -> Report:
    names: List[str] = []
    for e in entries:
        if e.selection and e.selection.file:
            names.extend(n for n in e.selection.file.apt_dependencies
                         if apt.valid_name(n))
    names = list(dict.fromkeys(names))
    installed = known = None
    if target.local and names:
        installed = apt.installed(names, target.dpkg_arch)
        if installed is not None:
            missing = [n for n in names if not installed[n]]
            known = apt.known(missing, target.dpkg_arch) if missing else {}
    results = []
    to_install: List[str] = []
    for e in entries:
        result = _result(e, installed, known, target.abi)
        results.append(result)
        to_install.extend(
            d.name for d in result.apt_dependencies
            if d.installed is not True and d.known_to_apt is not False)
    to_install = list(dict.fromkeys(to_install))
    return Report(
        target=target, index_url=index_url, packages=tuple(results),
        notes=tuple(target.notes()), apt_install=tuple(to_install),
        apt_command=apt.install_command(to_install))


def _result(e: _Entry, installed: Optional[Dict[str, bool]],
            known: Optional[Dict[str, bool]],
            target_abi: str) -> PackageResult:
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
    version = sel.release.version if sel.release else None
    if sel.file is None:
        return PackageResult(
            status=Status.NO_WHEEL, version=version, reason=sel.reason,
            warnings=tuple(warnings),
            fallback_version=sel.fallback.version if sel.fallback else None,
            fallback_file=sel.fallback_file, **common)
    deps = []
    for name in sel.file.apt_dependencies:
        if not apt.valid_name(name):
            warnings.append("piwheels lists an invalid apt package name "
                            "{!r}; ignored".format(name))
            continue
        is_installed = installed.get(name) if installed is not None else None
        is_known = True if is_installed else (
            known.get(name) if known is not None else None)
        deps.append(AptDependency(name, is_installed, is_known))
        if is_known is False:
            warnings.append(
                "apt here does not know {}: {}".format(
                    name, "are its package lists up to date (sudo apt "
                    "update)?" if sel.file.builder_abi == target_abi else
                    "the wheel's apt names come from " +
                    builder_release(sel.file.builder_abi)))
    missing = any(d.installed is False for d in deps)
    return PackageResult(
        status=Status.MISSING_APT if missing else Status.OK, version=version,
        file=sel.file, apt_dependencies=tuple(deps),
        pip_dependencies=sel.file.pip_dependencies,
        warnings=tuple(warnings), **common)
