# SPDX-License-Identifier: BSD-3-Clause
"""After the install: the compiled files of an installed environment (or
of a wheel file), what each needs from the dynamic loader and what is
missing, and whether each file runs on the machine at all
(machine.cannot_run).  The packages that provide what is missing are
named in naming.py."""

import json
import os
import re
import subprocess
import zipfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import DataError, InputError
from ..metadata import Metadata, parse_core
from .elf import ElfInfo
from .loader import Loader
from .machine import Machine, cannot_run
from .reading import read_file, read_member, small_member

_SO_RE = re.compile(r"\.so(\.[0-9.]+)?$")


@dataclass
class Library:
    """One soname a distribution's files need."""

    soname: str
    needed_by: List[str] = field(default_factory=list)
    path: Optional[str] = None
    how: Optional[str] = None
    package: Optional[str] = None
    #: The package name is Debian's naming, not dpkg's, piwheels',
    #: apt-file's or piwcheck's table's word (a guess until apt knows it).
    guessed: bool = False
    #: apt knows the package (None: not asked).
    known_to_apt: Optional[bool] = None
    #: Not looked for: the files are for another machine.
    unchecked: bool = False
    #: Who named the package: dpkg, piwheels, apt-file, piwcheck's table
    #: or Debian's naming.
    named_by: Optional[str] = None


@dataclass
class Distribution:
    """What one installed distribution (or wheel) needs."""

    name: str
    version: str
    location: str
    modules: int = 0
    libraries: Dict[str, Library] = field(default_factory=dict)
    #: Files that cannot run here: (file, why).
    wrong: List[Tuple[str, str]] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    #: The tags its WHEEL file gives ('cp311-cp311-linux_armv7l').
    tags: Tuple[str, ...] = ()
    #: Its own metadata, when read (a wheel file's).
    metadata: Optional[Metadata] = None
    #: What piwheels says of the file it came from: (file name, apt list).
    piwheels: Optional[Tuple[str, Tuple[str, ...]]] = None
    #: A wheel file's dependencies for the target, from its METADATA.
    requires: Optional[List[str]] = None

    @property
    def missing(self) -> List[Library]:
        """The libraries not found (or, for another machine, not looked
        for)."""
        return [lib for lib in self.libraries.values() if lib.path is None]


def site_dirs(python: Optional[str] = None) -> List[str]:
    """The folders the target interpreter imports packages from; asked
    of ``python`` within probe.SECONDS (InputError, one line, when it
    does not answer so, or not with a list of folders)."""
    code = ("import json, site, sys; print(json.dumps([p for p in "
            "site.getsitepackages() + [site.getusersitepackages()] + "
            "sys.path]))")
    if python is None:
        import site
        import sys
        paths = site.getsitepackages() + [site.getusersitepackages()] + \
            sys.path
    else:
        from ..probe import BYTES, SECONDS, ProbeError, named_path, \
            run_bounded

        named = named_path(python)
        try:
            out = run_bounded([python, "-I", "-c", code], SECONDS, BYTES)
            paths = json.loads(out.stdout.decode("utf-8", "replace")) \
                if out.returncode == 0 else None
        except ProbeError as exc:
            raise InputError("--python {}: not a Python interpreter "
                             "piwcheck can ask ({})".format(named, exc))
        except (OSError, ValueError, subprocess.SubprocessError,
                RecursionError):
            paths = None
        if not isinstance(paths, list) or \
                not all(isinstance(p, str) for p in paths):
            raise InputError("--python {}: not a Python interpreter "
                             "piwcheck can ask".format(named))
    seen = []
    for p in paths:
        if p and os.path.isdir(p) and os.path.realpath(p) not in (
                os.path.realpath(s) for s in seen):
            seen.append(p)
    return seen


def wheel_tags_of(text: str) -> Tuple[str, ...]:
    """The Tag lines of a WHEEL file."""
    return tuple(line.split(":", 1)[1].strip() for line in text.splitlines()
                 if line.startswith("Tag:"))


def _read_tags(info_dir: str) -> Tuple[str, ...]:
    try:
        with open(os.path.join(info_dir, "WHEEL"), encoding="utf-8",
                  errors="replace") as f:
            return wheel_tags_of(f.read())
    except OSError:
        return ()


def distributions(dirs: Sequence[str], only=None
                  ) -> List[Tuple[str, str, str, List[str]]]:
    """(name, version, site dir, compiled files) of every distribution
    installed with a RECORD (pip's) in ``dirs``; given ``only`` (a set
    of canonical names), of those alone, and of them also the ones
    without compiled files or a RECORD (apt's, which dpkg looks after:
    their files are not read), the first found of each name."""
    from packaging.utils import canonicalize_name

    out, seen = [], set()
    for d in dirs:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for fn in names:
            kind = next((k for k in (".dist-info", ".egg-info")
                         if fn.endswith(k)), None)
            if kind is None or (kind == ".egg-info" and only is None):
                continue
            name, _, version = fn[:-len(kind)].partition("-")
            canon = canonicalize_name(name)
            if only is not None and (canon not in only or canon in seen):
                continue
            record = os.path.join(d, fn, "RECORD")
            try:
                with open(record, encoding="utf-8", errors="replace") as f:
                    rows = [line.split(",")[0] for line in f]
            except OSError:  # an apt-installed one: dpkg looks after it
                rows = []
                if only is None:
                    continue
            files = [os.path.normpath(os.path.join(d, r)) for r in rows
                     if _SO_RE.search(r)]
            if files or only is not None:
                seen.add(canon)
                out.append((name, version.split("-")[0], d, files))
    return out


def check_installed(dirs: Sequence[str], machine: Machine,
                    loader: Loader, only=None) -> List[Distribution]:
    """Every distribution in ``dirs`` with compiled files (given
    ``only``, a set of canonical names: those named), checked."""
    result = []
    for name, version, site, files in distributions(dirs, only):
        dist = Distribution(name, version, site, tags=_read_tags(
            os.path.join(site, "{}-{}.dist-info".format(name, version))))
        for path in files:
            try:
                info = read_file(path)
            except DataError as exc:
                dist.errors.append(str(exc))
                continue
            if info is None:
                continue
            _check(dist, os.path.relpath(path, site), info,
                   os.path.dirname(path), machine, loader)
        result.append(dist)
    return result


def check_wheel(path: str, machine: Machine, loader: Loader,
                filename: Optional[str] = None) -> Distribution:
    """A wheel file (named ``filename``, if not by its path), read
    inside its zip: its compiled files, found beside each other as they
    would be once installed."""
    try:
        z = zipfile.ZipFile(path)
    except Exception as exc:  # BadZipFile, OSError, and on crafted
        # archives ValueError, struct.error, OverflowError...
        raise InputError("{}: not a wheel file ({})".format(
            filename or path, exc or type(exc).__name__))
    with z:
        members = set(z.namelist())
        parts = (filename or os.path.basename(path))[:-4].split("-")
        dist = Distribution(parts[0], parts[1] if len(parts) > 1 else "",
                            path)
        inside = "/__wheel__"  # where the members are taken to be
        outside = loader.exists

        def exists(p: str) -> bool:
            if p.startswith(inside + "/"):
                return p[len(inside) + 1:] in members
            return outside(p)
        zloader = Loader(":".join(loader.ld_library_path), loader.cache,
                         exists)
        for member in sorted(members):
            if not _SO_RE.search(member):
                continue
            try:
                info = read_member(z, member)
            except DataError as exc:
                dist.errors.append(str(exc))
                continue
            if info is None:
                continue
            _check(dist, member, info, os.path.dirname(
                os.path.join(inside, member)), machine, zloader)
        _wheel_info(z, members, dist)
        for lib in dist.libraries.values():
            if lib.path and lib.path.startswith(inside + "/"):
                lib.path = lib.path[len(inside) + 1:]
                lib.how = "in the wheel ({})".format(lib.how)
    return dist


def wheel_fits(dist: Distribution, filename: str, target) -> None:
    """Whether the target's pip would install the wheel file at all (its
    tags, its Requires-Python), and what it would install with it: the
    Requires-Dist of its METADATA, markers evaluated for the target."""
    from ..names import wheel_tags
    from ..resolve import dependencies
    from ..specs import python_ok

    tags = wheel_tags(filename)
    if tags and not tags & set(target.tags):
        dist.wrong.append((filename, "its tags ({}) are not among this "
                           "Python's".format(", ".join(sorted(
                               str(t) for t in tags)))))
    meta = dist.metadata
    if meta is None:
        dist.errors.append("{}: no METADATA in its .dist-info".format(
            filename))
        return
    version = target.python_full_version
    if not python_ok(meta.requires_python, version):
        dist.wrong.append((filename, "it requires Python {}, this one is "
                           "{}".format(meta.requires_python, version)))
    reqs, warnings = dependencies(meta, target, frozenset())
    dist.requires = [r.text for r in reqs]
    dist.errors.extend(warnings)


def _wheel_info(z: zipfile.ZipFile, members, dist: Distribution) -> None:
    """The tags and metadata in a wheel's top-level .dist-info."""
    infos = sorted(m for m in members if m.count("/") == 1 and
                   m.split("/")[0].endswith(".dist-info"))
    for m in infos:
        try:
            if m.endswith("/WHEEL"):
                dist.tags = wheel_tags_of(small_member(z, m).decode(
                    "utf-8", "replace"))
            elif m.endswith("/METADATA"):
                dist.metadata = parse_core(small_member(z, m), m)
        except DataError as exc:
            dist.errors.append(str(exc))


def _check(dist: Distribution, shown: str, info: ElfInfo, origin: str,
           machine: Machine, loader: Loader) -> None:
    dist.modules += 1
    why = cannot_run(info, machine)
    if why:
        dist.wrong.append((shown, why))
        return  # what it links is moot
    for soname in info.needed:
        lib = dist.libraries.setdefault(soname, Library(soname))
        lib.needed_by.append(shown)
        if lib.path is None:
            found = loader.find(soname, info, origin)
            if found:
                lib.path, lib.how = found.path, found.how


def results(dists: Sequence[Distribution]):
    """The frozen results of checked distributions, with their status."""
    from ..results import DistributionResult, LibraryResult, Status

    out = []
    for d in dists:
        libs = tuple(LibraryResult(
            lib.soname, tuple(lib.needed_by), lib.path, lib.how,
            lib.package, lib.guessed, lib.known_to_apt, lib.unchecked,
            lib.named_by if lib.package else None)
            for lib in sorted(d.libraries.values(), key=lambda x: x.soname))
        missing = [lib for lib in libs if lib.path is None
                   and not lib.unchecked]
        if d.wrong:
            status = Status.WRONG_ARCH
        elif missing and all(lib.installable for lib in missing):
            status = Status.MISSING_APT
        elif missing:
            status = Status.MISSING_LIB
        elif d.errors:
            status = Status.ERROR
        else:
            status = Status.OK
        out.append(DistributionResult(
            d.name, d.version, d.location, status, d.modules, libs,
            tuple(d.wrong), tuple(d.errors),
            None if d.requires is None else tuple(d.requires),
            d.piwheels[0] if d.piwheels else None))
    return tuple(out)
