# SPDX-License-Identifier: BSD-3-Clause
"""select.offer's work, in two parts: what a project's document says
whatever the target (``Files``: its releases, its wheels by tag, its
sdists, the files with metadata), and, from that, one target's offer.
The first part is kept with the document it was made from while the
document lives, so the Pis of --matrix, which share every document
(indexes.shared), make it once; each Pi then reads only the wheels of
its own tags, not every file."""

import threading
import weakref
from collections.abc import Mapping
from typing import Dict, Iterator, List, Optional, Tuple

from .facts import PIWHEELS_PLATFORMS, builder_release, machine_arch
from .model import Release
from .names import build_tag
from .target import Target

#: id(project) -> its Files, while the project lives (a document
#: offered once, as in a check for one target, is never kept here).
_KEPT: Dict[int, "Files"] = {}
#: id(project) of the documents offered once so far.
_ONCE: Dict[int, None] = {}
#: Reentrant: the collector may run a freed document's finalizer
#: (_forget) in the thread that holds it, inside files_of.
_LOCK = threading.RLock()


class Files:
    """What ``offer`` reads of a project whatever the target."""

    __slots__ = ("releases", "files", "owner", "by_tag", "sdists",
                 "python", "metadata_files", "_builds", "_ok", "_versions",
                 "_newer", "_places")

    def __init__(self, project):
        #: (parsed version, version text, yanked, the Requires-Python of
        #: its files (each once), Release), of each PEP 440 release
        self.releases: List[tuple] = []
        #: every file of those releases, in order; its release's place
        self.files: List[object] = []
        self.owner: List[int] = []
        #: tag -> the places of the wheels that have it
        self.by_tag: Dict[object, List[int]] = {}
        #: the places of the files that are not wheels
        self.sdists: List[int] = []
        #: every Requires-Python of the files, each once
        self.python: set = set()
        #: for each release, its first file whose metadata the index
        #: serves
        self.metadata_files: Dict[object, object] = {}
        self._builds: Dict[int, Tuple] = {}
        self._ok: Dict[str, Dict] = {}
        self._versions: Dict[str, tuple] = {}
        self._newer: Optional[List[int]] = None
        self._places: Optional[Dict[object, List[int]]] = None
        files, owner, by_tag = self.files, self.owner, self.by_tag
        for r in project.releases:
            parsed = r.parsed
            if parsed is None:
                continue
            place = len(self.releases)
            # the files left out as no target's (wanted.py) still count
            # for whether the release fits a Python, as they do for pip
            pythons = set(r.others_python)
            described = False  # a Version hashes slowly: once a release
            for f in r.files:
                if f.has_metadata and not described:
                    described = True
                    self.metadata_files.setdefault(parsed, f)
                pythons.add(f.requires_python)
                owner.append(place)
                if f.filename.endswith(".whl"):  # File.is_wheel
                    for t in f.tags:
                        by_tag.setdefault(t, []).append(len(files))
                else:
                    self.sdists.append(len(files))
                files.append(f)
            self.python |= pythons
            self.releases.append((parsed, r.version, r.yanked,
                                  tuple(pythons), r))

    def python_ok(self, version: str) -> Dict:
        """Requires-Python -> whether Python ``version`` satisfies it,
        for each of the files'."""
        from .specs import python_ok

        ok = self._ok.get(version)
        if ok is None:
            ok = self._ok[version] = {p: python_ok(p, version)
                                      for p in self.python}
        return ok

    def versions(self, version: str) -> tuple:
        """Offer.versions for Python ``version``."""
        found = self._versions.get(version)
        if found is None:
            ok = self.python_ok(version)
            found = self._versions[version] = tuple(
                (parsed, yanked, not pythons or any(ok[p] for p in pythons))
                for parsed, _, yanked, pythons, _ in self.releases)
        return found

    def newer(self) -> List[int]:
        """For each release, an int that orders the releases as their
        versions do (equal for equal versions): a Version compares
        slowly."""
        if self._newer is None:
            rank, last, newer = -1, None, [0] * len(self.releases)
            for place in sorted(range(len(self.releases)),
                                key=lambda p: self.releases[p][0]):
                if last is None or self.releases[place][0] != last:
                    rank, last = rank + 1, self.releases[place][0]
                newer[place] = rank
            self._newer = newer
        return self._newer

    def places(self) -> Dict[object, List[int]]:
        """version -> the places of its releases."""
        if self._places is None:
            places: Dict[object, List[int]] = {}
            for place, release in enumerate(self.releases):
                places.setdefault(release[0], []).append(place)
            self._places = places
        return self._places

    def build(self, place: int) -> Tuple:
        """The build tag of the wheel at ``place`` (made when first
        asked: most wheels are no target's)."""
        found = self._builds.get(place)
        if found is None:
            found = self._builds[place] = build_tag(
                self.files[place].filename)
        return found


def files_of(project) -> Tuple[Files, bool]:
    """(``project``'s Files, whether they are kept): kept from its
    second offer on (a document offered once, as in a check for one
    target, keeps nothing)."""
    key = id(project)
    kept = _KEPT.get(key)
    if kept is not None:
        return kept, True
    made = Files(project)
    with _LOCK:
        if key in _KEPT:
            return _KEPT[key], True
        if key not in _ONCE:
            if _watch(project, key):
                _ONCE[key] = None
            return made, False
        _KEPT[key] = made
    return made, True


def share(project) -> None:
    """``project`` will be offered to several targets (a document of
    indexes.shared): keep its Files from the first offer on."""
    key = id(project)
    with _LOCK:
        if key not in _ONCE and key not in _KEPT and _watch(project, key):
            _ONCE[key] = None


def _watch(project, key: int) -> bool:
    """Forget ``key`` when ``project`` dies (its id may be reused);
    False when it cannot be watched (then it is never kept)."""
    try:
        weakref.finalize(project, _forget, key).atexit = False
    except TypeError:
        return False
    return True


def _forget(key: int) -> None:
    with _LOCK:
        _ONCE.pop(key, None)
        _KEPT.pop(key, None)


def offer_of(project, target, order: int, label: str, rank: Dict,
             has_apt_data: bool):
    """select.offer's answer, read from the project's Files."""
    from .select import Candidate, Offer

    d, kept = files_of(project)
    version = target.python_full_version
    worst = len(target.tags)
    ok = d.python_ok(version)
    files, owner, releases = d.files, d.owner, d.releases
    wheels: Dict[int, int] = {}  # place -> its best rank
    for tag, places in d.by_tag.items():
        best = rank.get(tag)
        if best is not None:
            for place in places:
                if wheels.get(place, worst) > best:
                    wheels[place] = best
    chosen = [p for p in wheels if ok[files[p].requires_python]]
    chosen += [p for p in d.sdists if ok[files[p].requires_python]]
    chosen.sort()
    newer = d.newer()
    candidates = []
    keys = []  # pip's (version, tag rank, build), an int the version
    with_wheel = set()
    for place in chosen:
        at = owner[place]
        parsed, text = releases[at][:2]
        best = wheels.get(place)
        if best is not None:
            with_wheel.add(at)
            build = d.build(place)
            candidates.append(Candidate(files[place], parsed, best, build,
                                        order, text, True))
        else:
            best, build = worst, ()
            candidates.append(Candidate(files[place], parsed, worst, (),
                                        order, text, False))
        keys.append((newer[at], -best, build))
    best_first = tuple(candidates[k] for k in sorted(
        range(len(keys)), key=keys.__getitem__, reverse=True))
    reasons = _Reasons(d, with_wheel, target) if has_apt_data else {}
    if has_apt_data and not kept:  # the offer outlives the document
        reasons = dict(reasons.items())
    return Offer(project.index, label or project.index, order,
                 tuple(candidates), d.versions(version), reasons,
                 d.metadata_files, project.skipped, best_first)


class _Reasons(Mapping):
    """Offer.no_wheel_reasons: piwheels' word on why each release
    without a wheel for the target has none, each made when first asked
    (most are never asked; while the document lives anyway, as Files
    kept for --matrix do)."""

    def __init__(self, files: Files, with_wheel: set, target):
        self._files = files
        self._with = with_wheel
        self._target = target
        self._said: Dict[int, str] = {}

    def _place(self, version) -> Optional[int]:
        """The last release of ``version`` without a wheel, or None."""
        for place in reversed(self._files.places().get(version, ())):
            if place not in self._with:
                return place
        return None

    def __contains__(self, version) -> bool:
        return self._place(version) is not None

    def __getitem__(self, version) -> str:
        place = self._place(version)
        if place is None:
            raise KeyError(version)
        said = self._said.get(place)
        if said is None:
            said = self._said[place] = why_no_wheel(
                self._files.releases[place][4], self._target)
        return said

    def __iter__(self) -> Iterator:
        return iter({self._files.releases[place][0]: None
                     for place in range(len(self._files.releases))
                     if place not in self._with})

    def __len__(self) -> int:
        return sum(1 for _ in self)


def why_no_wheel(release: Release, target: Target) -> str:
    """Why piwheels' ``release`` has no wheel for ``target``."""
    if not release.files:
        if release.skip_reason:
            return "piwheels skipped it: {}".format(release.skip_reason)
        return "piwheels has no wheel for it (the build failed or is " \
               "pending)"
    platforms = set(target.platforms)
    if not any(p in PIWHEELS_PLATFORMS for p in platforms):
        return "piwheels builds no wheels for {}".format(
            machine_arch(target.platforms[0]))
    same_platform = [f for f in release.files
                     if any(t.platform in platforms for t in f.tags)]
    if same_platform:
        built = sorted({"{} ({})".format(f.builder_abi,
                                         builder_release(f.builder_abi))
                        for f in same_platform})
        return "piwheels has wheels only for other Pythons/OS releases: " \
               "{}".format(", ".join(built))
    others = sorted({t.platform for f in release.files for t in f.tags})
    return "piwheels has wheels only for other platforms: {}".format(
        ", ".join(others))
