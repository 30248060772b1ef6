# SPDX-License-Identifier: BSD-3-Clause
"""--matrix: the same inputs checked for several Raspberry Pis at once.
The indexes are shared (indexes.shared): every document is fetched once
for all the targets, so each target after the first costs only the
choosing.  The result is each target's own Report, as a single check
for it gives, and the rows and exit code of the table they make."""

import threading
from dataclasses import dataclass, replace
from typing import Callable, FrozenSet, List, Optional, Sequence, Tuple

from .check import CheckOptions, check
from .results import PackageResult, Report, exit_code


@dataclass(frozen=True)
class MatrixReport:
    """A check's Report for each target, named by its kind (--pi's
    RELEASE-KIND), in the order asked."""

    kinds: Tuple[str, ...]
    reports: Tuple[Report, ...]
    #: --fail-on's choice (None: the default rules).
    fail_on: Optional[FrozenSet[str]] = None

    def names(self) -> List[str]:
        """The rows: the projects asked for, in the order asked, then
        the dependencies any target brought in, by name."""
        asked = {p.name: None for r in self.reports for p in r.packages
                 if p.asked}
        rest = sorted({p.name for r in self.reports for p in r.packages}
                      - set(asked))
        return list(asked) + rest

    def cell(self, name: str, column: int) -> Optional[PackageResult]:
        """The result for ``name`` on the target of ``column``; None when
        that target does not install it at all."""
        return next((p for p in self.reports[column].packages
                     if p.name == name), None)

    def target_exit(self, column: int) -> int:
        """The exit code of one target's check, under --fail-on."""
        return exit_code((p.status for p in self.reports[column].packages),
                         self.fail_on)

    @property
    def exit_code(self) -> int:
        """The worst cell decides."""
        return exit_code((p.status for r in self.reports
                          for p in r.packages), self.fail_on)


def check_matrix(inputs, targets: Sequence[Tuple[str, object]], indexes,
                 options: CheckOptions = CheckOptions(), stats=None,
                 on_error: Optional[Callable[[Exception], None]] = None,
                 fail_on: Optional[FrozenSet[str]] = None) -> MatrixReport:
    """Check ``inputs`` for each (kind, target) of ``targets`` against
    ``indexes``, shared: a document is fetched once for them all."""
    from concurrent.futures import ThreadPoolExecutor

    from .indexes.shared import SharedIndex
    from .offers import share

    # at most one check's requests at once (its pool: --jobs for each
    # index); every target offers each document, so its Files are kept
    # from the first offer (offers.py), not made again by the second
    shared = [SharedIndex(ix, options.workers * len(indexes), share)
              for ix in indexes]
    locked = None if stats is None else _OneAtATime(stats)
    # all at once: the later targets choose while the first waits for
    # the documents they all need; --jobs's workers shared out among
    # them (none waits for a document another is fetching: each fetch
    # is made by whichever asks first, and the others' work on it waits
    # without a thread), so the matrix has the threads of one check
    threads = ThreadPoolExecutor(len(targets),
                                 thread_name_prefix="piwcheck-matrix")
    try:
        jobs = [threads.submit(check, inputs, target, shared,
                               replace(options, workers=workers),
                               stats=locked, on_error=on_error)
                for (_, target), workers in zip(
                    targets, shares(options.workers, len(targets)))]
        reports = tuple(job.result() for job in jobs)
    except BaseException as exc:  # wait for none of what is under way
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C: end it at once
            for ix in indexes:
                ix.abort()
        threads.shutdown(wait=False)
        raise
    # every job is done: its thread ends at once, and none outlives the call
    threads.shutdown()
    return MatrixReport(tuple(kind for kind, _ in targets), reports,
                        fail_on)


def shares(workers: int, checks: int) -> List[int]:
    """``workers`` shared out among ``checks`` (at least one each)."""
    return [max(1, workers // checks + (k < workers % checks))
            for k in range(checks)]


class _OneAtATime:
    """``inner`` (piwheels' statistics) for checks that run at once: one
    call at a time (the first may fetch and build them)."""

    def __init__(self, inner):
        self.inner = inner
        self.lock = threading.Lock()

    def __getattr__(self, name: str):
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def locked(*args, **kwargs):
            with self.lock:
                return attr(*args, **kwargs)
        return locked
