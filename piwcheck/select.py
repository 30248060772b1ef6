# SPDX-License-Identifier: BSD-3-Clause
"""Which release and which file pip would take across every index, and
why not when none.

Two steps, as in pip: each index's project is reduced to the files the
target could install (``offer``: tags and Requires-Python, as pip's link
evaluator), then the offers of all indexes are merged and ranked
(``choose``: specifier, pre-releases, yanked files, format control, then
pip's sort key: version, tag rank, build tag, and the later index on a
tie)."""

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from .facts import builder_release
from .model import File, Project
from .specs import contains, names_prerelease
from .target import Target


@dataclass(frozen=True)
class Formats:
    """pip's format control: which names may use wheels or sdists."""

    only_binary: FrozenSet[str] = frozenset()
    no_binary: FrozenSet[str] = frozenset()
    prefer_binary: bool = False
    #: pip 26's release control (--all-releases, --only-final).
    all_releases: FrozenSet[str] = frozenset()
    only_final: FrozenSet[str] = frozenset()

    def prereleases(self, name: str) -> Optional[bool]:
        """True: pre-releases allowed for ``name``; False: never; None:
        pip's default rules."""
        if name in self.all_releases:
            return True
        if name in self.only_final:
            return False
        if ":all:" in self.all_releases:
            return True
        if ":all:" in self.only_final:
            return False
        return None

    def allowed(self, name: str) -> Tuple[bool, bool]:
        """(wheels allowed, sdists allowed) for canonical ``name``, in
        pip's order of precedence."""
        if name in self.only_binary:
            return True, False
        if name in self.no_binary:
            return False, True
        if ":all:" in self.only_binary:
            return True, False
        if ":all:" in self.no_binary:
            return False, True
        return True, True


@dataclass(frozen=True)
class Candidate:
    """A file the target could install, with what pip ranks it by."""

    file: File
    version: Version
    #: Index of its best tag in the target's order; len(tags) for an sdist.
    rank: int
    build: Tuple
    #: The index's place in pip's list (later wins a tie).
    order: int
    #: The version as the index wrote it (cheap to hash, unlike Version).
    text: str = ""
    #: file.is_wheel, kept by ``offer`` (ranking asks it of every
    #: candidate, many times).
    wheel: bool = False


@dataclass(frozen=True)
class Offer:
    """One index's project, reduced to what matters for one target."""

    index: str
    label: str
    order: int
    candidates: Tuple[Candidate, ...]
    #: Every listed release: (version, yanked, some file fits its Python).
    versions: Tuple[Tuple[Version, bool, bool], ...]
    #: piwheels' word on why a release has no wheel for the target.
    no_wheel_reasons: Mapping[Version, str] = field(default_factory=dict)
    #: For each release, a wheel (of any tags) whose metadata the index
    #: serves: where a release's dependencies can be read.
    metadata_files: Mapping[Version, File] = field(default_factory=dict)
    #: The files of the page pip skips (Project.skipped).
    skipped: Tuple[Tuple[str, int, str], ...] = ()
    #: ``candidates`` best first, as pip sorts one index's files (by
    #: version, tag rank, build tag), so that ranking the offers of all
    #: indexes only merges them; None: not sorted.
    best_first: Optional[Tuple[Candidate, ...]] = None


@dataclass(frozen=True)
class Selection:
    """The outcome for one project.

    ``version`` is the release pip would install; ``file`` the file it
    would take (an sdist means a source build, and ``reason`` says why
    there is no wheel), or None when pip finds nothing (``reason``).
    ``fallback_*`` name the newest matching release that has a wheel."""

    version: Optional[str]
    file: Optional[File]
    reason: Optional[str] = None
    fallback_version: Optional[str] = None
    fallback_file: Optional[File] = None
    warnings: Tuple[str, ...] = ()


def offer(project: Project, target: Target, order: int = 0,
          label: str = "", rank: Optional[Dict] = None,
          has_apt_data: bool = False) -> Offer:
    """The files of ``project`` the target can install, as pip's link
    evaluator keeps them: wheels whose tags it supports and sdists, each
    within its Requires-Python; from an index that ``has_apt_data``
    (piwheels), also its word on the releases that have no wheel for
    the target."""
    from .offers import offer_of

    return offer_of(project, target, order, label,
                    target.tag_rank() if rank is None else rank,
                    has_apt_data)


def _pinned(spec: SpecifierSet) -> bool:
    return any(s.operator in ("==", "===") and not s.version.endswith("*")
               for s in spec)


def _key(prefer_binary: bool):
    def key(c: Candidate):
        return (prefer_binary and c.wheel, c.version, -c.rank, c.build,
                c.order)
    return key


def _matching(candidates: Sequence[Candidate], spec: SpecifierSet,
              pre: Optional[bool]) -> list:
    """The candidates pip keeps for ``spec``: pre-releases only when
    asked for, named, or when nothing else matches; yanked files only
    when every match is yanked and the version is pinned."""
    text = str(spec)
    matching = [c for c in candidates
                if contains(text, c.text or str(c.version))] if text \
        else list(candidates)  # no clause: every version
    if pre is False:  # --only-final
        return [c for c in matching if not c.version.is_prerelease
                and not c.file.yanked]
    if not (pre or names_prerelease(text)):
        finals = [c for c in matching if not c.version.is_prerelease]
        matching = finals or matching
    if not (matching and _pinned(spec)
            and all(c.file.yanked for c in matching)):
        matching = [c for c in matching if not c.file.yanked]
    return matching


def ranked(offers: Sequence[Offer], spec: SpecifierSet, name: str,
           pre: bool = False, formats: Formats = Formats()
           ) -> List[Candidate]:
    """The candidates pip would consider for ``spec``, best first."""
    wheels_ok, sdists_ok = formats.allowed(name)
    presorted = all(o.best_first is not None for o in offers)
    allowed = [c for o in offers
               for c in (o.best_first if presorted else o.candidates)
               if (wheels_ok if c.wheel else sdists_ok)]
    control = formats.prereleases(name)
    matching = _matching(allowed, spec, True if pre or control else
                         control)
    if presorted and len({c.order for c in matching}) < 2:
        # one index's, already in order (a stable sort keeps the order
        # of equals, so filtering the sorted list sorts the filtered)
        if formats.prefer_binary:
            return [c for c in matching if c.wheel] + \
                [c for c in matching if not c.wheel]
        return matching
    return sorted(matching, key=_key(formats.prefer_binary), reverse=True)


def any_file(offers: Sequence[Offer], name: str,
             formats: Formats = Formats()) -> bool:
    """Whether pip would consider any file of ``offers`` for some
    version (``ranked`` for any version, pre-releases too, not empty)."""
    wheels_ok, sdists_ok = formats.allowed(name)
    return any((wheels_ok if c.wheel else sdists_ok) and not c.file.yanked
               and contains("", c.text or str(c.version))
               for o in offers for c in o.candidates)


def choose(offers: Sequence[Offer], spec: SpecifierSet, target: Target,
           name: str = "", pre: bool = False,
           formats: Formats = Formats(),
           matching: Optional[Sequence[Candidate]] = None) -> Selection:
    """The release and file pip would take for ``spec`` from ``offers``
    (one per index that lists the project); ``matching``: ``ranked``'s
    answer for them, when the caller has it."""
    if matching is None:
        matching = ranked(offers, spec, name, pre, formats)
    if not matching:
        wheels_ok, sdists_ok = formats.allowed(name)
        return Selection(None, None, _why_none(offers, spec, target,
                                               wheels_ok, sdists_ok))
    return describe(matching[0], matching, offers, target,
                    formats.allowed(name)[0])


def describe(best: Candidate, matching: Sequence[Candidate],
             offers: Sequence[Offer], target: Target,
             wheels_ok: bool = True) -> Selection:
    """The Selection of ``best`` among ``matching`` (ranked, best
    first): its warnings and, for an sdist, why there is no wheel (none
    for the target, or ``wheels_ok`` false: --no-binary) and the newest
    wheel there is."""
    chosen = _with_piwheels_data(best.file, matching)
    warnings = []
    if chosen.yanked:
        warnings.append("release {} is yanked".format(best.version))
    if chosen.builder_abi and chosen.builder_abi != target.abi \
            and chosen.apt_dependencies:
        warnings.append(
            "{} was built on {} ({}), not {} ({}): its apt package "
            "names come from that release".format(
                chosen.filename, builder_release(chosen.builder_abi),
                chosen.builder_abi, builder_release(target.abi),
                target.abi))
    if chosen.is_wheel:
        return Selection(str(best.version), chosen,
                         warnings=tuple(warnings))
    if not wheels_ok:
        return Selection(
            str(best.version), chosen, "wheels are excluded by --no-binary:"
            " pip would build {} from {}".format(
                chosen.filename, _label(offers, chosen)),
            warnings=tuple(warnings))
    reason = "no wheel for this target in any index: pip would build " \
             "{} from {}".format(chosen.filename, _label(offers, chosen))
    why = _no_wheel_reason(offers, best.version)
    if why:
        reason += "; " + why
    fallback = next((c for c in matching if c.file.is_wheel
                     and c.version < best.version), None)
    return Selection(
        str(best.version), chosen, reason,
        str(fallback.version) if fallback else None,
        _with_piwheels_data(fallback.file, matching) if fallback else None,
        tuple(warnings))


def _with_piwheels_data(f: File, matching: Sequence[Candidate]) -> File:
    """``f``, or piwheels' record of the same file name (it carries the
    apt data) when piwheels lists it too."""
    if f.builder_abi is not None:
        return f
    for c in matching:
        if c.file.filename == f.filename and c.file.builder_abi is not None:
            return c.file
    return f


def _label(offers: Sequence[Offer], f: File) -> str:
    for o in offers:
        if o.index == f.index:
            return o.label
    return f.index


def _no_wheel_reason(offers: Sequence[Offer], version: Version
                     ) -> Optional[str]:
    for o in offers:
        if version in o.no_wheel_reasons:
            return o.no_wheel_reasons[version]
    return None


def _why_none(offers: Sequence[Offer], spec: SpecifierSet, target: Target,
              wheels_ok: bool, sdists_ok: bool) -> str:
    releases = [v for o in offers for v in o.versions]
    if not releases:
        return "no index lists a release of it"
    matching = [v for v in releases if spec.contains(v[0], prereleases=True)]
    if not matching:
        return "no release matches {!r}".format(str(spec) or "any version")
    if all(v[1] for v in matching) and not _pinned(spec):
        return "every matching release is yanked (pin one with == to use it)"
    if not any(v[2] for v in matching):
        return "every matching release requires another Python than " \
               "{}".format(target.python_full_version)
    if not sdists_ok:
        text = "no wheel for this target, and sdists are not allowed " \
               "(--only-binary)"
    elif not wheels_ok:
        text = "no sdist, and wheels are not allowed (--no-binary)"
    else:
        text = "no file for this target: no compatible wheel and no sdist"
    newest = max(v[0] for v in matching)
    reason = _no_wheel_reason(offers, newest)
    return text + ("; " + reason if reason else "")
