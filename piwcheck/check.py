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
from .piwheels import WheelFile, canonical_name
from .requirements import Requirement
from .select import Selection, builder_release, select
from .target import Target

#: Statuses that mean the user has something to do.
ACTION_STATUSES = ("missing-apt", "no-wheel", "not-found")
STATUSES = ("ok",) + ACTION_STATUSES + ("error", "skipped", "unsupported")


@dataclass(frozen=True)
class AptDependency:
    """An apt package a wheel needs; None where it was not checked."""

    name: str
    installed: Optional[bool]
    known_to_apt: Optional[bool]


@dataclass(frozen=True)
class PackageResult:
    """The outcome for one project."""

    requirement: str
    name: str
    status: str
    version: Optional[str] = None
    file: Optional[WheelFile] = None
    apt_dependencies: Tuple[AptDependency, ...] = ()
    #: None when piwheels does not say.
    pip_dependencies: Optional[Tuple[str, ...]] = ()
    warnings: Tuple[str, ...] = ()
    reason: Optional[str] = None
    source: Tuple[str, ...] = ()
    required_by: Tuple[str, ...] = ()
    fallback_version: Optional[str] = None
    fallback_file: Optional[WheelFile] = None


@dataclass(frozen=True)
class Report:
    """Everything the renderers show."""

    target: Target
    index_url: str
    packages: Tuple[PackageResult, ...]
    notes: Tuple[str, ...]
    apt_install: Tuple[str, ...]
    apt_command: Optional[str]

    def counts(self) -> Dict[str, int]:
        """How many packages have each status."""
        counts = {status: 0 for status in STATUSES}
        for pkg in self.packages:
            counts[pkg.status] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """3 if any package failed, else 1 if any needs action, else 0."""
        statuses = {p.status for p in self.packages}
        if "error" in statuses:
            return EXIT_UNREACHABLE
        if statuses & set(ACTION_STATUSES):
            return EXIT_ACTION
        return EXIT_OK


@dataclass
class _Entry:
    name: str
    requirements: List[Requirement] = field(default_factory=list)
    required_by: List[str] = field(default_factory=list)
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    constrained_by: List[str] = field(default_factory=list)
    selection: Optional[Selection] = None
    status: Optional[str] = None
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
        unsupported = [r for r in live if r.status == "unsupported"]
        if unsupported:
            entry.status, entry.reason = "unsupported", unsupported[0].reason
        elif not live:
            entry.status = "skipped"
            entry.reason = "marker is false for this target: {}".format(
                "; ".join(str(r.marker) for r in entry.requirements))
        else:
            for req in live:
                entry.specifier &= req.specifier
                entry.warnings.extend(req.warnings)
            _constrain(entry, constraints, target)
    return entries


def check(requirements: Sequence[Requirement], target: Target, client,
          pre: bool = False, deps: bool = True, workers: int = 8,
          progress: Optional[Callable[[int, int], None]] = None,
          constraints: Sequence[Requirement] = ()) -> Report:
    """Check ``requirements`` for ``target`` against ``client``'s index;
    ``constraints`` narrow versions but add no packages."""
    entries = _gather(requirements, constraints, target)
    roots = list(entries)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        pending = {pool.submit(client.fetch, name): name
                   for name, e in entries.items() if e.status is None}
        early = _Prefetch(pool, client, target, pre, constraints) \
            if deps and getattr(client, "can_prefetch", False) else None
        if early:
            for name in list(pending.values()):
                early.follow(name, entries[name].specifier, entries)
        done_count = 0
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                entry = entries[pending.pop(future)]
                done_count += 1
                for dep in _settle(entry, future, target, pre, deps):
                    if dep in entries:
                        if entry.name not in entries[dep].required_by:
                            entries[dep].required_by.append(entry.name)
                        continue
                    entries[dep] = _Entry(dep, required_by=[entry.name])
                    _constrain(entries[dep], constraints, target)
                    started = early.take(dep) if early else None
                    pending[started or pool.submit(client.fetch, dep)] = dep
            if progress:
                progress(done_count, done_count + len(pending))
        if early:
            early.cancel()
    order = roots + sorted(n for n in entries if n not in roots)
    return _finish([entries[n] for n in order], target, client.index_url)


class _Prefetch:
    """Fetches started early, on the word of cached documents: with a
    warm cache, the dependencies of a project are known before its own
    revalidation comes back, so their requests need not wait for it.
    The check uses only the fetches the fresh documents lead to."""

    def __init__(self, pool, client, target: Target, pre: bool,
                 constraints: Sequence[Requirement]):
        self.pool = pool
        self.client = client
        self.target = target
        self.pre = pre
        self.constraints = constraints
        self.started: Dict[str, object] = {}

    def follow(self, name: str, specifier: SpecifierSet,
               entries: Dict[str, _Entry]) -> None:
        """Start fetching what the cached ``name`` depends on, and
        onwards."""
        todo = [(name, specifier)]
        while todo:
            name, specifier = todo.pop()
            project = self.client.cached(name)
            if project is None:
                continue
            sel = select(project, specifier, self.target, self.pre)
            for dep in (sel.file.pip_dependencies or ()) if sel.file else ():
                try:
                    dep = canonical_name(dep)
                except InputError:
                    continue
                if dep in entries or dep in self.started:
                    continue
                self.started[dep] = self.pool.submit(self.client.fetch, dep)
                spec = SpecifierSet()
                for c in self.constraints:
                    if c.name == dep and c.status is None:
                        spec &= c.specifier
                todo.append((dep, spec))

    def take(self, name: str):
        """The fetch of ``name`` started early, or None."""
        return self.started.pop(name, None)

    def cancel(self) -> None:
        """Drop what the check did not need (a changed document)."""
        for future in self.started.values():
            future.cancel()


def _settle(entry: _Entry, future, target: Target, pre: bool,
            deps: bool) -> List[str]:
    """Record a fetched project's selection; return dependencies to
    follow."""
    try:
        project = future.result()
    except NotFound as exc:
        entry.status, entry.reason = "not-found", str(exc)
        return []
    except (FetchError, InputError) as exc:
        entry.status, entry.reason = "error", str(exc)
        if os.environ.get("DEBUG"):
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        return []
    sel = select(project, entry.specifier, target, pre)
    entry.selection = sel
    if deps and sel.file and sel.file.pip_dependencies is None:
        entry.warnings.append("piwheels does not list its dependencies: "
                              "they are unknown and were not checked")
    if not (deps and sel.file and sel.file.pip_dependencies):
        return []
    follow = []
    for dep in sel.file.pip_dependencies:
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
            status="no-wheel", version=version, reason=sel.reason,
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
        status="missing-apt" if missing else "ok", version=version,
        file=sel.file, apt_dependencies=tuple(deps),
        pip_dependencies=sel.file.pip_dependencies,
        warnings=tuple(warnings), **common)
