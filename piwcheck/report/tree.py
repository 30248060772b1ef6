# SPDX-License-Identifier: BSD-3-Clause
"""The --tree format: each package asked for, with what it brought in
below it, as pipdeptree draws it."""

from typing import Dict, List, Tuple

from ..results import PackageResult, Report
from .common import (COLORS, LABELS, clean, closing_lines, head_lines,
                     package_head)
from .format import Format, Options


def _children(report: Report) -> Dict[str, List[Tuple[str, str]]]:
    """Each package's dependencies: (name, the requirement it states)."""
    children: Dict[str, List[Tuple[str, str]]] = {}
    for pkg in report.packages:
        for parent, _, requirement in pkg.required_by_detail:
            children.setdefault(parent, []).append((pkg.name, requirement))
    return children


def render_tree(report: Report, color: bool = False,
                head: bool = True) -> str:
    """--tree: each package asked for, with what it brought in below it
    (as pipdeptree draws it), each with its status; then the counts and
    the apt command."""
    lines = [clean(line) for line in head_lines(
        report.target, report.indexes, report.notes, False)] if head else []
    lines.append("")
    by_name = {p.name: p for p in report.packages}
    children = _children(report)
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
                prefix, "└── " if last else "├── ", package_head(pkg),
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
        if pkg.asked:
            lines.append("{}: {}".format(package_head(pkg), status(pkg)))
            shown.add(pkg.name)
            walk(pkg.name, "", (pkg.name,))
    lines.append("")
    lines.extend(clean(line) for line in closing_lines(report))
    return "\n".join(lines) + "\n"


class TreeFormat(Format):
    """--tree."""

    early_head = True

    def check(self, report: Report, opts: Options) -> str:
        return render_tree(report, opts.color, head=opts.head)


FORMAT = TreeFormat()
