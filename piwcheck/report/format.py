# SPDX-License-Identifier: BSD-3-Clause
"""The interface every output format implements, and the options the
command line passes to it."""

from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence

from ..results import Downloads, InstalledReport, Report


@dataclass(frozen=True)
class Options:
    """How to show a report, as the command line asked."""

    #: -v: URLs, hashes, pip dependencies, platforms.
    verbose: bool = False
    #: -q: only the apt command (the text format).
    quiet: bool = False
    #: ANSI colours for the statuses.
    color: bool = False
    #: False when render_head printed the head lines already.
    head: bool = True
    #: piwcheck's version, called only by the formats that state it
    #: (the JSON documents): finding it costs start-up time.
    version: Callable[[], str] = lambda: ""


class Format:
    """An output format: a renderer for each kind of report.

    ``check`` is the format's own; a format without a view of its own of
    the --installed or the --stats report shows them as text (as
    --summary and --tree always have)."""

    #: Whether the text head (the target, the indexes) may be printed
    #: before the check runs, as the start of this format's output.
    early_head = False
    #: Whether a progress line may go to stderr (on a terminal) while
    #: the check runs.
    progress = True
    #: Whether the check's report shows download counts without -v.
    downloads = False

    def check(self, report: Report, opts: Options) -> str:
        """A check's report (piwcheck REQUIREMENT...)."""
        raise NotImplementedError

    def matrix(self, matrix, opts: Options) -> str:
        """--matrix: a table of a check for each Pi (a
        matrix.MatrixReport); only the formats --matrix takes have it."""
        raise NotImplementedError

    def installed(self, report: InstalledReport, opts: Options) -> str:
        """--installed, or wheel files: what their compiled files need."""
        from .installed import render_installed_text
        return render_installed_text(report, opts.verbose, opts.color)

    def stats(self, names: Sequence[str], found: Dict[str, Downloads],
              suggestions: Dict[str, List[Downloads]],
              opts: Options) -> str:
        """--stats: each name's downloads, or what it may have meant."""
        from .stats import render_stats_text
        return render_stats_text(names, found, suggestions)
