# SPDX-License-Identifier: BSD-3-Clause
"""--installed's mode, and wheel files': what the compiled files of a
Python's installed packages (or of the files) need, against this
machine's apt."""

import sys

from .modes import _transport
from .parser import version
from .settings import Settings


def installed_mode(s: Settings) -> int:
    """--installed, or wheel files: what their compiled files need."""
    from .. import target
    from ..libs.environment import check_environment
    from ..report import Options
    from ..report.output import write

    # the machine's facts (dpkg's architecture, the release); --python
    # only says where the packages are
    tgt = s.target() if s.wheels else target.local_target()
    names = () if s.wheels else s.requirements
    report = check_environment(tgt, list(s.wheels), _users_python(s),
                               lambda: _piwheels_of_pip(s), names)
    if s.quiet:  # as a check's -q: problems on stderr, the apt command
        from ..report import clean
        from ..report.common import LABELS

        for d in report.distributions:
            if d.status.value != "ok":
                print("piwcheck: {} {}: {}".format(
                    clean(d.name), clean(d.version), LABELS[d.status]),
                    file=sys.stderr)
        out = report.apt_command + "\n" if report.apt_command else ""
    else:
        out = s.report_format.installed(report, Options(
            s.verbose, color=s.coloured, version=version))
    write(out, s.output)
    return report.exit_code


def _users_python(s: Settings):
    """The interpreter whose packages --installed checks: --python's,
    else the user's python3 (the first on PATH), not the one piwcheck
    runs in (its own venv's, when installed with pip in a venv); None
    when that is the same."""
    import os
    import shutil

    if s.python or s.wheels:
        return s.python
    found = shutil.which("python3")
    if not found:
        return None
    try:
        same = os.path.samefile(found, sys.executable)
    except OSError:
        same = False
    if os.path.abspath(found) == os.path.abspath(sys.executable) or (
            same and sys.prefix == sys.base_prefix):
        return None
    return found


def _piwheels_of_pip(s: Settings):
    """The reader of the index with apt data (piwheels) this pip
    installs from, else None."""
    from ..indexes import apt_data_index
    from .pipopts import installed_sources

    return apt_data_index(installed_sources(s), lambda: _transport(s))
