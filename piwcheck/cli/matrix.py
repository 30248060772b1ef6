# SPDX-License-Identifier: BSD-3-Clause
"""--matrix's mode: the requirements checked for each Pi kind asked
(matrix.check_matrix, documents fetched once for all), one table
written, the worst cell's exit code."""

import sys

from .modes import (_close_statistics, _debug_traceback, _indexes, _inputs,
                    _statistics, _transport, check_options)
from .parser import version
from .settings import Settings


def matrix_targets(s: Settings):
    """(kind, Target) for each of --matrix's kinds, in its order."""
    from ..described import described_target

    return [(kind, described_target(None, [], pip_version=s.pip_version,
                                    pi=kind)) for kind in s.matrix]


def matrix_mode(s: Settings) -> int:
    """Check the requirements for every kind; print the table; the
    exit code of its worst cell."""
    from ..matrix import check_matrix
    from ..report import Options, clean, problem_lines
    from ..report.output import write
    from .pipopts import pip_options

    transport = _transport(s)
    inputs = _inputs(s, transport)
    opts = pip_options(s, inputs.options)
    targets = matrix_targets(s)
    indexes = _indexes(s, opts, transport, [tgt for _, tgt in targets])
    for _, tgt in targets:
        inputs.check_pip(tgt)
    fmt = s.report_format
    sites = [ix.statistics_site for ix in indexes if ix.statistics_site]
    stats = _statistics(s, transport, sites[0]) if sites else None
    try:
        matrix = check_matrix(
            inputs, targets, indexes,
            check_options(s, opts, indexes, transport), stats=stats,
            on_error=_debug_traceback(), fail_on=s.fail_on)
    finally:
        if stats is not None:
            _close_statistics(s, stats)
    lines = (line for report in matrix.reports
             for line in problem_lines(report, False))
    for line in dict.fromkeys(lines):
        print("piwcheck: " + clean(line), file=sys.stderr)
    write(fmt.matrix(matrix, Options(s.verbose, color=s.coloured,
                                     version=version)), s.output)
    return matrix.exit_code
