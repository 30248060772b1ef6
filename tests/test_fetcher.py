# SPDX-License-Identifier: BSD-3-Clause
"""The fetcher of one check (piwcheck.resolve.fetcher) while a start is
under way in another thread: the cache walk that runs before a
project's fetches are submitted is held open here; and dependency chains
deeper than Python's stack, cold and with every document cached."""

import threading
import time
from concurrent.futures import Future

import pytest

from helpers import pi
from memindex import MemIndex, requires, wheels
from piwcheck.check import CheckOptions, check
from piwcheck.inputs import Inputs, parse_line
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


class WarmIndex(MemIndex):
    """A MemIndex whose every document is in its cache too, as after a
    first run: the fetcher walks them ahead of the resolver."""

    @property
    def can_prefetch(self):
        return True

    def cached(self, name):
        project = self.projects.get(name)
        return (b"etag", project) if project is not None else None

    def cached_metadata(self, f):
        meta = self.metadata_of.get(f.filename)
        return (b"etag", meta) if meta is not None else None


def chain(kind, depth):
    """An index of p0 -> p1 -> ... -> p<depth>, each needing the next."""
    projects, metadata = [], {}
    for i in range(depth + 1):
        filename = "p{}-1.0-py3-none-any.whl".format(i)
        projects.append(wheels("p{}".format(i), URL, filename))
        metadata[filename] = requires("p{}".format(i + 1)) \
            if i < depth else requires()
    return kind(URL, projects, metadata=metadata)


@pytest.mark.parametrize("depth", [600, 1100])
@pytest.mark.parametrize("kind", [MemIndex, WarmIndex], ids=["cold", "warm"])
def test_a_chain_deeper_than_the_stack(kind, depth):
    """Every package of a chain far deeper than Python's recursion limit
    is reported, with no exception, in seconds: the walk of cached
    documents (which started each dependency from inside the start of
    its parent) is a work list."""
    index = chain(kind, depth)
    began = time.monotonic()
    report = check(Inputs([parse_line("p0")]), pi(), [index],
                   CheckOptions(workers=2))
    took = time.monotonic() - began
    assert [p.name for p in report.packages] == \
        ["p0"] + sorted("p{}".format(i) for i in range(1, depth + 1))
    assert {p.status.value for p in report.packages} == {"ok"}
    assert report.exit_code == 0
    assert took < 30  # about 1 s (600) and 3 s (1,100) on a Pi-class CPU


class InlinePool:
    """A pool that runs each piece of work as it is submitted: every
    future is done before its callbacks are added, so they run at once,
    in the thread adding them."""

    def submit(self, fn, *args, priority=0):
        future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future


def test_callbacks_of_finished_fetches_do_not_nest():
    """Offers, then metadata, then the next project's offers, each done
    at once: the callbacks that lead from one to the next are queued,
    not nested, and the whole chain is fetched ahead."""
    index = chain(MemIndex, 1100)
    fetcher = Fetcher(InlinePool(), [index], pi(), False, Formats(), True)
    fetcher.start("p0")
    assert len(index.asked) == 1101
    assert [c.text for o in fetcher.known("p1100").offers
            for c in o.candidates] == ["1.0"]


class BrokenCacheIndex(WarmIndex):
    """A WarmIndex whose cached document of p3 trips a bug."""

    def cached(self, name):
        if name == "p3":
            raise KeyError("p3")
        return super().cached(name)


def test_a_bug_in_the_walk_ahead_fails_that_package():
    """A bug met while walking ahead through the cache is that
    project's error (it is not left to a callback's log, nor ends the
    run): the chain is reported down to it."""
    errors = []
    report = check(Inputs([parse_line("p0")]), pi(),
                   [chain(BrokenCacheIndex, 10)], on_error=errors.append)
    assert [(p.name, p.status.value, p.reason) for p in report.packages] \
        == [("p0", "ok", None), ("p1", "ok", None), ("p2", "ok", None),
            ("p3", "error", "internal error: KeyError: 'p3'")]
    assert report.exit_code == 3 and [type(e) for e in errors] == [KeyError]


def test_each_project_is_ranked_once_for_a_spec(monkeypatch):
    """The resolver, the guess ahead of it and the report each rank a
    project's offers: for one spec it is worked out once a check."""
    from piwcheck.resolve import fetcher as fetcher_module

    asked = []
    real = fetcher_module.ranked

    def counted(offers, spec, name, pre, formats):
        asked.append((name, str(spec)))
        return real(offers, spec, name, pre, formats)
    monkeypatch.setattr(fetcher_module, "ranked", counted)
    projects, metadata = [], {}
    for name, needs in (("top", ("mid", "leaf")), ("mid", ("leaf",)),
                        ("leaf", ())):
        filename = "{}-1.0-py3-none-any.whl".format(name)
        projects.append(wheels(name, URL, filename))
        metadata[filename] = requires(*needs)
    report = check(Inputs([parse_line("top")]), pi(),
                   [MemIndex(URL, projects, metadata=metadata)],
                   CheckOptions(workers=2))
    assert [p.status.value for p in report.packages] == ["ok"] * 3
    assert asked and len(asked) == len(set(asked)), asked
