# SPDX-License-Identifier: BSD-3-Clause
"""--installed and wheel files, put together: this machine, its loader,
the distributions checked, the packages named (with piwheels' apt list
when pip installs from piwheels), the apt command, as an
InstalledReport."""

import os
import sys
from typing import Callable, Optional, Sequence

from .. import apt
from packaging.utils import canonicalize_name

from ..results import DistributionResult, InstalledReport, Status
from .installed import (Distribution, check_installed, check_wheel, results,
                        site_dirs, wheel_fits)
from .loader import Loader
from .machine import Machine, library_dirs, this_machine
from .naming import Owners, name_packages, piwheels_files


def check_environment(target, wheels: Sequence[str], python: Optional[str],
                      piwheels_of_pip: Callable[[], object],
                      names: Sequence[str] = ()) -> InstalledReport:
    """What the compiled files of ``wheels`` (when given) or of what is
    installed for ``python`` (None: this interpreter) need on this
    machine, whose facts (dpkg's architecture, the release) ``target``
    gives.  ``piwheels_of_pip()`` gives piwheels' reader, or None when
    pip does not install from piwheels; it is called only when an
    installed distribution misses a library.  Given ``names`` (project
    names), only those distributions are checked; each one not installed
    is a NOT_FOUND result, "not installed"."""
    machine = this_machine(target.dpkg_arch)
    loader = Loader(os.environ.get("LD_LIBRARY_PATH", ""))
    if wheels:
        dists = [check_wheel(w, machine, loader) for w in wheels]
        for dist, path in zip(dists, wheels):
            wheel_fits(dist, os.path.basename(path), target)
        what = ", ".join(wheels)
    else:
        only = {canonicalize_name(n) for n in names} if names else None
        dists = check_installed(site_dirs(python), machine, loader, only)
        what = "what is installed for " + (python or sys.executable)
        if names:
            what = "{} installed for {}".format(", ".join(names),
                                                python or sys.executable)
        if any(d.missing for d in dists):
            piwheels = piwheels_of_pip()
            if piwheels is not None:
                piwheels_files(dists, piwheels)
    _name(dists, machine, target)
    found = results(dists)
    have = {canonicalize_name(d.name) for d in found}
    absent = tuple(DistributionResult(
        n, "", "", Status.NOT_FOUND, 0, (), (), ("not installed",))
        for n in dict.fromkeys(names) if canonicalize_name(n) not in have)
    return _report(what, machine, found + absent)


def _name(dists: Sequence[Distribution], machine: Machine, target) -> None:
    """Every library's package, with dpkg, apt and apt-file here."""
    name_packages(dists, Owners(), target.os_codename,
                  lambda names: apt.known(names, target.dpkg_arch),
                  lambda sonames: apt.contents(sonames, target.dpkg_arch,
                                               library_dirs(machine)))


def _report(what: str, machine: Machine,
            found: Sequence[DistributionResult]) -> InstalledReport:
    """The report, with the apt command for the missing libraries apt
    can install."""
    install = list(dict.fromkeys(
        lib.package for d in found for lib in d.libraries
        if lib.installable and apt.valid_name(lib.package)))
    return InstalledReport(what, machine.name, found, tuple(install),
                           apt.install_command(install))
