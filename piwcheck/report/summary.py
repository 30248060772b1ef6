# SPDX-License-Identifier: BSD-3-Clause
"""The --summary format: the packages that need action or failed, the
counts and the apt command."""

from ..results import ACTION_STATUSES, Report, Status
from .common import (LABELS, clean, closing_lines, colored, package_head,
                     status_heads)
from .format import Format, Options


def render_summary(report: Report, color: bool = False) -> str:
    """--summary: a line for each package that needs action or failed,
    the counts, and the apt command."""
    lines = ["{}: {}{}".format(package_head(p), LABELS[p.status],
                               ": " + p.reason if p.reason else "")
             for p in report.packages
             if p.status in ACTION_STATUSES
             or p.status in (Status.ERROR, Status.CONFLICT)]
    return colored([clean(line) for line in lines + closing_lines(report)],
                   status_heads(report), color)


class SummaryFormat(Format):
    """--summary."""

    def check(self, report: Report, opts: Options) -> str:
        return render_summary(report, opts.color)

    def installed(self, report, opts: Options) -> str:
        from .installed import render_installed_summary
        return render_installed_summary(report, opts.color)


FORMAT = SummaryFormat()
