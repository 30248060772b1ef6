# SPDX-License-Identifier: BSD-3-Clause
"""Which Debian package provides a library: dpkg's owner of a file that
is found; for a missing soname, piwheels' apt list for the file the
distribution came from, apt-file's Contents lists, piwcheck's table of
the exceptions (sonames.py), or the name Debian's library naming gives
(libfoo.so.1 -> libfoo1): a guess until apt here confirms it."""

import os
import re
from typing import Dict, List, Optional, Sequence, Tuple

from ..apt import shown, valid_name, why_invalid
from ..errors import FetchError, InputError, NotFound
from ..facts import BEFORE_TIME64, CHECKED_NAMES, TIME64_RENAMES
from ..names import canonical_name, parse_version
from .installed import Distribution, Library
from .sonames import PACKAGES

_SONAME_RE = re.compile(r"^(lib[A-Za-z0-9_.+-]*?)\.so\.([0-9][0-9.]*)$")


class Owners:
    """Which installed Debian package each file belongs to, from dpkg's
    file lists (``$DPKG_ADMINDIR/info/*.list``), read once."""

    def __init__(self, admindir: Optional[str] = None):
        import threading

        self.admindir = admindir or os.environ.get("DPKG_ADMINDIR") or \
            "/var/lib/dpkg"
        self._owner: Optional[Dict[str, str]] = None
        self._lock = threading.Lock()

    def _load(self) -> Dict[str, str]:
        owner: Dict[str, str] = {}
        info = os.path.join(self.admindir, "info")
        try:
            names = os.listdir(info)
        except OSError:
            return owner
        for fn in names:
            if not fn.endswith(".list"):
                continue
            package = fn[:-len(".list")].split(":")[0]
            try:
                with open(os.path.join(info, fn), encoding="utf-8",
                          errors="replace") as f:
                    for line in f:
                        if ".so" in line:
                            owner.setdefault(line.rstrip("\n"), package)
            except OSError:
                continue
        return owner

    def of(self, path: str) -> Optional[str]:
        """The package that ships ``path`` (through /usr-merge links and
        symlinks), or None."""
        if self._owner is None:
            with self._lock:  # threads share one reading of the lists
                if self._owner is None:
                    self._owner = self._load()
        candidates = [path, os.path.realpath(path)]
        for p in list(candidates):
            if p.startswith("/usr/lib/"):
                candidates.append(p[len("/usr"):])
            elif p.startswith("/lib/"):
                candidates.append("/usr" + p)
        for p in candidates:
            if p in self._owner:
                return self._owner[p]
        return None


def guess_packages(soname: str, codename: Optional[str] = None) -> List[str]:
    """The package names for ``soname`` in the release ``codename``, the
    likeliest first: sonames.PACKAGES' name, else the one Debian's
    library naming gives (libfoo.so.1 -> libfoo1, libfoo-2.0.so.0 ->
    libfoo-2.0-0); from Trixie on, the 64-bit time_t transition's rename
    (facts.TIME64_RENAMES), or for a library not known there (not
    checked) both its names, the old one first."""
    name = PACKAGES.get(soname)
    if name is None:
        match = _SONAME_RE.match(soname)
        if not match:
            return []
        base = match.group(1).lower().replace("_", "-")
        version = match.group(2)
        name = base + ("-" if base[-1].isdigit() else "") + version
    if codename in BEFORE_TIME64:
        return [name]
    if name in TIME64_RENAMES:
        return [TIME64_RENAMES[name]]
    return [name] if soname in PACKAGES else [name, name + "t64"]


def table_package(soname: str, codename: Optional[str]) -> Optional[str]:
    """The package sonames.PACKAGES names for ``soname`` in ``codename``,
    when that release's Contents lists were checked; else None."""
    if soname in PACKAGES and codename in CHECKED_NAMES:
        return guess_packages(soname, codename)[0]
    return None


def piwheels_files(dists: Sequence[Distribution], index) -> None:
    """For each distribution that misses a library: the piwheels file of
    its name, version and wheel tags, if piwheels has one with an apt
    list (then it came from piwheels, and that list is its word)."""
    for dist in dists:
        if not dist.missing or not dist.tags:
            continue
        try:
            project = index.fetch(canonical_name(dist.name))
        except NotFound:
            continue
        except (FetchError, InputError) as exc:
            dist.errors.append("could not ask piwheels for its apt "
                               "packages: {}".format(exc))
            continue
        version = parse_version(dist.version)
        for release in project.releases:
            if release.parsed is None or release.parsed != version:
                continue
            for f in release.files:
                if f.apt_dependencies is not None and \
                        {str(t) for t in f.tags} & set(dist.tags):
                    dist.piwheels = (f.filename, f.apt_dependencies)
                    break


def _listed(guesses: Sequence[str], listed: Sequence[str]) -> Optional[str]:
    """The entry of piwheels' apt list that provides a soname Debian's
    naming calls one of ``guesses``: that name, or a flavour of it
    (libopenblas0 -> libopenblas0-pthread)."""
    listed = [name for name in listed if valid_name(name)]
    for g in guesses:
        if g in listed:
            return g
    for g in guesses:
        for name in listed:
            if name.startswith(g + "-"):
                return name
    return None


def name_packages(dists: Sequence[Distribution], owners: Owners,
                  codename: Optional[str], known, contents=None) -> None:
    """The package of every library: its owner when found; else the
    entry of piwheels' apt list for it, for a distribution that came
    from piwheels; else what ``contents(sonames)`` (apt-file's lists)
    says ships it; else piwcheck's table's; else the one Debian's naming
    gives, confirmed by ``known(names)`` (None: no apt here; a guess)."""
    guesses = _owned_or_guessed(dists, owners, codename)
    listed = _piwheels_listed(dists, guesses)
    # apt-file searches every Contents list: only for what is left
    left = sorted({lib.soname for dist in dists for lib in dist.missing
                   if (dist.name, lib.soname) not in listed})
    shipped = contents(left) if contents and left else None
    names = sorted({n for g in guesses.values() for n in g} |
                   set(listed.values()))
    answers = known(names) if names else {}
    for dist in dists:
        for lib in dist.missing:
            _name_missing(lib, listed.get((dist.name, lib.soname)),
                          (shipped or {}).get(lib.soname),
                          table_package(lib.soname, codename),
                          guesses.get(lib.soname, ()), answers)
        _refuse_invalid(dist)


def _refuse_invalid(dist: Distribution) -> None:
    """No name apt would not read as one package to install stays a
    missing library's package: each such name becomes an error of
    ``dist`` (and piwheels' list's own, when it has any)."""
    if dist.piwheels:
        for name in dist.piwheels[1]:
            why = why_invalid(name)
            if why:
                dist.errors.append(
                    "piwheels' apt list for {} has an invalid apt package "
                    "name {} ({}); ignored".format(dist.piwheels[0],
                                                   shown(name), why))
    for lib in dist.missing:
        why = lib.package and why_invalid(lib.package)
        if why:
            dist.errors.append(
                "{}: {} names the invalid apt package name {} ({}); "
                "ignored".format(lib.soname, lib.named_by or "piwcheck",
                                 shown(lib.package), why))
            lib.package, lib.guessed, lib.known_to_apt = None, False, None


def _owned_or_guessed(dists: Sequence[Distribution], owners: Owners,
                      codename: Optional[str]) -> Dict[str, List[str]]:
    """Each found library outside its distribution named by its dpkg
    owner; soname -> Debian's naming's guesses for each missing one."""
    guesses: Dict[str, List[str]] = {}
    for dist in dists:
        for lib in dist.libraries.values():
            if lib.path is not None:
                if not lib.path.startswith(dist.location):
                    lib.package = owners.of(lib.path)
                    lib.named_by = "dpkg" if lib.package else None
            else:
                guesses[lib.soname] = guess_packages(lib.soname, codename)
    return guesses


def _piwheels_listed(dists: Sequence[Distribution],
                     guesses: Dict[str, List[str]]
                     ) -> Dict[Tuple[str, str], str]:
    """(distribution, soname) -> the entry of its piwheels file's apt
    list that provides the missing soname."""
    listed: Dict[Tuple[str, str], str] = {}
    for dist in dists:
        if dist.piwheels:
            for lib in dist.missing:
                pick = _listed(guesses.get(lib.soname, ()),
                               dist.piwheels[1])
                if pick:
                    listed[(dist.name, lib.soname)] = pick
    return listed


def _name_missing(lib: Library, pick: Optional[str],
                  ships: Optional[List[str]], table: Optional[str],
                  guesses: Sequence[str],
                  answers: Optional[Dict[str, bool]]) -> None:
    """Name the package of a missing library: piwheels' ``pick``, else
    one of the packages apt-file says ``ships`` it, else piwcheck's
    ``table``, else Debian's naming's first guess apt knows
    (``answers``; None: no apt here, and the first guess stays one)."""
    if ships and not pick:
        # Debian's naming picks among several (libglx0 and
        # libglx-mesa0 both ship libGLX.so.0)
        named = [g for g in guesses if g in ships]
        lib.package = (named or sorted(ships))[0]
        lib.guessed, lib.known_to_apt = False, True
        lib.named_by = "apt-file"
        return
    if pick or table:
        lib.package, lib.guessed = pick or table, False
        lib.named_by = "piwheels" if pick else "piwcheck's table"
        lib.known_to_apt = answers.get(lib.package) \
            if answers is not None else None
        return
    lib.named_by = "Debian's naming"
    for candidate in guesses:
        if answers is None:  # no apt here: the first guess, unconfirmed
            lib.package, lib.guessed = candidate, True
            break
        if answers.get(candidate):
            lib.package, lib.guessed = candidate, True
            lib.known_to_apt = True
            break
    else:
        if answers is not None:
            lib.known_to_apt = False
