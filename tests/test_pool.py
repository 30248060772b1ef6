# SPDX-License-Identifier: BSD-3-Clause
"""The priority pool the fetches run on."""

import threading

import pytest

from piwcheck.resolve.pool import Pool


def _blocked(pool):
    """Occupy the pool's one worker until the returned event is set."""
    gate = threading.Event()
    started = threading.Event()

    def hold():
        started.set()
        gate.wait(5)
    pool.submit(hold)
    assert started.wait(5)
    return gate


def test_lower_priority_runs_first_and_ties_keep_their_order():
    pool = Pool(1)
    gate = _blocked(pool)
    ran = []
    futures = [pool.submit(ran.append, label, priority=p)
               for label, p in (("a", 0), ("b", -2), ("c", 0), ("d", -1),
                                ("e", -2))]
    gate.set()
    for f in futures:
        f.result(5)
    assert ran == ["b", "e", "d", "a", "c"]
    pool.shutdown()


def test_results_and_exceptions_reach_the_future():
    pool = Pool(2)
    assert pool.submit(pow, 2, 10).result(5) == 1024
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(5)
    pool.shutdown()


def test_a_cancelled_future_does_not_run():
    pool = Pool(1)
    gate = _blocked(pool)
    ran = []
    dropped = pool.submit(ran.append, "dropped")
    kept = pool.submit(ran.append, "kept")
    assert dropped.cancel()
    gate.set()
    kept.result(5)
    assert ran == ["kept"]
    pool.shutdown()


def test_shutdown_cancels_what_has_not_started():
    pool = Pool(1)
    gate = _blocked(pool)
    waiting = pool.submit(lambda: None)
    pool.shutdown(wait=False, cancel_futures=True)
    assert waiting.cancelled()
    gate.set()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)


def test_threads_start_only_as_work_needs_them():
    import time

    pool = Pool(8)
    for _ in range(3):
        pool.submit(lambda: None).result(5)
        deadline = time.monotonic() + 5
        while pool._idle != 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    assert len(pool._threads) == 1  # the idle worker took each in turn
    pool.shutdown()
    assert not any(t.is_alive() for t in pool._threads)
