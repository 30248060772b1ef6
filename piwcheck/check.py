# SPDX-License-Identifier: BSD-3-Clause
"""The check itself, orchestration only: requirements in, a report out.
The requirements' markers are settled here; resolve decides the versions
(fetching from every index as it goes), select describes each pick, and
the apt stage runs once for everything."""

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.specifiers import SpecifierSet

from . import apt
from .errors import InputError
from .inputs import Inputs, Requirement
from .resolve import Fetcher, Req, resolve
from .resolve.pool import Pool
from .results import DistributionResult, PackageResult, Report, Status
from .select import Formats, Selection, choose, describe, ranked
from .target import Target


@dataclass
class _Entry:
    name: str
    requirements: List[Requirement] = field(default_factory=list)
    #: (parent name, parent version, requirement as written)
    required_by: List[Tuple[str, str, str]] = field(default_factory=list)
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    constrained_by: List[str] = field(default_factory=list)
    selection: Optional[Selection] = None
    status: Optional[Status] = None
    reason: Optional[str] = None
    warnings: List[str] = field(default_factory=list)
    #: --deep: the chosen wheel's compiled files, read
    deep: Optional[DistributionResult] = None


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
        if c.name == entry.name and c.reason is None and \
                _applies(c, target):
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
        # a requirement no index is asked about: its reason says why
        unsupported = [r for r in live if r.reason is not None]
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


@dataclass(frozen=True)
class CheckOptions:
    """How to check, beyond what and for whom: pip's choices (``pre``,
    ``formats``), whether to follow dependencies (``deps``), how many
    documents to fetch at once per index (``workers``), ``deep`` (download
    each chosen wheel, kept in ``cache_dir``, and read its compiled
    files), and ``downloads`` (each package's downloads, from piwheels'
    statistics)."""

    pre: bool = False
    deps: bool = True
    workers: int = 8
    formats: Formats = Formats()
    deep: bool = False
    cache_dir: Optional[str] = None
    downloads: bool = False


def check(inputs: Inputs, target: Target, indexes,
          options: CheckOptions = CheckOptions(),
          progress: Optional[Callable[[int, int], None]] = None,
          stats=None,
          on_error: Optional[Callable[[Exception], None]] = None) -> Report:
    """Check ``inputs`` for ``target`` against ``indexes`` (in pip's
    order: the index URL, then the extra ones); the constraints narrow
    versions but add no packages.  ``progress(done, known)`` is called as
    projects arrive; ``stats`` (piwheels' statistics) suggest names for
    the projects no index has.  ``on_error(exc)`` is given each
    exception an index's fetch raised, once (the report says what it
    means; the command line shows its traceback under DEBUG=1)."""
    requirements, constraints = inputs.requirements, inputs.constraints
    pre, deps, formats = options.pre, options.deps, options.formats
    entries = _gather(requirements, constraints, target)
    roots = [Req(e.name, frozenset().union(*(r.extras
                                             for r in e.requirements)),
                 e.specifier, ", ".join(r.text for r in e.requirements),
                 "; ".join(dict.fromkeys(r.source for r in e.requirements)))
             for e in entries.values() if e.status is None]
    limits = _constraint_specs(constraints, target)
    # -j is per index: each project is asked of every index
    pool = Pool(max(1, options.workers) * max(1, len(indexes)))
    fetcher = Fetcher(pool, indexes, target, pre, formats, deps, progress,
                      on_error)
    try:
        outcome = resolve(
            fetcher, roots, target, pre, formats, limits, deps,
            lambda name, spec: choose(fetcher.known(name).offers, spec,
                                      target, name, pre, formats).reason)
        names = list(entries) + sorted(
            n for n in set(outcome.picks) | set(outcome.settled)
            | set(outcome.why) if n not in entries)
        results = [_assess(entries.get(n) or _dependency(n, constraints,
                                                         target),
                           outcome, fetcher, target, pre, formats, indexes)
                   for n in names]
        if options.deep:
            _deep(results, pool, indexes, target, options.cache_dir)
    except KeyboardInterrupt:
        # Ctrl-C: start nothing more, end what is under way at once
        fetcher.close()
        for ix in indexes:
            ix.abort()
        pool.shutdown(wait=False)
        raise
    finally:
        fetcher.close()
    pool.shutdown(wait=True)
    if progress:
        progress(len(results), len(results))
    report = _finish(results, target, indexes)
    if stats is not None:
        report = _popularity(report, stats, options.downloads)
    return report


def _popularity(report: Report, stats, downloads: bool) -> Report:
    """Names close to each project no index has, and (``downloads``)
    every package's downloads, from piwheels' statistics."""
    from dataclasses import replace

    packages = [replace(p, suggestions=tuple(stats.suggest(p.name)))
                if p.status is Status.NOT_FOUND else p
                for p in report.packages]
    if downloads:
        counts = stats.downloads([p.name for p in packages])
        packages = [replace(p, downloads=counts.get(p.name))
                    for p in packages]
    return replace(report, packages=tuple(packages))


def _deep(entries: List[_Entry], pool, indexes, target: Target,
          cache_dir: Optional[str]) -> None:
    """Download and read the chosen wheel of every entry that has one,
    on ``pool``."""
    from .libs.deep import Machinery, safe_inspect

    by_url = {ix.url: ix for ix in indexes}
    machinery = None
    jobs = []
    for e in entries:
        f = e.selection.file if e.selection else None
        if e.status is None and f is not None and f.is_wheel and \
                not all(t.platform == "any" for t in f.tags):
            index = by_url.get(f.index) or indexes[0]
            machinery = machinery or Machinery(target)
            jobs.append((e, pool.submit(
                safe_inspect, index, f, target, cache_dir,
                lambda names: apt.known(names, target.dpkg_arch),
                machinery)))
    for e, job in jobs:
        e.deep, why, fatal = job.result()
        if fatal:  # pip would refuse the file too
            e.status, e.reason = Status.ERROR, why
        elif why:
            e.warnings.append(why)


def _dependency(name: str, constraints: Sequence[Requirement],
                target: Target) -> _Entry:
    """The entry of a project only a dependency brought in."""
    entry = _Entry(name)
    _constrain(entry, constraints, target)
    return entry


def _constraint_specs(constraints: Sequence[Requirement],
                      target: Target) -> Dict[str, SpecifierSet]:
    specs: Dict[str, SpecifierSet] = {}
    for c in constraints:
        if c.reason is None and _applies(c, target):
            specs[c.name] = specs.get(c.name, SpecifierSet()) & c.specifier
    return specs


def _assess(entry: _Entry, outcome, fetcher, target: Target, pre: bool,
            formats: Formats, indexes) -> _Entry:
    """Fill ``entry`` from the resolution: its selection, status, what
    brought it in, and warnings."""
    name = entry.name
    for req, parent in outcome.why.get(name, ()):
        if parent is not None:
            entry.required_by.append((parent.name, str(parent.version)
                                      if parent.version else "", req.text))
    if entry.status is not None:
        return entry
    known = fetcher.known(name)
    failed = ["{}: {}".format(indexes[i].label, why)
              for i, why in sorted(known.failures.items())]
    for line in failed:
        entry.warnings.append("could not read " + line +
                              "; the choice is pip's among the others")
    if not known.offers:
        if failed:
            entry.status = Status.ERROR
            entry.reason = "; ".join(
                why for _, why in sorted(known.failures.items())) \
                if len(indexes) == 1 else "; ".join(failed)
        else:
            entry.status = Status.NOT_FOUND
            entry.reason = "; ".join(
                why for _, why in sorted(known.missing.items()))
        return entry
    if name in outcome.settled:
        status, reason = outcome.settled[name]
        entry.status, entry.reason = Status(status), reason
        return entry
    spec = entry.specifier  # the constraints are in it (_constrain)
    for req, _ in outcome.why.get(name, ()):
        spec &= req.specifier
    pick = outcome.picks.get(name)
    if pick is None:
        entry.selection = choose(known.offers, spec, target, name, pre,
                                 formats)
    else:
        entry.selection = describe(
            pick.candidate, ranked(known.offers, spec, name, pre, formats)
            or [pick.candidate], known.offers, target)
        entry.warnings.extend(outcome.notes.get((name, pick.version), ()))
    if failed:
        entry.status = Status.ERROR
        entry.reason = "; ".join(failed)
    return entry


def notes(target: Target, indexes) -> Tuple[str, ...]:
    """Plain statements about what the indexes can offer the target."""
    found = target.notes()
    if not any(ix.has_apt_data for ix in indexes):
        found.append("this pip does not use piwheels: no apt packages are "
                     "known for its wheels")
    return tuple(found)


def _finish(entries: List[_Entry], target: Target, indexes) -> Report:
    stage = apt.stage([e.selection.file if e.selection else None
                       for e in entries], target)
    results = [_result(e, stage) for e in entries]
    install = list(stage.install) + [
        lib.package for p in results if p.deep is not None
        for lib in p.deep.libraries
        if lib.path is None and not lib.unchecked and lib.package
        and lib.known_to_apt is not False and apt.valid_name(lib.package)]
    install = list(dict.fromkeys(install))
    return Report(
        target=target, indexes=tuple((ix.label, ix.url) for ix in indexes),
        packages=tuple(results), notes=notes(target, indexes),
        apt_install=tuple(install), apt_command=apt.install_command(install))


def _result(e: _Entry, stage: "apt.Stage") -> PackageResult:
    common = dict(
        requirement=", ".join(r.text for r in e.requirements) or e.name,
        name=e.name,
        source=tuple(r.source for r in e.requirements) + tuple(
            "constraint " + c for c in e.constrained_by),
        asked=bool(e.requirements),
        required_by=tuple(sorted(dict.fromkeys(
            p for p, _, _ in e.required_by))),
        required_by_detail=tuple(sorted(set(e.required_by))))
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
    if e.deep is not None:
        status, more = _deep_verdict(e.deep, sel.file, status)
        warnings.extend(more)
    return PackageResult(
        status=status, version=sel.version, file=sel.file,
        apt_dependencies=apt_deps, apt_note=apt_note,
        pip_dependencies=sel.file.pip_dependencies,
        warnings=tuple(warnings), reason=e.reason, deep=e.deep, **common)


def _deep_verdict(deep: DistributionResult, f, status: Status):
    """The status once the wheel's files are read, and what they say
    that piwheels' apt list does not."""
    warnings = []
    outside = [lib for lib in deep.libraries if lib.path is None]
    if f.apt_dependencies is not None:
        listed = set(f.apt_dependencies)
        for lib in outside:
            if lib.package and lib.package not in listed:
                warnings.append(
                    "its compiled files need {} ({}{}), which piwheels' "
                    "apt list does not name".format(
                        lib.soname, lib.package,
                        ", by Debian's naming" if lib.guessed else ""))
    if deep.status is Status.WRONG_ARCH:
        return Status.WRONG_ARCH, warnings
    if deep.status in (Status.MISSING_APT, Status.MISSING_LIB) and \
            status in (Status.OK, Status.MISSING_APT):
        return deep.status, warnings
    return status, warnings
