# SPDX-License-Identifier: BSD-3-Clause
"""The Markdown format (--format markdown): GitHub-flavoured tables for
$GITHUB_STEP_SUMMARY and pull-request comments.  Every text that comes
from outside (names, versions, file names, reasons from the indexes) is
cleaned and escaped, so no name can break a table, open a link, an
image, HTML, or mention someone."""

import re
from typing import Iterable, List, Sequence

from ..results import Report, Status
from .common import LABELS, clean, count_line, head_lines
from .format import Format, Options

#: What Markdown could read as more than text (CommonMark backslash
#: escapes each), and the table's cell separator.
_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&#@$])")
#: Line breaks that clean() leaves (it shows the C0 and C1 controls).
_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029"}


def escape(text: object) -> str:
    """``text`` as Markdown shows it literally, on one line."""
    shown = clean(text)
    for char, name in _BREAKS.items():
        shown = shown.replace(char, name)
    return _SPECIAL.sub(r"\\\1", shown)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> List[str]:
    """A GitHub-flavoured table of cells already escaped."""
    def line(cells):
        return "| " + " | ".join(c or " " for c in cells) + " |"
    return [line(header), line(["---"] * len(header))] + [
        line(r) for r in rows]


def apt_block(command: str) -> List[str]:
    """The apt command as a shell block (its names are Debian's, checked
    before they got here: no backquote can end the block)."""
    return ["```sh", clean(command), "```"]


def _file(pkg, names) -> str:
    f = pkg.file
    if f is None:
        return ""
    return "{} ({})".format(escape(f.filename),
                            escape(names.get(f.index, f.index)))


def render_markdown(report: Report) -> str:
    """A check's report: the head as a list, a row per package, why the
    packages that need action do, and the apt command."""
    names = {url: label for label, url in report.indexes}
    lines = ["### piwcheck: " + escape(count_line(
        [p.status for p in report.packages], "package", "packages")), ""]
    lines.extend("- " + escape(line) for line in head_lines(
        report.target, report.indexes, report.notes, False))
    lines.append("")
    lines.extend(table(["Package", "Version", "Status", "File", "apt"], (
        [escape(p.name), escape(p.version or ""), escape(LABELS[p.status]),
         _file(p, names),
         escape(", ".join(d.name for d in p.apt_dependencies))]
        for p in report.packages)))
    why = [p for p in report.packages
           if (p.reason and p.status is not Status.OK) or p.warnings]
    if why:
        lines.extend(["", "**Why:**", ""])
        for p in why:
            for text in ([p.reason] if p.reason else []) + [
                    "warning: " + w for w in p.warnings]:
                lines.append("- **{}**: {}".format(escape(p.name),
                                                   escape(text)))
    if report.apt_command:
        lines.extend(["", "apt packages to install:", ""])
        lines.extend(apt_block(report.apt_command))
    lines.extend(["", "Exit code: {}".format(report.exit_code)])
    return "\n".join(lines) + "\n"


class MarkdownFormat(Format):
    """--format markdown: the report and the matrix as tables."""

    progress = False

    def check(self, report: Report, opts: Options) -> str:
        return render_markdown(report)

    def matrix(self, matrix, opts: Options) -> str:
        from .matrix.markdown import render_matrix_markdown
        return render_matrix_markdown(matrix)


FORMAT = MarkdownFormat()
