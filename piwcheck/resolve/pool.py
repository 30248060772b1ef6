# SPDX-License-Identifier: BSD-3-Clause
"""A thread pool that runs the most urgent work first.

A dependency tree is fetched level by level, and each level waits on the
one above; a first-in, first-out pool makes the first root's metadata
wait behind every other root's pages.  Here each piece of work has a
priority (lower runs sooner; equal ones in the order given), so the
fetch that leads deeper goes ahead of those that only fill in."""

import heapq
import itertools
import threading
from concurrent.futures import Executor, Future


class Pool(Executor):
    """``submit(fn, *args, priority=0)``; up to ``workers`` daemon
    threads, started as work arrives."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._heap: list = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._threads: list = []
        self._idle = 0
        self._closed = False

    def submit(self, fn, *args, priority: int = 0, **kwargs) -> Future:
        future: Future = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("submit after shutdown")
            heapq.heappush(self._heap, (priority, next(self._order),
                                        future, fn, args, kwargs))
            if self._idle:
                self._cond.notify()
            elif len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name="piwcheck-{}".format(
                                              len(self._threads)))
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._closed:
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
                if not self._heap:
                    return
                _, _, future, fn, args, kwargs = heapq.heappop(self._heap)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the waiter
                future.set_exception(exc)
            else:
                future.set_result(result)
            del future, fn, args, kwargs

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False
                 ) -> None:
        """Take no more work; with ``cancel_futures``, drop what has not
        started; with ``wait``, return when the rest is done."""
        with self._cond:
            self._closed = True
            if cancel_futures:
                for item in self._heap:
                    item[2].cancel()
                self._heap.clear()
            self._cond.notify_all()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()
