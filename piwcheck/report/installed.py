# SPDX-License-Identifier: BSD-3-Clause
"""The text of the --installed report (and of wheel files given to
check): each distribution's compiled files and the libraries they need."""

from ..results import InstalledReport, Status
from .common import LABELS, clean, colored, count_line, fault_lines, lib_state


def render_installed_text(report: InstalledReport, verbose: bool = False,
                          color: bool = False) -> str:
    """The report of --installed or of wheel files."""
    lines = ["Checked: {}, on {}".format(report.what, report.machine)]
    shown = [d for d in report.distributions
             if verbose or d.status is not Status.OK or d.requires]
    for d in shown:
        lines.append("")
        lines.append(_head(d))
        if d.status is Status.NOT_FOUND:  # a name given, not installed
            continue
        lines.append("  files:  {} compiled module{} in {}".format(
            d.modules, "" if d.modules == 1 else "s", d.location))
        for lib in d.libraries:
            if verbose or lib.path is None:
                lines.append("  lib:    {}  {}".format(lib.soname,
                                                       lib_state(lib)))
                if lib.path is None:
                    lines.append("          needed by " +
                                 ", ".join(lib.needed_by[:3]) +
                                 (" ..." if len(lib.needed_by) > 3 else ""))
        if d.piwheels_file:
            lines.append("  from:   piwheels' " + d.piwheels_file +
                         " (its apt list names the packages)")
        lines.extend(fault_lines(d))
        if d.requires:
            lines.append("  needs:  " + ", ".join(d.requires) +
                         " (from its METADATA; pip installs these too)")
    lines.append("")
    lines.extend(_closing(report))
    return colored([clean(line) for line in lines], _heads(shown), color)


def render_installed_summary(report: InstalledReport,
                             color: bool = False) -> str:
    """--summary of --installed or of wheel files: a line for each
    distribution that needs action or failed, the counts, the apt
    command."""
    shown = [d for d in report.distributions if d.status is not Status.OK]
    lines = [_head(d) + (": " + "; ".join(d.errors) if d.errors and
                         d.status is not Status.NOT_FOUND else "")
             for d in shown]
    return colored([clean(line) for line in lines + _closing(report)],
                   _heads(shown), color)


def _head(d) -> str:
    """'name version: status' (a name not installed has no version)."""
    if d.status is Status.NOT_FOUND:
        return "{}: not installed".format(d.name)
    return "{} {}: {}".format(d.name, d.version, LABELS[d.status])


def _heads(shown):
    return {clean(d.name if d.status is Status.NOT_FOUND else
                  "{} {}".format(d.name, d.version)): d.status
            for d in shown}


def _closing(report: InstalledReport):
    """The counts, then the apt command."""
    lines = [count_line([d.status for d in report.distributions],
                        "distribution with compiled files",
                        "distributions with compiled files")]
    if report.apt_command:
        lines.append("Install the missing libraries with:")
        lines.append("  " + report.apt_command)
    return lines
