# SPDX-License-Identifier: BSD-3-Clause
"""Checking a PEP 751 lock for a target: nothing is resolved and no
index is asked to choose.  For each locked package whose marker holds,
the wheel the installer takes is the lock's wheel whose tags the target
ranks first; none fits and an sdist is locked: a source build; neither:
no match.  A compiled wheel that an index with apt data (piwheels) lists
(by name and sha256, wherever the lock says it is) gets its apt
packages from there."""

from typing import List, Optional
from urllib.parse import urlsplit

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.specifiers import SpecifierSet

from .errors import NotFound, PiwcheckError
from .gather import Package
from .inputs import Requirement
from .model import File
from .names import wheel_tags
from .results import Report, Status
from .select import Selection
from .specs import python_ok
from .target import Target


def check_locked(lock, target: Target, indexes,
                 on_error=None) -> Report:
    """The report of ``lock`` (an inputs.pylock.Lock) for ``target``;
    ``indexes`` give apt data only."""
    from .check import _finish

    packages = []
    rank = target.tag_rank()
    apt_indexes = [ix for ix in indexes if ix.has_apt_data]
    for locked in lock.packages:
        package = Package(locked.name, requirements=[Requirement(
            text="{}=={}".format(locked.name, locked.version)
            if locked.version else locked.name, name=locked.name,
            specifier=SpecifierSet(), extras=frozenset(), marker=None,
            source=locked.source)])
        try:
            _assess(package, locked, lock, target, rank, apt_indexes)
        except Exception as exc:  # the boundary of one package
            package.fail(exc)
            if on_error is not None:
                on_error(exc)
        packages.append(package)
    report = _finish(packages, target, indexes)
    held = _environment_note(lock, target)
    if held:
        from dataclasses import replace
        report = replace(report, notes=report.notes + (held,))
    return report


def _env(lock, target: Target) -> dict:
    env = dict(target.marker_env)
    env["extra"] = ""  # (pylock settled extras and dependency_groups)
    return env


def _holds(marker, lock, target: Target, warnings: List[str],
           where: str) -> bool:
    """Whether ``marker`` holds for the target; one it cannot evaluate
    holds, with a warning."""
    try:
        return bool(marker.evaluate(_env(lock, target)))
    except (UndefinedComparison, UndefinedEnvironmentName, TypeError,
            ValueError) as exc:
        warnings.append("{}: marker {} not evaluated ({}): taken as "
                        "true".format(where, marker, exc))
        return True


def _environment_note(lock, target: Target) -> Optional[str]:
    """A note when the lock names its environments and the target is
    none of them, or its Python is not the lock's."""
    ignored: List[str] = []
    if lock.environments and not any(
            _holds(m, lock, target, ignored, lock.path)
            for m in lock.environments):
        return ("{}: the lock's environments do not include this target"
                .format(lock.path))
    if lock.requires_python is not None and not python_ok(
            str(lock.requires_python), target.python_full_version):
        return "{}: the lock requires Python {}".format(
            lock.path, lock.requires_python)
    return None


def _assess(package: Package, locked, lock, target: Target, rank,
            apt_indexes) -> None:
    """Fill ``package`` from the lock's entry ``locked``."""
    if locked.marker is not None and not _holds(
            locked.marker, lock, target, package.warnings, locked.source):
        package.status = Status.SKIPPED
        package.reason = "marker is false for this target: {}".format(
            locked.marker_text)
        return
    if locked.other:
        package.status, package.reason = Status.UNSUPPORTED, locked.other
        return
    if locked.requires_python is not None and not python_ok(
            str(locked.requires_python), target.python_full_version):
        package.status = Status.NO_MATCH
        package.reason = "the lock says it requires Python {}".format(
            locked.requires_python)
        return
    fits = sorted((min(rank[t] for t in wheel_tags(w.filename) if t in rank),
                   i, w) for i, w in enumerate(locked.wheels)
                  if any(t in rank for t in wheel_tags(w.filename)))
    if fits:
        wheel = fits[0][2]
        f = _file(wheel, locked)
        found = _with_apt_data(f, locked.name, apt_indexes,
                               package.warnings)
        package.selection = Selection(locked.version, found)
        return
    why = ("no locked wheel fits this target ({} locked: {})".format(
        len(locked.wheels), ", ".join(w.filename for w in
                                      locked.wheels[:3]) +
        (", ..." if len(locked.wheels) > 3 else ""))
        if locked.wheels else "the lock lists no wheel")
    if locked.sdist is not None:
        package.selection = Selection(locked.version,
                                      _file(locked.sdist, locked),
                                      reason=why + "; a source build")
    else:
        package.selection = Selection(locked.version, None, reason=why +
                                      " and no sdist")


def _file(locked_file, locked) -> File:
    """A File of the lock's wheel or sdist (no apt data yet)."""
    return File(
        filename=locked_file.filename, url=locked_file.url,
        sha256=locked_file.sha256, size=locked_file.size,
        requires_python=str(locked.requires_python)
        if locked.requires_python is not None else None, yanked=False,
        index=locked.index or _origin(locked_file.url), builder_abi=None,
        file_abi_tag=None, platform=None, apt_dependencies=None,
        pip_dependencies=None, tags=wheel_tags(locked_file.filename))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return "{}://{}".format(parts.scheme, parts.netloc) if parts.netloc \
        else "(a local file)"


def _with_apt_data(f: File, name: str, apt_indexes,
                   warnings: List[str]) -> File:
    """``f`` as the first index with apt data lists it (the same name,
    and sha256 where both say), its apt packages known; else ``f``.  A
    pure-Python wheel needs none: no index is asked."""
    if all(t.platform == "any" for t in f.tags):
        return f
    for ix in apt_indexes:
        try:
            project = ix.fetch(name)
        except NotFound:
            continue
        except PiwcheckError as exc:
            warnings.append("apt packages not known: {}: {}".format(
                ix.label, exc))
            continue
        for release in project.releases if project else ():
            for known in release.files:
                if known.filename == f.filename and (
                        not known.sha256 or not f.sha256
                        or known.sha256.lower() == f.sha256.lower()):
                    return known
    return f
