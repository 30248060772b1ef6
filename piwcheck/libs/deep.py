# SPDX-License-Identifier: BSD-3-Clause
"""--deep: the wheel pip would fetch, downloaded (size-capped, checked
against the index's sha256, kept in the cache by that hash) and its
compiled files read as ``--installed`` reads an environment's, so a
wheel with no apt list (PyPI's manylinux ones) gets a real answer and
piwheels' list can be confirmed."""

import os
import tempfile
from typing import List, Optional, Tuple

from ..errors import DataError, FetchError, InputError, PiwcheckError
from ..model import File
from ..results import DistributionResult, Status
from .installed import check_wheel, results
from .loader import Loader
from .machine import library_dirs, target_machine, this_machine
from .naming import Owners, name_packages

#: The largest wheel downloaded (PyTorch's are about this size).
MAX_BYTES = 512 * 1000 * 1000
#: The most time one download's bytes may take once its answer has come
#: (within three times --timeout, as a document's); none may come more
#: than --timeout after the last.
SECONDS = 900.0


def fetch_wheel(index, f: File, cache_dir: Optional[str]):
    """(path, whether the caller removes it): ``f`` from the cache, or
    downloaded from ``index``; FetchError, or DataError when its sha256
    is not the index's."""
    if f.size and f.size > MAX_BYTES:
        raise FetchError("{} is {:.1f} MB, more than --deep downloads "
                         "({:.1f} MB)".format(f.filename, f.size / 1e6,
                                              MAX_BYTES / 1e6))
    folder = os.path.join(cache_dir, "wheels") if cache_dir else None
    if folder and f.sha256:
        kept = os.path.join(folder, f.sha256.lower() + ".whl")
        if os.path.isfile(kept):
            return kept, False
    if folder:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            folder = None
    fd, part = tempfile.mkstemp(suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = index.download(f, out, MAX_BYTES, SECONDS)
        if f.sha256 and digest != f.sha256.lower():
            raise DataError("{}: its sha256 is {}, not the {} the index "
                            "gives".format(f.filename, digest, f.sha256))
        if folder and f.sha256:
            kept = os.path.join(folder, digest + ".whl")
            os.replace(part, kept)  # whole, checked files only
            return kept, False
        return part, True
    except BaseException:
        os.unlink(part)
        raise


class Machinery:
    """What every wheel's check shares: the machine, its loader (one
    ``ldconfig -p``) and dpkg's file owners (read once)."""

    def __init__(self, target):
        self.target = target
        if target.local:
            self.machine = this_machine(target.dpkg_arch)
            self.loader = Loader(os.environ.get("LD_LIBRARY_PATH", ""))
            self.loader.cache  # read now, not by each wheel's thread
        else:
            self.machine = target_machine(target)
            self.loader = Loader("", {}, lambda p: False)
        self.owners = Owners()


def inspect(index, f: File, target, cache_dir: Optional[str],
            apt_known=None, machinery: Optional[Machinery] = None
            ) -> DistributionResult:
    """The ELF check of ``f`` for ``target``: on this machine, where
    each library is found (or which package provides it); for another
    machine, only what the wheel bundles, and the packages Debian's
    naming gives the rest (marked not checked)."""
    m = machinery or Machinery(target)
    machine = m.machine
    path, remove = fetch_wheel(index, f, cache_dir)
    try:
        dist = check_wheel(path, machine, m.loader, f.filename)
    finally:
        if remove:
            os.unlink(path)
    if not target.local:
        for lib in dist.missing:
            lib.unchecked = True
    from .. import apt

    name_packages([dist], m.owners, target.os_codename,
                  apt_known if target.local and apt_known else
                  (lambda names: None),
                  (lambda sonames: apt.contents(sonames, target.dpkg_arch,
                                                library_dirs(machine)))
                  if target.local else None)
    return results([dist])[0]


def safe_inspect(index, f: File, target, cache_dir, apt_known=None,
                 machinery: Optional[Machinery] = None):
    """(result, None, False) or (None, why not, whether pip too would
    fail: a file whose hash is not the index's, or not a wheel) for
    ``inspect``."""
    try:
        return inspect(index, f, target, cache_dir, apt_known,
                       machinery), None, False
    except (PiwcheckError, OSError) as exc:
        return None, "--deep: {}".format(exc), \
            isinstance(exc, (DataError, InputError))


def read_chosen(packages, pool, indexes, target,
                cache_dir: Optional[str]) -> Tuple[str, ...]:
    """Download and read the chosen wheel of every package (check's
    Package) that has one, on ``pool``; the note on those whose wheel
    is pure Python (not read: it has no compiled files), if any."""
    from .. import apt

    by_url = {ix.url: ix for ix in indexes}
    machinery = None
    jobs, pure = [], []
    for p in packages:
        f = p.selection.file if p.selection else None
        if p.status is not None or f is None or not f.is_wheel:
            continue
        if all(t.platform == "any" for t in f.tags):
            pure.append(p.name)
        else:
            index = by_url.get(f.index) or indexes[0]
            machinery = machinery or Machinery(target)
            jobs.append((p, pool.submit(
                safe_inspect, index, f, target, cache_dir,
                lambda names: apt.known(names, target.dpkg_arch),
                machinery)))
    for p, job in jobs:
        try:
            p.deep, why, fatal = job.result()
        except Exception as exc:  # the boundary of one package
            p.fail(exc)
            continue
        if fatal:  # pip would refuse the file too
            p.status, p.reason = Status.ERROR, why
        elif why:  # a warning, and exit 3: the answer is not confirmed
            p.warnings.append(why)
            p.unread = why
    return pure_note(pure) if pure else ()


def pure_note(names: List[str]) -> Tuple[str, ...]:
    """The note that says which wheels --deep did not read, and why."""
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return ("--deep read no pure-Python wheel (platform any: no compiled "
            "files, nothing to load): {}".format(shown),)


def verdict(deep: DistributionResult, f: File, status: Status
            ) -> Tuple[Status, List[str]]:
    """(status, warnings) of the check's pick ``f`` (its ``status`` so
    far) once its files are read (``deep``): the worse status, and what
    the files say that piwheels' apt list does not."""
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
