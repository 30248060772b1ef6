# SPDX-License-Identifier: BSD-3-Clause
"""Renderers: the human report and the JSON document.  No decisions here."""

import json
import re
from typing import Dict, List, Optional, Tuple

from .facts import builder_release
from .model import File as WheelFile
from .results import ACTION_STATUSES, PackageResult, Report, Status

JSON_VERSION = 1

LABELS = {
    Status.OK: Status.OK,
    Status.MISSING_APT: "missing apt packages",
    Status.NO_WHEEL: "no wheel: pip would build it from source",
    Status.NO_MATCH: "no matching file: pip would fail",
    Status.NOT_FOUND: "not found on any index",
    Status.CONFLICT: "conflict: pip's resolver would fail",
    Status.MISSING_LIB: "missing libraries",
    Status.WRONG_ARCH: "cannot run on this machine",
    Status.ERROR: Status.ERROR,
    Status.SKIPPED: Status.SKIPPED,
    Status.UNSUPPORTED: Status.UNSUPPORTED,
}

# C0 and C1 controls, DEL, and the bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069]")


def clean(text: object) -> str:
    """``text`` with terminal control characters made visible."""
    return _UNSAFE.sub(lambda m: "\\x{:02x}".format(ord(m.group()))
                       if ord(m.group()) < 0x100
                       else "\\u{:04x}".format(ord(m.group())), str(text))


def _size(n: float) -> str:
    """Decimal units, as pip shows them."""
    for unit in ("B", "kB", "MB"):
        if n < 1000:
            break
        n /= 1000
    return ("{:.0f} {}" if unit == "B" else "{:.1f} {}").format(n, unit)


def _describe_target(t) -> str:
    plats = t.platforms
    plain = [p for p in plats if p.startswith("linux_")] or plats
    text = "{} (Python {}) on {}".format(
        t.abi, t.python_full_version, plain[0] if plain else "?")
    if t.os_id:
        text += ", {} {}".format(t.os_id.capitalize(), t.os_codename or "")
    if t.dpkg_arch:
        text += " ({})".format(t.dpkg_arch)
    return text.strip() + (", this machine" if t.local else
                           ", described by options")


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


def _block(pkg: PackageResult, verbose: bool, labels) -> List[str]:
    lines = ["{}: {}".format(_head(pkg), LABELS[pkg.status])]
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
        lines.append("  wheel:  " + _file_line(pkg.file, labels))
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
    if pkg.reason:
        lines.append("  why:    " + pkg.reason)
    if pkg.suggestions:
        lines.append("  hint:   " + did_you_mean(pkg.suggestions))
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


#: The summary line's words for each status, in its order: (one, many).
SUMMARY = ((Status.OK, "ok", "ok"),
           (Status.MISSING_APT, "missing apt packages",
            "missing apt packages"),
           (Status.NO_WHEEL, "without a wheel", "without a wheel"),
           (Status.NO_MATCH, "with no matching file", "with no matching file"),
           (Status.NOT_FOUND, "not found", "not found"),
           (Status.CONFLICT, "in conflict", "in conflict"),
           (Status.MISSING_LIB, "missing libraries", "missing libraries"),
           (Status.WRONG_ARCH, "that cannot run here",
            "that cannot run here"),
           (Status.SKIPPED, "skipped", "skipped"),
           (Status.UNSUPPORTED, "unsupported", "unsupported"),
           (Status.ERROR, "error", "errors"))


def _summary(report: Report) -> str:
    """'6 packages: 5 ok, 1 without a wheel': the counts that are not 0."""
    return _count_line([p.status for p in report.packages], "package",
                       "packages")


def _count_line(statuses: List[Status], one: str, many: str) -> str:
    """'<total> <noun>: <count> <status>, ...' for the statuses that
    occur, in SUMMARY's order and words."""
    counts: Dict[Status, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    parts = ["{} {}".format(counts[s], word_one if counts[s] == 1
                            else word_many)
             for s, word_one, word_many in SUMMARY if counts.get(s)]
    return "{} {}: {}".format(len(statuses), one if len(statuses) == 1
                              else many, ", ".join(parts) or "none")


#: ANSI colours of the statuses, for a terminal.
COLORS = {Status.OK: "32", Status.MISSING_APT: "33", Status.NO_WHEEL: "33",
          Status.NO_MATCH: "31", Status.NOT_FOUND: "31", Status.CONFLICT: "31",
          Status.ERROR: "31;1"}


def problem_lines(report: Report, quiet: bool) -> List[str]:
    """The lines for stderr: every package error, and, when ``quiet``
    hides the report, one line for each package that needs action.  An
    error many packages share (a site that cannot be reached) is said
    once, with how many it hit."""
    lines: List[str] = []
    shared: dict = {}
    for pkg in report.packages:
        if pkg.status is Status.ERROR and pkg.reason:
            shared.setdefault(pkg.reason, []).append(pkg.name)
        elif quiet and pkg.status in ACTION_STATUSES:
            lines.append("{}{}: {}{}".format(
                pkg.name, " " + pkg.version if pkg.version else "",
                LABELS[pkg.status],
                " ({})".format(", ".join(
                    d.name for d in pkg.apt_dependencies
                    if d.installed is False))
                if pkg.status is Status.MISSING_APT else
                "; " + did_you_mean(pkg.suggestions)
                if pkg.suggestions else ""))
    for reason, names in shared.items():
        if len(names) == 1:
            lines.append("{}: {}".format(names[0], reason))
        else:
            lines.append("{} packages ({}): {}".format(
                len(names), ", ".join(names[:5]) + (
                    ", ..." if len(names) > 5 else ""), reason))
    return lines


def render_text(report: Report, verbose: bool = False,
                quiet: bool = False, color: bool = False,
                head: bool = True) -> str:
    """The human report; ``quiet`` keeps only the apt command; ``color``
    colours each package's status; ``head=False`` leaves out what
    render_head printed already."""
    if quiet:
        return (report.apt_command + "\n") if report.apt_command else ""
    lines = _head_lines(report.target, report.indexes, report.notes,
                        verbose) if head else []
    labels = {url: label for label, url in report.indexes}
    for pkg in report.packages:
        lines.append("")
        lines.extend(_block(pkg, verbose, labels))
    lines.append("")
    lines.extend(_closing(report))
    return _colored([clean(line) for line in lines], _heads(report), color)


def render_head(target, indexes, notes, verbose: bool = False) -> str:
    """What the report starts with, known before anything is fetched:
    the target, the indexes, what was assumed, the notes."""
    return "\n".join(clean(line) for line in _head_lines(
        target, indexes, notes, verbose)) + "\n"


def render_summary(report: Report, color: bool = False) -> str:
    """--summary: a line for each package that needs action or failed,
    the counts, and the apt command."""
    lines = ["{}: {}{}".format(_head(p), LABELS[p.status],
                               ": " + p.reason if p.reason else "")
             for p in report.packages
             if p.status in ACTION_STATUSES
             or p.status in (Status.ERROR, Status.CONFLICT)]
    return _colored([clean(line) for line in lines + _closing(report)],
                    _heads(report), color)


def render_tree(report: Report, color: bool = False,
                head: bool = True) -> str:
    """--tree: each package asked for, with what it brought in below it
    (as pipdeptree draws it), each with its status; then the counts and
    the apt command."""
    lines = [clean(line) for line in _head_lines(
        report.target, report.indexes, report.notes, False)] if head else []
    lines.append("")
    by_name = {p.name: p for p in report.packages}
    children: Dict[str, List[Tuple[str, str]]] = {}
    for pkg in report.packages:
        for parent, _, requirement in pkg.required_by_detail:
            children.setdefault(parent, []).append((pkg.name, requirement))
    shown: set = set()

    def status(pkg: PackageResult) -> str:
        text = str(LABELS[pkg.status])
        return "\x1b[{}m{}\x1b[0m".format(COLORS[pkg.status], text) \
            if color and pkg.status in COLORS else text

    def walk(name: str, prefix: str, path: Tuple[str, ...]) -> None:
        kids = sorted(children.get(name, ()))
        for i, (child, requirement) in enumerate(kids):
            last = i == len(kids) - 1
            pkg = by_name[child]
            line = "{}{}{}{}: {}".format(
                prefix, "└── " if last else "├── ", _head(pkg),
                "" if requirement == child else
                " ({})".format(clean(requirement)), status(pkg))
            if child in path:
                lines.append(line + " (a cycle)")
            elif child in shown and children.get(child):
                lines.append(line + " (its dependencies are above)")
            else:
                lines.append(line)
                shown.add(child)
                walk(child, prefix + ("    " if last else "│   "),
                     path + (child,))

    for pkg in report.packages:
        if any(not s.startswith("constraint ") for s in pkg.source):
            lines.append("{}: {}".format(_head(pkg), status(pkg)))
            shown.add(pkg.name)
            walk(pkg.name, "", (pkg.name,))
    lines.append("")
    lines.extend(clean(line) for line in _closing(report))
    return "\n".join(lines) + "\n"


def _head_lines(target, indexes, notes, verbose: bool) -> List[str]:
    lines = ["Target: " + _describe_target(target)]
    lines.append("Indexes: " + ", ".join(
        label if label == url else "{} ({})".format(label, url)
        for label, url in indexes))
    if verbose:
        lines.append("  platforms: " + ", ".join(target.platforms))
        if target.pip_version:
            lines.append("  pip:       {} (its tag order)".format(
                target.pip_version))
    lines.extend("assumed: " + a for a in target.assumed)
    lines.extend("note: " + n for n in notes)
    return lines


def _closing(report: Report) -> List[str]:
    lines = [_summary(report)]
    if report.apt_command:
        checked = report.target.local and any(
            d.installed is not None for p in report.packages
            for d in p.apt_dependencies) or any(
            lib.known_to_apt for p in report.packages if p.deep
            for lib in p.deep.libraries if lib.path is None)
        lines.append("Install the missing apt packages with:" if checked
                     else "Make sure these apt packages are installed:")
        lines.append("  " + report.apt_command)
    return lines


def _heads(report: Report) -> Dict[str, Status]:
    return {_head(p): p.status for p in report.packages}


def _colored(text: List[str], heads: Dict[str, Status], color: bool) -> str:
    """``text`` joined, with the status after each heading in ``heads``
    ('name version: status') coloured when ``color``."""
    if color:
        for i, line in enumerate(text):
            status = heads.get(line.split(": ", 1)[0]) \
                if not line.startswith(" ") else None
            if status in COLORS:
                head, _, rest = line.partition(": ")
                text[i] = "{}: \x1b[{}m{}\x1b[0m".format(
                    head, COLORS[status], rest)
    return "\n".join(text) + "\n"


def _head(pkg: PackageResult) -> str:
    return clean(pkg.name + (" " + pkg.version if pkg.version else ""))


def _file_json(f: Optional[WheelFile]):
    if f is None:
        return None
    return {"filename": f.filename, "url": f.url, "sha256": f.sha256,
            "size": f.size, "index": f.index,
            "kind": "wheel" if f.is_wheel else "sdist",
            "builder_abi": f.builder_abi,
            "file_abi_tag": f.file_abi_tag, "platform": f.platform,
            "requires_python": f.requires_python}


def _package_json(pkg: PackageResult) -> dict:
    return {
        "requirement": pkg.requirement,
        "name": pkg.name,
        "status": pkg.status.value,
        "version": pkg.version,
        "file": _file_json(pkg.file),
        "apt_dependencies": [
            {"name": d.name, "installed": d.installed,
             "known_to_apt": d.known_to_apt,
             "from_release": d.from_release}
            for d in pkg.apt_dependencies],
        "apt_known": pkg.apt_note is None,
        "apt_note": pkg.apt_note,
        "pip_dependencies": (None if pkg.pip_dependencies is None
                             else list(pkg.pip_dependencies)),
        "warnings": list(pkg.warnings),
        "reason": pkg.reason,
        "source": list(pkg.source),
        "required_by": list(pkg.required_by),
        "required_by_detail": [
            {"name": parent, "version": version or None,
             "requirement": req}
            for parent, version, req in pkg.required_by_detail],
        "fallback": None if not pkg.fallback_version else {
            "version": pkg.fallback_version,
            "file": _file_json(pkg.fallback_file)},
        "deep": None if pkg.deep is None else _files_json(pkg.deep),
        "downloads": _downloads_json(pkg.downloads),
        "suggestions": [{"name": d.name, "downloads": _downloads_json(d)}
                        for d in pkg.suggestions],
    }


def _files_json(d) -> dict:
    """What a distribution's (or wheel's) compiled files need."""
    return {
        "status": d.status.value, "modules": d.modules,
        "libraries": [{
            "soname": lib.soname, "needed_by": list(lib.needed_by),
            "path": lib.path, "found_by": lib.how,
            "checked": not lib.unchecked,
            "package": lib.package, "package_guessed": lib.guessed,
            "package_from": lib.named_by,
            "known_to_apt": lib.known_to_apt}
            for lib in d.libraries],
        "cannot_run": [{"file": f, "why": why} for f, why in d.wrong],
        "errors": list(d.errors),
        "requires_dist": None if d.requires is None else list(d.requires),
        "piwheels_file": d.piwheels_file}


def render_json(report: Report, version: str) -> str:
    """The JSON document (version 1, see README.rst)."""
    t = report.target
    doc = {
        "piwcheck": version,
        "json_version": JSON_VERSION,
        "index_url": report.indexes[0][1] if report.indexes else None,
        "indexes": [{"name": label, "url": url}
                    for label, url in report.indexes],
        "target": {
            "abi": t.abi,
            "python_version": t.python_version,
            "python_full_version": t.python_full_version,
            "platforms": t.platforms,
            "os": {"id": t.os_id, "codename": t.os_codename}
            if t.os_id else None,
            "dpkg_arch": t.dpkg_arch,
            "local": t.local,
            "notes": list(report.notes),
            "pip_version": t.pip_version,
            "assumed": list(t.assumed),
        },
        "packages": [_package_json(p) for p in report.packages],
        "summary": report.counts(),
        "apt_install": list(report.apt_install),
        "apt_command": report.apt_command,
        "exit_code": report.exit_code,
    }
    return json.dumps(doc, indent=2) + "\n"


def _count(n: int) -> str:
    """1234567 as '1.2M', 3400 as '3.4k'."""
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return "{:.1f}".format(n / size).rstrip("0").rstrip(".") + unit
    return str(n)


def did_you_mean(suggestions) -> str:
    """'not on piwheels; did you mean numpy (1.2M downloads last
    month)?'"""
    named = ["{} ({} downloads last month)".format(
        clean(d.name), _count(d.last_30_days)) for d in suggestions]
    return "not on piwheels; did you mean {}?".format(
        named[0] if len(named) == 1 else
        ", ".join(named[:-1]) + " or " + named[-1])


def _downloads_json(d):
    return None if d is None else {"last_30_days": d.last_30_days,
                                   "all_time": d.all_time}


def render_stats_text(names, found, suggestions) -> str:
    """--stats: each name's downloads, or what it may have meant."""
    lines = []
    for name in names:
        d = found.get(name)
        if d is not None:
            lines.append("{}: {:,} downloads in the last 30 days, {:,} in "
                         "all".format(clean(name), d.last_30_days,
                                      d.all_time))
        elif suggestions.get(name):
            lines.append("{}: {}".format(clean(name),
                                         did_you_mean(suggestions[name])))
        else:
            lines.append("{}: not in piwheels' statistics".format(
                clean(name)))
    return "\n".join(lines) + "\n"


def render_stats_json(names, found, suggestions, version: str) -> str:
    """--stats --json."""
    return json.dumps({
        "piwcheck": version, "json_version": JSON_VERSION,
        "projects": [{
            "name": n, "downloads": _downloads_json(found.get(n)),
            "suggestions": [{"name": d.name,
                             "downloads": _downloads_json(d)}
                            for d in suggestions.get(n, ())]}
            for n in names]}, indent=2) + "\n"


def _deep_lines(d, verbose: bool) -> List[str]:
    """--deep: what the wheel's compiled files need from outside it."""
    lines = []
    libs = [lib for lib in d.libraries
            if verbose or not (lib.how or "").startswith("in the wheel")]
    width = max([len(lib.soname) for lib in libs] + [0])
    for i, lib in enumerate(libs):
        lines.append("  {} {}  {}".format("libs:  " if i == 0 else "       ",
                                          lib.soname.ljust(width),
                                          _lib_state(lib)))
    bundled = len(d.libraries) - len(libs)
    lines.append("  files:  {} compiled file{}{}".format(
        d.modules, "" if d.modules == 1 else "s",
        ", {} librar{} bundled".format(bundled, "y" if bundled == 1
                                       else "ies") if bundled else ""))
    return lines + _fault_lines(d)


def _fault_lines(d) -> List[str]:
    """The files of ``d`` that cannot run, and what could not be read."""
    return ["  cannot run: {}: {}".format(f, why) for f, why in d.wrong] + \
        ["  error:  " + e for e in d.errors]


def _lib_state(lib) -> str:
    if lib.unchecked:
        return "not checked (another machine){}".format(
            ": apt package {}{}".format(lib.package, " (Debian's naming)"
                                        if lib.guessed else "")
            if lib.package else "")
    if lib.path is not None:
        where = "{} ({})".format(lib.path, lib.how)
        return where + (", " + lib.package if lib.package else "")
    if lib.package and lib.known_to_apt is not False:
        return "missing: apt package {}{}".format(
            lib.package, " (Debian's naming; apt knows it)"
            if lib.guessed and lib.known_to_apt else
            " (Debian's naming, not checked)" if lib.guessed else
            " (from {})".format("piwheels' apt list" if lib.named_by ==
                                "piwheels" else lib.named_by)
            if lib.named_by else "")
    if lib.package:
        return "missing: no apt package found ({} is Debian's naming, " \
               "unknown to apt here)".format(lib.package)
    return "missing: no apt package found"


def render_installed_text(report, verbose: bool = False,
                          color: bool = False) -> str:
    """The report of --installed or of wheel files."""
    lines = ["Checked: {}, on {}".format(report.what, report.machine)]
    shown = [d for d in report.distributions
             if verbose or d.status is not Status.OK or d.requires]
    for d in shown:
        lines.append("")
        lines.append("{} {}: {}".format(d.name, d.version, LABELS[d.status]))
        lines.append("  files:  {} compiled module{} in {}".format(
            d.modules, "" if d.modules == 1 else "s", d.location))
        for lib in d.libraries:
            if verbose or lib.path is None:
                lines.append("  lib:    {}  {}".format(lib.soname,
                                                       _lib_state(lib)))
                if lib.path is None:
                    lines.append("          needed by " +
                                 ", ".join(lib.needed_by[:3]) +
                                 (" ..." if len(lib.needed_by) > 3 else ""))
        if d.piwheels_file:
            lines.append("  from:   piwheels' " + d.piwheels_file +
                         " (its apt list names the packages)")
        lines.extend(_fault_lines(d))
        if d.requires:
            lines.append("  needs:  " + ", ".join(d.requires) +
                         " (from its METADATA; pip installs these too)")
    lines.append("")
    lines.append(_count_line([d.status for d in report.distributions],
                             "distribution with compiled files",
                             "distributions with compiled files"))
    if report.apt_command:
        lines.append("Install the missing libraries with:")
        lines.append("  " + report.apt_command)
    return _colored([clean(line) for line in lines],
                    {clean("{} {}".format(d.name, d.version)): d.status
                     for d in shown}, color)


def render_installed_json(report, version: str) -> str:
    """The JSON document of --installed or of wheel files."""
    doc = {
        "piwcheck": version, "json_version": JSON_VERSION,
        "checked": report.what, "machine": report.machine,
        "distributions": [dict(
            {"name": d.name, "version": d.version, "location": d.location},
            **_files_json(d)) for d in report.distributions],
        "apt_install": list(report.apt_install),
        "apt_command": report.apt_command,
        "exit_code": report.exit_code,
    }
    return json.dumps(doc, indent=2) + "\n"
