# SPDX-License-Identifier: BSD-3-Clause
"""What the formats share: clean(), the status labels and colours, the
head lines, the closing counts and apt command, and the lines about
libraries and suggested names that more than one report shows."""

import re
from typing import Dict, List

from ..results import ACTION_STATUSES, PackageResult, Report, Status

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

#: ANSI colours of the statuses, for a terminal.
COLORS = {Status.OK: "32", Status.MISSING_APT: "33", Status.NO_WHEEL: "33",
          Status.NO_MATCH: "31", Status.NOT_FOUND: "31", Status.CONFLICT: "31",
          Status.ERROR: "31;1"}

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

# C0 and C1 controls, DEL, and the bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069]")


def clean(text: object) -> str:
    """``text`` with terminal control characters made visible."""
    return _UNSAFE.sub(lambda m: "\\x{:02x}".format(ord(m.group()))
                       if ord(m.group()) < 0x100
                       else "\\u{:04x}".format(ord(m.group())), str(text))


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


def head_lines(target, indexes, notes, verbose: bool) -> List[str]:
    """The target, the indexes, what was assumed, the notes (not yet
    cleaned)."""
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


def render_head(target, indexes, notes, verbose: bool = False) -> str:
    """What the report starts with, known before anything is fetched:
    the target, the indexes, what was assumed, the notes."""
    return "\n".join(clean(line) for line in head_lines(
        target, indexes, notes, verbose)) + "\n"


def package_head(pkg: PackageResult) -> str:
    """'name version', cleaned: what a package's line starts with."""
    return clean(pkg.name + (" " + pkg.version if pkg.version else ""))


def count_line(statuses: List[Status], one: str, many: str) -> str:
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


def closing_lines(report: Report) -> List[str]:
    """The notes known only after the check, '6 packages: 5 ok, 1
    without a wheel', then the apt command."""
    lines = ["note: " + n for n in report.late_notes]
    lines += [count_line([p.status for p in report.packages], "package",
                        "packages")]
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


def status_heads(report: Report) -> Dict[str, Status]:
    """Each package's head line start, with its status (for colored)."""
    return {package_head(p): p.status for p in report.packages}


def colored(text: List[str], heads: Dict[str, Status], color: bool) -> str:
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


def fault_lines(d) -> List[str]:
    """The files of ``d`` that cannot run, and what could not be read."""
    return ["  cannot run: {}: {}".format(f, why) for f, why in d.wrong] + \
        ["  error:  " + e for e in d.errors]


def lib_state(lib) -> str:
    """Where a library a compiled file needs is, or which apt package
    should provide it ('probably' for a guess apt has not confirmed,
    which the apt command leaves out)."""
    if lib.unchecked:
        return "not checked (another machine){}".format(
            ": {}apt package {} ({})".format(
                "probably " if lib.guessed else "", lib.package,
                _source(lib)) if lib.package else "")
    if lib.path is not None:
        where = "{} ({})".format(lib.path, lib.how)
        return where + (", " + lib.package if lib.package else "")
    if lib.package and lib.installable:
        return "missing: apt package {} ({})".format(
            lib.package, "Debian's naming; apt knows it" if lib.guessed
            else _source(lib))
    if lib.package and lib.known_to_apt is None:
        return "missing: probably apt package {} (Debian's naming; no apt " \
               "here to confirm it, so not in the apt command)".format(
                   lib.package)
    if lib.package:
        return "missing: no apt package found ({} is {}, unknown to apt " \
               "here)".format(lib.package, "Debian's naming" if lib.guessed
                              else _source(lib))
    return "missing: no apt package found"


def _source(lib) -> str:
    """Who named a library's package, as its line says it."""
    if lib.guessed or not lib.named_by:
        return "Debian's naming"
    return "from " + ("piwheels' apt list" if lib.named_by == "piwheels"
                      else lib.named_by)
