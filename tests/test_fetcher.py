# SPDX-License-Identifier: BSD-3-Clause
"""The fetcher of one check (piwcheck.resolve.fetcher) while a start is
under way in another thread: the cache walk that runs before a
project's fetches are submitted is held open here."""

import threading

from helpers import pi
from memindex import MemIndex, wheels
from piwcheck.resolve.fetcher import Fetcher
from piwcheck.resolve.pool import Pool
from piwcheck.select import Formats

URL = "https://pypi.org/simple"


class HeldIndex(MemIndex):
    """A MemIndex with a cache whose reads wait for ``release``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.entered = threading.Event()
        self.release = threading.Event()

    @property
    def can_prefetch(self):
        return True

    def cached(self, name):
        self.entered.set()
        assert self.release.wait(10)
        return None


def _held_start():
    """A fetcher, its pool and index, and a thread held inside the start
    of 'top' (claimed, not yet submitted)."""
    index = HeldIndex(URL, [wheels("top", URL, "top-1.0-py3-none-any.whl")])
    pool = Pool(2)
    fetcher = Fetcher(pool, [index], pi(), False, Formats(), True)
    starter = threading.Thread(target=fetcher.start, args=("top",))
    starter.start()
    assert index.entered.wait(10)
    return fetcher, pool, index, starter


def test_close_while_a_start_is_under_way():
    """close() (as Ctrl-C does) while another thread is starting a
    project: no error about the start's placeholder, nothing else
    started after it."""
    fetcher, pool, index, starter = _held_start()
    try:
        fetcher.close()
        fetcher.start("other")
    finally:
        index.release.set()
        starter.join(10)
        pool.shutdown()
    assert index.asked in ([], ["top"])  # the claimed start ends its work
    assert "other" not in index.asked


def test_known_waits_for_the_start_in_another_thread():
    """known() of a project another thread is starting waits for that
    start (no second fetch), and gets its offers."""
    fetcher, pool, index, starter = _held_start()
    got = []
    waiter = threading.Thread(target=lambda: got.append(
        fetcher.known("top")))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive() and not index.asked  # waiting, not fetching
    index.release.set()
    starter.join(10)
    waiter.join(10)
    fetcher.close()
    pool.shutdown()
    (known,) = got
    assert [c.text for o in known.offers for c in o.candidates] == ["1.0"]
    assert index.asked == ["top"]
