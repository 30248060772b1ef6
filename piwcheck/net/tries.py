# SPDX-License-Identifier: BSD-3-Clause
"""The tries of a transport's requests: the retry loop (waits, a most
number of tries, a site taken to be down) and the stop that ends every
try and wait, firing the watchdogs of the requests under way."""

import time
from typing import Any, Callable, Dict, Optional

from ..errors import FetchError
from .errors import Retry, secs
from .session import site
from .watchdog import Watchdog

#: Seconds past a document's deadline before its connection is shut.
WATCHDOG_GRACE = 0.5


class Tries:
    """The retry loop and stop of :class:`~.transport.Transport`:
    ``retries`` tries after the first, as pip's --retries."""

    def __init__(self, retries: int):
        import threading

        #: Most tries for one document.
        self.max_attempts = 1 + retries
        #: site -> why it is taken to be down
        self._down: Dict[str, str] = {}
        self._lock = threading.Lock()
        #: set by abort(): no more tries, no more waits
        self._stop = threading.Event()
        #: the watchdogs of the requests under way
        self._dogs: set = set()

    def down(self, url: str) -> Optional[str]:
        """Why the site of ``url`` is taken to be down, or None."""
        with self._lock:
            return self._down.get(site(url))

    def _with_retries(self, url: str, deadline: float,
                      once: Callable[[], Any]) -> Any:
        """What ``once()`` gives, tried again after each Retry it raises
        while tries and time are left; FetchError when they are not."""
        attempt = 0
        while True:
            self._may_try(url)
            attempt += 1
            try:
                return once()
            except Retry as exc:
                self._wait_to_retry(exc, url, attempt, deadline)

    def _may_try(self, url: str) -> None:
        """FetchError when no further try of ``url`` is to be made: a
        stop, or its site taken to be down."""
        if self._stop.is_set():
            raise FetchError("interrupted")
        down = self.down(url)
        if down:
            raise FetchError(down)

    def _wait_to_retry(self, exc: Retry, url: str, attempt: int,
                       deadline: float) -> None:
        """Wait before the next try after ``exc``; FetchError when there
        is to be none (too many tries, too little time, a stop)."""
        wait = exc.after if exc.after is not None else min(
            0.5 * 2 ** (attempt - 1), 4.0)
        left = deadline - time.monotonic()
        if attempt >= self.max_attempts or wait >= left:
            message = str(exc)
            if exc.after is not None and exc.after >= left:
                message += " (asked to wait {} s, more than the {} s " \
                           "left)".format(secs(exc.after), secs(left))
            elif attempt > 1:
                message += " ({} tries)".format(attempt)
            if exc.unreachable:
                with self._lock:
                    self._down.setdefault(
                        site(url), "cannot reach {}: {}{}".format(
                            site(url), exc.reason or message,
                            message[len(str(exc)):]))
                    message = self._down[site(url)]
            raise FetchError(message)
        if self._stop.wait(wait):
            raise FetchError("interrupted")

    def _watchdog(self, deadline: float) -> Watchdog:
        """The watchdog of one request, known to abort().  A backstop:
        the socket timeouts end at the deadline too, and say more when
        they fire, so the watchdog waits a moment longer."""
        dog = Watchdog(deadline + WATCHDOG_GRACE)
        with self._lock:
            self._dogs.add(dog)
        if self._stop.is_set():
            dog.fire()
        return dog

    def abort(self) -> None:
        """Stop: shut the connections of the requests under way (their
        reads end at once) and make every further try or wait fail.  A
        request may get its socket just after a watchdog fires (a new
        connection has none until it connects), so the firing goes on,
        in a thread of its own, until no request is left or 2 s pass.
        Stopping again does nothing more."""
        import threading

        if self._stop.is_set():
            return
        self._stop.set()

        def fire_all() -> bool:
            with self._lock:
                dogs = list(self._dogs)
            for dog in dogs:
                dog.fire()
            return bool(dogs)

        def keep_firing() -> None:
            end = time.monotonic() + 2.0
            while fire_all() and time.monotonic() < end:
                time.sleep(0.02)
        fire_all()
        threading.Thread(target=keep_firing, daemon=True).start()
