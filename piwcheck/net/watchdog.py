# SPDX-License-Identifier: BSD-3-Clause
"""A bound on a whole HTTP exchange: connecting, headers and body.

urllib3's timeouts bound each socket operation, so a server that sends a
byte every few seconds, in its headers or its body, is never timed out.
A Watchdog shuts the socket of the request made in its thread when its
deadline passes; the requests adapters made by ``watched`` tell it which
connection that is."""

import heapq
import socket
import threading
import time
from functools import lru_cache

_local = threading.local()
_classes: dict = {}
_classes_lock = threading.Lock()


class _Clock:
    """The one thread that fires every watchdog at its deadline: a heap
    of (deadline, number, watchdog), so that the requests under way cost
    no thread each (a Timer each made -j 64 with three indexes 130
    threads)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap: list = []
        self._count = 0
        self._thread = None

    def add(self, deadline: float, dog: "Watchdog") -> int:
        """Fire ``dog`` at ``deadline``; a number that cancels it."""
        with self._cond:
            self._count += 1
            heapq.heappush(self._heap, (deadline, self._count, dog))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="piwcheck-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
            return self._count

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    # cancelled ones leave the heap as they come up
                    while self._heap and self._heap[0][2]._entry != \
                            self._heap[0][1]:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    left = self._heap[0][0] - time.monotonic()
                    if left <= 0:
                        _, entry, dog = heapq.heappop(self._heap)
                        break
                    self._cond.wait(left)
            dog._due(entry)


_clock = _Clock()


class Watchdog:
    """Within ``with``, this thread's HTTP connection is shut at
    ``deadline`` (a time.monotonic() value); ``expired`` says it was."""

    def __init__(self, deadline: float):
        self.expired = threading.Event()
        self._conn = None
        self._lock = threading.Lock()
        self._deadline = deadline
        #: the clock's number of this watchdog's deadline; 0: none
        self._entry = 0

    def __enter__(self) -> "Watchdog":
        _local.watchdog = self
        self._entry = _clock.add(self._deadline, self)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._entry = 0  # the clock drops it
        _local.watchdog = None

    def extend(self, deadline: float) -> None:
        """Shut the connection at ``deadline`` instead, unless it has
        been shut already."""
        with self._lock:
            if self.expired.is_set() or not self._entry:
                return
            self._deadline = deadline
            self._entry = _clock.add(deadline, self)

    def _watch(self, conn) -> None:
        with self._lock:
            self._conn = conn
            expired = self.expired.is_set()
        if expired:
            _shut(conn)

    def fire(self) -> None:
        """Shut the connection now (and any it takes later)."""
        self._expire()

    def _due(self, entry: int) -> None:
        """The clock's call at deadline ``entry``: expire, unless the
        request has ended or the deadline moved since."""
        with self._lock:
            if entry != self._entry:
                return
        self._expire()

    def _expire(self) -> None:
        with self._lock:
            self.expired.set()
            conn = self._conn
        if conn is not None:
            _shut(conn)


def _shut(conn) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _watched_pool(cls):
    """``cls``, a urllib3 connection pool, telling the thread's watchdog
    which connection each request takes."""
    if getattr(cls, "_piwcheck_watched", False):
        return cls
    with _classes_lock:
        if cls not in _classes:
            def _get_conn(self, timeout=None):
                conn = cls._get_conn(self, timeout=timeout)
                dog = getattr(_local, "watchdog", None)
                if dog is not None:
                    dog._watch(conn)
                return conn
            _classes[cls] = type(cls.__name__, (cls,), {
                "_get_conn": _get_conn, "_piwcheck_watched": True})
        return _classes[cls]


def _watch_manager(manager):
    manager.pool_classes_by_scheme = {
        scheme: _watched_pool(cls)
        for scheme, cls in manager.pool_classes_by_scheme.items()}
    return manager


@lru_cache(maxsize=None)
def watched(adapter_class):
    """A subclass of a requests adapter class whose connections, direct
    or through a proxy, a Watchdog can shut."""
    def init_poolmanager(self, *args, **kwargs):
        adapter_class.init_poolmanager(self, *args, **kwargs)
        _watch_manager(self.poolmanager)

    def proxy_manager_for(self, proxy, **kwargs):
        return _watch_manager(
            adapter_class.proxy_manager_for(self, proxy, **kwargs))

    return type(adapter_class.__name__, (adapter_class,), {
        "init_poolmanager": init_poolmanager,
        "proxy_manager_for": proxy_manager_for})
