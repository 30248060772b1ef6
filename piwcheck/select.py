# SPDX-License-Identifier: BSD-3-Clause
"""Which release and which wheel pip would take, and why not when none."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, List, Optional, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from .model import File as WheelFile, Project, Release
from .target import (BUILDER_RELEASES, PIWHEELS_PLATFORMS, Target,
                     machine_arch)


@dataclass(frozen=True)
class Selection:
    """The outcome for one project.

    ``release`` is the release pip would install; ``file`` the wheel it
    would take from piwheels, or None when it would build from source
    (``reason`` says why).  ``fallback``/``fallback_file`` name the newest
    matching release that does have a wheel."""

    release: Optional[Release]
    file: Optional[WheelFile]
    reason: Optional[str] = None
    fallback: Optional[Release] = None
    fallback_file: Optional[WheelFile] = None
    warnings: Tuple[str, ...] = ()


def builder_release(abi: str) -> str:
    """'Bookworm' for cp311; the ABI itself when no builder uses it."""
    release = BUILDER_RELEASES.get(abi)
    return release.capitalize() if release else abi


@lru_cache(maxsize=4096)
def python_ok(requires_python: Optional[str], version: str) -> bool:
    """Whether ``version`` satisfies ``requires_python``; an invalid
    constraint is ignored, as pip does.  Cached: a document repeats a
    few constraints over thousands of files."""
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(version,
                                                      prereleases=True)
    except InvalidSpecifier:
        return True


def usable_files(release: Release, target: Target,
                 rank=None) -> List[WheelFile]:
    """The release's wheels the target can install, best first: built on
    the target's own OS release first, then in pip's tag order."""
    rank = target.tag_rank() if rank is None else rank
    scored = []
    for f in release.files:
        ranks = [rank[t] for t in f.tags if t in rank]
        if ranks and python_ok(f.requires_python,
                               target.python_full_version):
            scored.append(((f.builder_abi != target.abi, min(ranks),
                            f.filename), f))
    return [f for _, f in sorted(scored, key=lambda s: s[0])]


def _pinned(spec: SpecifierSet) -> bool:
    return any(s.operator in ("==", "===") and not s.version.endswith("*")
               for s in spec)


def _python_excluded(release: Release, target: Target) -> bool:
    return bool(release.files) and not any(
        python_ok(f.requires_python, target.python_full_version)
        for f in release.files)


def candidates(project: Project, spec: SpecifierSet, target: Target,
               pre: bool = False) -> Iterator[Release]:
    """The releases pip would consider, newest first; lazily, as a
    document may list hundreds and pip takes the first."""
    pinned = _pinned(spec)

    def considered(r: Release) -> bool:
        return (spec.contains(r.parsed, prereleases=True)
                and (pinned or not r.yanked)
                and not _python_excluded(r, target))

    ordered = sorted((r for r in project.releases if r.parsed is not None),
                     key=lambda r: r.parsed, reverse=True)
    if pre or spec.prereleases:
        yield from filter(considered, ordered)
        return
    final = False
    for r in ordered:
        if not r.parsed.is_prerelease and considered(r):
            final = True
            yield r
    if not final:  # only pre-releases match: pip takes them then
        yield from filter(considered, ordered)


def _why_none(project: Project, spec: SpecifierSet, target: Target) -> str:
    if not project.releases:
        return "piwheels lists no releases"
    matching = [r for r in project.releases
                if r.parsed is not None
                and spec.contains(r.parsed, prereleases=True)]
    if not matching:
        return "no release matches {!r}".format(str(spec) or "any version")
    if all(r.yanked for r in matching) and not _pinned(spec):
        return "every matching release is yanked (pin one with == to use it)"
    return "every matching release requires another Python than {}".format(
        target.python_full_version)


def why_no_wheel(release: Release, target: Target) -> str:
    """Why ``release`` has no wheel for ``target``."""
    if not release.files:
        if release.skip_reason:
            return "piwheels skipped it: {}".format(release.skip_reason)
        return "piwheels has no wheel for it (the build failed or is pending)"
    platforms = set(target.platforms)
    same_platform = [f for f in release.files
                     if any(t.platform in platforms for t in f.tags)]
    if same_platform:
        built = sorted({"{} ({})".format(f.builder_abi,
                                         builder_release(f.builder_abi))
                        for f in same_platform})
        return "wheels only for other Pythons/OS releases: {}".format(
            ", ".join(built))
    others = sorted({t.platform for f in release.files for t in f.tags})
    if not any(p in PIWHEELS_PLATFORMS for p in platforms):
        return ("piwheels builds no wheels for {}: pip will take this "
                "package from PyPI (manylinux wheels, or a source build), "
                "which piwcheck does not check".format(
                    machine_arch(target.platforms[0])))
    return "wheels only for other platforms: {}".format(", ".join(others))


def select(project: Project, spec: SpecifierSet, target: Target,
           pre: bool = False) -> Selection:
    """The release and wheel pip would take for ``spec``."""
    found = candidates(project, spec, target, pre)
    best = next(found, None)
    if best is None:
        return Selection(None, None, _why_none(project, spec, target))
    rank = target.tag_rank()
    warnings = []
    if best.yanked:
        warnings.append("release {} is yanked".format(best.version))
    files = usable_files(best, target, rank)
    if files:
        chosen = files[0]
        if chosen.builder_abi != target.abi and chosen.apt_dependencies:
            warnings.append(
                "{} was built on {} ({}), not {} ({}): its apt package "
                "names come from that release".format(
                    chosen.filename, builder_release(chosen.builder_abi),
                    chosen.builder_abi, builder_release(target.abi),
                    target.abi))
        return Selection(best, chosen, warnings=tuple(warnings))
    reason = why_no_wheel(best, target)
    for older in found:
        older_files = usable_files(older, target, rank)
        if older_files:
            return Selection(best, None, reason, older, older_files[0],
                             tuple(warnings))
    return Selection(best, None, reason, warnings=tuple(warnings))
