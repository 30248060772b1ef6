# SPDX-License-Identifier: BSD-3-Clause
"""The text format: a check's human report, a block for each package."""

from typing import List

from ..facts import builder_release
from ..model import File as WheelFile
from ..results import PackageResult, Report, Status
from .common import (LABELS, clean, closing_lines, colored, did_you_mean,
                     fault_lines, head_lines, lib_state, package_head,
                     status_heads)
from .format import Format, Options


def _size(n: float) -> str:
    """Decimal units, as pip shows them."""
    for unit in ("B", "kB", "MB"):
        if n < 1000:
            break
        n /= 1000
    return ("{:.0f} {}" if unit == "B" else "{:.1f} {}").format(n, unit)


def _apt_state(dep) -> str:
    if dep.from_release:
        return "from {}'s builder, not checked".format(dep.from_release)
    if dep.installed is None:
        return "not checked"
    if dep.installed:
        return "installed"
    if dep.known_to_apt is False:
        return "missing, unknown to apt"
    return "missing"


def _file_line(f: WheelFile, labels) -> str:
    about = [] if f.size is None else [_size(f.size)]
    about.append(labels.get(f.index, f.index))
    if f.builder_abi:
        about.append("built on {}, {}".format(
            builder_release(f.builder_abi), f.builder_abi))
    return "{} ({})".format(f.filename, ", ".join(about))


def _wheel_lines(pkg: PackageResult, verbose: bool, labels) -> List[str]:
    """The chosen wheel: its file, its apt packages, --deep's libraries
    and (``verbose``) where it is and what pip installs with it."""
    lines = ["  wheel:  " + _file_line(pkg.file, labels)]
    if verbose:
        lines.append("  url:    " + pkg.file.url)
        lines.append("  sha256: " + (pkg.file.sha256 or "(not given)"))
    width = max([len(d.name) for d in pkg.apt_dependencies] + [0])
    for i, dep in enumerate(pkg.apt_dependencies):
        lines.append("  {} {}  {}".format(
            "apt:   " if i == 0 else "       ", dep.name.ljust(width),
            _apt_state(dep)))
    if pkg.apt_note:
        lines.append("  apt:    (" + pkg.apt_note + ")")
    elif not pkg.apt_dependencies:
        lines.append("  apt:    (none)")
    if pkg.deep is not None:
        lines.extend(_deep_lines(pkg.deep, verbose))
    if verbose:
        deps = pkg.pip_dependencies
        lines.append("  pip:    " + (
            "unknown (the index does not say)" if deps is None
            else ", ".join(deps) or "(none)"))
    return lines


def _block(pkg: PackageResult, verbose: bool, labels) -> List[str]:
    lines = ["{}: {}".format(package_head(pkg), LABELS[pkg.status])]
    origin = list(dict.fromkeys(pkg.source))
    if pkg.required_by_detail:
        origin.append("dependency of " + ", ".join(
            "{} ({})".format(parent, req) if req != pkg.name else parent
            for parent, _, req in pkg.required_by_detail))
    if verbose or pkg.required_by or len(origin) > 1:
        lines.append("  from:   " + "; ".join(origin))
    if verbose:
        lines.append("  wanted: " + pkg.requirement)
    if pkg.file and not pkg.file.is_wheel:
        lines.append("  sdist:  " + _file_line(pkg.file, labels))
    elif pkg.file:
        lines.extend(_wheel_lines(pkg, verbose, labels))
    if pkg.reason:
        lines.append("  why:    " + pkg.reason)
    if pkg.suggestions:
        lines.append("  hint:   " + did_you_mean(pkg.suggestions))
    if verbose:
        lines.extend("  skipped: " + line for line in pkg.skipped)
    if verbose and pkg.downloads:
        lines.append("  downloads: {:,} in the last 30 days, {:,} in all "
                     "(piwheels)".format(pkg.downloads.last_30_days,
                                         pkg.downloads.all_time))
    if pkg.status == Status.NO_WHEEL:
        if pkg.fallback_version:
            lines.append(
                "  newest with a wheel: {} ({}): pip install '{}=={}'".format(
                    pkg.fallback_version, pkg.fallback_file.filename,
                    pkg.name, pkg.fallback_version))
        elif pkg.version:
            lines.append("  no matching release has a wheel for you")
    for warning in pkg.warnings:
        lines.append("  warning: " + warning)
    return lines


def _deep_lines(d, verbose: bool) -> List[str]:
    """--deep: what the wheel's compiled files need from outside it."""
    lines = []
    libs = [lib for lib in d.libraries
            if verbose or not (lib.how or "").startswith("in the wheel")]
    width = max([len(lib.soname) for lib in libs] + [0])
    for i, lib in enumerate(libs):
        lines.append("  {} {}  {}".format("libs:  " if i == 0 else "       ",
                                          lib.soname.ljust(width),
                                          lib_state(lib)))
    bundled = len(d.libraries) - len(libs)
    lines.append("  files:  {} compiled file{}{}".format(
        d.modules, "" if d.modules == 1 else "s",
        ", {} librar{} bundled".format(bundled, "y" if bundled == 1
                                       else "ies") if bundled else ""))
    return lines + fault_lines(d)


def render_text(report: Report, verbose: bool = False,
                quiet: bool = False, color: bool = False,
                head: bool = True) -> str:
    """The human report; ``quiet`` keeps only the apt command; ``color``
    colours each package's status; ``head=False`` leaves out what
    render_head printed already."""
    if quiet:
        return (report.apt_command + "\n") if report.apt_command else ""
    lines = head_lines(report.target, report.indexes, report.notes,
                       verbose) if head else []
    labels = {url: label for label, url in report.indexes}
    for pkg in report.packages:
        lines.append("")
        lines.extend(_block(pkg, verbose, labels))
    lines.append("")
    lines.extend(closing_lines(report))
    return colored([clean(line) for line in lines], status_heads(report),
                   color)


class TextFormat(Format):
    """The default: the human report (-v more, -q only the apt
    command)."""

    early_head = True

    def check(self, report: Report, opts: Options) -> str:
        return render_text(report, opts.verbose, opts.quiet, opts.color,
                           head=opts.head)

    def matrix(self, matrix, opts: Options) -> str:
        from .matrix.text import render_matrix_text
        return render_matrix_text(matrix)


FORMAT = TextFormat()
