# SPDX-License-Identifier: BSD-3-Clause
"""--matrix as text: the targets, the table (a row per project, a
column per Pi), why the cells that need action do, then each target's
apt command and exit code, and the run's."""

from typing import List

from ..common import clean
from . import cell_text, describe, labels, reasons


def _columns(rows: List[List[str]]) -> List[str]:
    """``rows`` as lines of left-aligned columns two spaces apart."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
            for r in rows]


def render_matrix_text(matrix) -> str:
    """The matrix as text, every field cleaned."""
    first = matrix.reports[0]
    lines = ["Indexes: " + ", ".join(
        label if label == url else "{} ({})".format(label, url)
        for label, url in first.indexes), "Targets:"]
    lines.extend(_columns([["  " + kind, describe(r.target)] for kind, r in
                           zip(matrix.kinds, matrix.reports)]))
    names = labels(first)
    table = [["project"] + list(matrix.kinds)]
    table.extend([name] + [cell_text(matrix.cell(name, i), names)
                           for i in range(len(matrix.kinds))]
                 for name in matrix.names())
    lines.append("")
    lines.extend(_columns([[clean(c) for c in row] for row in table]))
    why = reasons(matrix)
    if why:
        lines.extend(["", "Why:"])
        lines.extend("  {} ({}): {}".format(name, ", ".join(kinds), reason)
                     for name, kinds, reason in why)
    lines.extend(["", "Each target's apt packages and exit code:"])
    lines.extend(_columns([
        ["  " + kind, "exit {}".format(matrix.target_exit(i)),
         r.apt_command or "(no apt packages)"]
        for i, (kind, r) in enumerate(zip(matrix.kinds, matrix.reports))]))
    lines.append("Exit code: {} (the worst cell{})".format(
        matrix.exit_code, ", --fail-on " + ",".join(sorted(matrix.fail_on))
        if matrix.fail_on is not None else ""))
    return "\n".join(clean(line) for line in lines) + "\n"
