# SPDX-License-Identifier: BSD-3-Clause
"""The check itself, orchestration only: requirements in, a report out.
gather settles the requirements' markers for the target; resolve decides
the versions (fetching from every index as it goes), select describes
each pick, and the apt stage runs once for everything."""

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from packaging.specifiers import SpecifierSet

from . import apt
from .gather import Package, constraint_specs, dependency, gather
from .inputs import Inputs, Requirement
from .resolve import Fetcher, Req, resolve
from .resolve.pool import Pool
from .results import PackageResult, Report, Status
from .select import Formats, choose, describe
from .target import Target


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
    exception an index's fetch raised, and each bug that failed a
    package, once (the report says what it means; the command line
    shows its traceback under DEBUG=1).  A lock is checked as locked
    (locked.py)."""
    if inputs.locks:
        from .locked import check_locked
        return check_locked(inputs.locks[0], target, indexes, on_error)
    packages, roots = gather(inputs.requirements, inputs.constraints,
                              target)
    limits = constraint_specs(inputs.constraints, target)
    # -j is per index: each project is asked of every index
    pool = Pool(max(1, options.workers) * max(1, len(indexes)))
    fetcher = Fetcher(pool, indexes, target, options.pre, options.formats,
                      options.deps, progress, on_error)
    try:
        results = _resolve(packages, roots, limits, inputs.constraints,
                           fetcher)
        note: Tuple[str, ...] = ()
        if options.deep:
            from .libs.deep import read_chosen
            note = read_chosen(results, pool, indexes, target,
                               options.cache_dir)
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
    report = _finish(results, target, indexes, note)
    if on_error is not None:
        for bug in dict.fromkeys(p.bug for p in results if p.bug):
            on_error(bug)
    if stats is not None:
        report = _popularity(report, stats, options.downloads)
    return report


def _resolve(packages: Dict[str, Package], roots: List[Req],
             limits: Dict[str, SpecifierSet],
             constraints: Sequence[Requirement],
             fetcher: Fetcher) -> List[Package]:
    """Resolve ``roots``; every package, the user's first (in their
    order) then those dependencies brought in (by name), filled in."""
    target, pre, formats = fetcher.target, fetcher.pre, fetcher.formats
    outcome = resolve(
        fetcher, roots, target, pre, formats, limits, fetcher.follow,
        lambda name, spec: _none(fetcher, name, spec))
    names = list(packages) + sorted(
        n for n in set(outcome.picks) | set(outcome.settled)
        | set(outcome.why) if n not in packages)
    return [_assess_safely(packages.get(n) or dependency(
        n, constraints, target), outcome, fetcher,
        limits.get(n, SpecifierSet())) for n in names]


def _assess_safely(package: Package, outcome, fetcher: Fetcher,
                   limit: SpecifierSet) -> Package:
    """_assess behind the failure boundary of one package: a bug met in
    fetching, resolving or assessing it fails it, not the run."""
    try:
        _assess(package, outcome, fetcher, limit)
    except Exception as exc:  # the boundary of one package
        fetcher.broke(package.name, exc)
    bug = fetcher.broken(package.name)
    if bug is not None and package.status not in (Status.SKIPPED,
                                                   Status.UNSUPPORTED):
        package.fail(bug)
    return package


def _popularity(report: Report, stats, downloads: bool) -> Report:
    """Names close to each project no index has, and (``downloads``)
    every package's downloads, from piwheels' statistics."""
    from dataclasses import replace

    packages = [replace(p, suggestions=tuple(stats.suggest(p.name)))
                if p.status is Status.NOT_FOUND else
                replace(p, suggestions=tuple(stats.suggest_unknown(p.name)))
                if _uncached(p) else p for p in report.packages]
    if downloads:
        counts = stats.downloads([p.name for p in packages])
        packages = [replace(p, downloads=counts.get(p.name))
                    for p in packages]
    return replace(report, packages=tuple(packages))


def _uncached(p: PackageResult) -> bool:
    """--offline found nothing in the cache for ``p`` on any index: the
    cached statistics may still say what was meant."""
    return p.status is Status.ERROR and p.file is None and bool(
        p.reason) and all(
        part.endswith("not in cache") for part in p.reason.split("; "))


def _assess(package: Package, outcome, fetcher: Fetcher,
            limit: SpecifierSet) -> Package:
    """Fill ``package`` from the resolution: its selection, status, what
    brought it in, and warnings; ``limit`` is its constraints'
    specifier."""
    name = package.name
    why = outcome.why.get(name, ())
    for req, parent in why:
        if parent is not None:
            package.required_by.append((parent.name, str(parent.version)
                                        if parent.version else "",
                                        req.text))
    if package.status is not None or fetcher.broken(name):
        return package
    known = fetcher.known(name)
    package.skipped.extend(
        "{}: {} file{} pip skips too: {} ({})".format(
            o.label, n, "" if n == 1 else "s", why, first)
        for o in known.offers for why, n, first in o.skipped)
    failed = ["{}: {}".format(fetcher.indexes[i].label, why)
              for i, why in sorted(known.failures.items())]
    for line in failed:
        package.warnings.append("could not read " + line +
                                "; the choice is pip's among the others")
    if not known.offers:
        _unavailable(package, known, failed, len(fetcher.indexes))
    elif name in outcome.settled:
        status, reason = outcome.settled[name]
        package.status, package.reason = Status(status), reason
    else:
        spec = limit  # a root's own requirement is among ``why``
        for req, _ in why:
            spec &= req.specifier
        _select(package, known, spec, outcome, fetcher)
        if failed:
            package.status = Status.ERROR
            package.reason = "; ".join(failed)
    return package


def _unavailable(package: Package, known, failed: List[str],
                 indexes: int) -> None:
    """The status of a package none of the ``indexes`` offers: an error
    when one failed (``failed`` names it), else not found."""
    if failed:
        package.status = Status.ERROR
        package.reason = "; ".join(
            why for _, why in sorted(known.failures.items())) \
            if indexes == 1 else "; ".join(failed)
    else:
        package.status = Status.NOT_FOUND
        package.reason = "; ".join(
            why for _, why in sorted(known.missing.items()))


def _none(fetcher: Fetcher, name: str, spec: SpecifierSet) -> str:
    """Why no file of ``name`` matches ``spec`` (when none does)."""
    offers = fetcher.known(name).offers
    return choose(offers, spec, fetcher.target, name, fetcher.pre,
                  fetcher.formats, fetcher.ranked(offers, spec, name)).reason


def _select(package: Package, known, spec: SpecifierSet, outcome,
            fetcher: Fetcher) -> None:
    """The file pip would take for ``package`` within ``spec``: the
    resolver's pick, described, or why there is none."""
    name, target = package.name, fetcher.target
    pre, formats = fetcher.pre, fetcher.formats
    pick = outcome.picks.get(name)
    matching = fetcher.ranked(known.offers, spec, name)
    if pick is None:
        package.selection = choose(known.offers, spec, target, name, pre,
                                   formats, matching)
    else:
        package.selection = describe(
            pick.candidate, matching or [pick.candidate], known.offers,
            target, formats.allowed(name)[0])
        package.warnings.extend(
            outcome.warnings.get((name, pick.version), ()))
        unknown = outcome.unknown.get((name, pick.version))
        if unknown and pick.candidate.file.is_wheel:
            # never "ok" with its dependencies unread: pip reads them
            package.status, package.reason = Status.ERROR, unknown
        elif unknown:  # an sdist: no-wheel, and what it brings unknown
            package.warnings.append(unknown)


def notes(target: Target, indexes) -> Tuple[str, ...]:
    """Plain statements about what the indexes can offer the target."""
    found = target.notes()
    if not any(ix.has_apt_data for ix in indexes):
        found.append("this pip does not use piwheels: no apt packages are "
                     "known for its wheels")
    return tuple(found)


def _finish(packages: List[Package], target: Target, indexes,
            more_notes: Tuple[str, ...] = ()) -> Report:
    stage = _stage(packages, target)
    results = [_result_safely(p, stage) for p in packages]
    install = list(stage.install) + [
        lib.package for p in results if p.deep is not None
        for lib in p.deep.libraries
        if lib.installable and apt.valid_name(lib.package)]
    install = list(dict.fromkeys(install))
    return Report(
        target=target, indexes=tuple((ix.label, ix.url) for ix in indexes),
        packages=tuple(results), notes=notes(target, indexes),
        late_notes=more_notes,
        apt_install=tuple(install), apt_command=apt.install_command(install))


def _stage(packages: List[Package], target: Target) -> "apt.Stage":
    """The apt stage of every chosen file; a file whose staging raises (a
    bug) fails its package only, and is left out."""
    def files():
        return [p.selection.file if p.selection else None
                for p in packages]
    try:
        return apt.stage(files(), target)
    except Exception:  # find whose file it is (dpkg is asked again)
        for p, f in zip(packages, files()):
            try:
                apt.stage([f], target)
            except Exception as exc:  # the boundary of one package
                p.fail(exc)
    return apt.stage(files(), target)


def _result_safely(e: Package, stage: "apt.Stage") -> PackageResult:
    """_result behind the failure boundary of one package."""
    try:
        if e.bug is None:
            return _result(e, stage)
    except Exception as exc:  # the boundary of one package
        e.fail(exc)
    return PackageResult(status=e.status, reason=e.reason,
                         warnings=tuple(e.warnings), **_common(e))


def _hash_refusal(e: Package, file, warnings: List[str]) -> Optional[str]:
    """Why pip refuses ``file`` for the user's --hash values (it takes
    only a file with one of them); None when it takes it, or when the
    index gives no sha256 to compare (then a warning says so)."""
    hashes = [h for r in e.requirements for h in r.hashes]
    if not hashes or file is None:
        return None
    wanted = {d.lower() for a, d in hashes if a == "sha256"}
    if not file.sha256 or not wanted:
        warnings.append("--hash not checked: the index gives no sha256 of "
                        "{}".format(file.filename) if wanted else
                        "--hash not checked: only a sha256 is compared")
        return None
    if file.sha256.lower() in wanted:
        return None
    return ("{}'s sha256 {} is none of the --hash values: pip refuses "
            "it".format(file.filename, file.sha256))


def _common(e: Package) -> dict:
    """What every PackageResult of ``e`` says: what it is, who asked."""
    return dict(
        requirement=", ".join(r.text for r in e.requirements) or e.name,
        name=e.name,
        source=tuple(r.source for r in e.requirements) + tuple(
            "constraint " + c for c in e.constrained_by),
        asked=bool(e.requirements), skipped=tuple(e.skipped),
        required_by=tuple(sorted(dict.fromkeys(
            p for p, _, _ in e.required_by))),
        required_by_detail=tuple(sorted(set(e.required_by))))


def _result(e: Package, stage: "apt.Stage") -> PackageResult:
    common = _common(e)
    sel = e.selection
    if sel is None:
        return PackageResult(status=e.status, reason=e.reason,
                             warnings=tuple(e.warnings), **common)
    warnings = list(sel.warnings) + e.warnings
    refused = _hash_refusal(e, sel.file, warnings)
    if refused:
        return PackageResult(status=Status.ERROR, version=sel.version,
                             file=sel.file, reason=refused,
                             warnings=tuple(warnings), **common)
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
        from .libs.deep import verdict

        status, more = verdict(e.deep, sel.file, status)
        warnings.extend(more)
    return PackageResult(
        status=status, version=sel.version, file=sel.file,
        apt_dependencies=apt_deps, apt_note=apt_note,
        pip_dependencies=sel.file.pip_dependencies,
        warnings=tuple(warnings), reason=e.reason, deep=e.deep,
        unread=e.unread, **common)
