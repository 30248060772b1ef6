# SPDX-License-Identifier: BSD-3-Clause
"""The --tree format: each package asked for, with what it brought in
below it, as pipdeptree draws it."""

from typing import Callable, Dict, Iterator, List, Tuple

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


def _walk(root: str, children: Dict[str, List[Tuple[str, str]]],
          by_name: Dict[str, PackageResult], shown: set,
          status: Callable[[PackageResult], str]) -> Iterator[str]:
    """The lines below ``root``, depth first, each child's dependencies
    under it (once: again, they are 'above'; a cycle is said where it
    closes); an explicit stack, so a chain of any depth is drawn."""
    path = [root]           # the packages from the root to here
    on_path = {root}
    stack = [(iter(_last_marked(children.get(root, ()))), "")]
    while stack:
        kids, prefix = stack[-1]
        step = next(kids, None)
        if step is None:
            stack.pop()
            on_path.discard(path.pop())
            continue
        (child, requirement), last = step
        pkg = by_name[child]
        line = "{}{}{}{}: {}".format(
            prefix, "└── " if last else "├── ", package_head(pkg),
            "" if requirement == child else
            " ({})".format(clean(requirement)), status(pkg))
        if child in on_path:
            yield line + " (a cycle)"
        elif child in shown and children.get(child):
            yield line + " (its dependencies are above)"
        else:
            yield line
            shown.add(child)
            path.append(child)
            on_path.add(child)
            stack.append((iter(_last_marked(children.get(child, ()))),
                          prefix + ("    " if last else "│   ")))


def _last_marked(kids) -> List[Tuple[Tuple[str, str], bool]]:
    """``kids`` sorted, each with whether it is the last."""
    ordered = sorted(kids)
    return [(kid, i == len(ordered) - 1) for i, kid in enumerate(ordered)]


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

    for pkg in report.packages:
        if pkg.asked:
            lines.append("{}: {}".format(package_head(pkg), status(pkg)))
            shown.add(pkg.name)
            lines.extend(_walk(pkg.name, children, by_name, shown, status))
    lines.append("")
    lines.extend(clean(line) for line in closing_lines(report))
    return "\n".join(lines) + "\n"


class TreeFormat(Format):
    """--tree."""

    early_head = True

    def check(self, report: Report, opts: Options) -> str:
        return render_tree(report, opts.color, head=opts.head)


FORMAT = TreeFormat()
