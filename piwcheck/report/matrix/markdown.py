# SPDX-License-Identifier: BSD-3-Clause
"""--matrix as Markdown: the table (a row per project, a column per
Pi), why the cells that need action do, and each target's apt command
and exit code, every text from outside escaped."""

from ..markdown import apt_block, escape, table
from . import cell_text, describe, labels, reasons


def render_matrix_markdown(matrix) -> str:
    """The matrix as GitHub-flavoured Markdown."""
    first = matrix.reports[0]
    names = labels(first)
    lines = ["### piwcheck: {} projects on {} Raspberry Pis, exit code {}"
             .format(len(matrix.names()), len(matrix.kinds),
                     matrix.exit_code), ""]
    lines.extend(table(["Project"] + [escape(k) for k in matrix.kinds], (
        [escape(name)] + [escape(cell_text(matrix.cell(name, i), names))
                          for i in range(len(matrix.kinds))]
        for name in matrix.names())))
    why = reasons(matrix)
    if why:
        lines.extend(["", "**Why:**", ""])
        lines.extend("- **{}** ({}): {}".format(
            escape(name), escape(", ".join(kinds)), escape(reason))
            for name, kinds, reason in why)
    lines.extend(["", "| Pi | Target | Exit code | apt packages |",
                  "| --- | --- | --- | --- |"])
    lines.extend("| {} | {} | {} | {} |".format(
        escape(kind), escape(describe(r.target)), matrix.target_exit(i),
        escape(" ".join(r.apt_install)) or "(none)")
        for i, (kind, r) in enumerate(zip(matrix.kinds, matrix.reports)))
    commands = dict.fromkeys(r.apt_command for r in matrix.reports
                             if r.apt_command)
    for command in commands:
        lines.extend(["", "apt packages for {}:".format(escape(", ".join(
            k for k, r in zip(matrix.kinds, matrix.reports)
            if r.apt_command == command))), ""])
        lines.extend(apt_block(command))
    lines.extend(["", "Indexes: " + escape(", ".join(
        label if label == url else "{} ({})".format(label, url)
        for label, url in first.indexes))])
    return "\n".join(lines) + "\n"
