# SPDX-License-Identifier: BSD-3-Clause
"""Every fetch of one check, each started once, on a priority pool: a
project's offers from every index, and the metadata of the candidates
the resolver (or a guess ahead of it) picks.  With ``follow``, fetches
run ahead: when a project's offers arrive, the metadata of its likely
pick is fetched, and from it the offers of its dependencies; the deeper
a fetch leads, the sooner it runs."""

import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ..errors import NotFound, PiwcheckError, internal_error
from ..metadata import Metadata
from ..select import Candidate, Formats, Offer, offer, ranked
from ..target import Target
from .deps import (Read, cached_metadata, dependencies,
                   pending_metadata, read_metadata)


@dataclass
class Known:
    """What the fetches found for one project."""

    offers: List[Offer] = field(default_factory=list)
    failures: Dict[int, str] = field(default_factory=dict)
    missing: Dict[int, str] = field(default_factory=dict)


class Fetcher:
    """Every fetch of one check, each started once, on ``pool``."""

    def __init__(self, pool, indexes, target: Target, pre: bool,
                 formats: Formats, follow: bool, progress=None,
                 on_error=None):
        self.pool = pool
        #: progress(done, known): projects whose every index has answered,
        #: of those asked for (called from the resolving thread)
        self.progress = progress
        #: on_error(exc): each exception a fetch of offers raised, once
        #: (called from the resolving thread); Known.failures has its text
        self.on_error = on_error
        self._reported: set = set()
        self._answered: set = set()
        self.indexes = indexes
        self.target = target
        self.rank = target.tag_rank()
        self.pre = pre
        self.formats = formats
        self.follow = follow
        #: name -> set once the fetches of ``name`` are submitted (it
        #: is claimed before: another thread may be starting them)
        self._started: Dict[str, threading.Event] = {}
        self._offers: Dict[Tuple[str, int], Future] = {}
        #: name -> how far below a root it was first asked for
        self._depth: Dict[str, int] = {}
        self._meta: Dict[Tuple[str, Version], Future] = {}
        self._lock = threading.Lock()
        #: each thread's work list (see _later)
        self._local = threading.local()
        self.closed = False
        #: name -> the first bug (an exception not foreseen) met in the
        #: work for that project: it fails that package, not the run
        self._broken: Dict[str, Exception] = {}
        #: Cached documents can say what comes next (a cache, a network).
        self.early = follow and any(ix.can_prefetch for ix in indexes)
        #: (name, index) -> (digest, offer) made from the cached document
        self._early: Dict[Tuple[str, int], Tuple[bytes, Offer]] = {}
        #: (name, spec, ids of the offers) -> (the offers, ranked's
        #: answer): the resolver, the guesses ahead of it and the report
        #: each rank a project's offers for the same spec
        self._ranked: Dict[Tuple, Tuple] = {}

    def ranked(self, offers: Sequence[Offer], spec: SpecifierSet,
               name: str) -> List[Candidate]:
        """select.ranked for this check (its pre and formats), each
        answer worked out once; not to be changed."""
        key = (name, str(spec), tuple(map(id, offers)))
        known = self._ranked.get(key)
        if known is None:  # the offers are kept: their ids stay theirs
            known = self._ranked[key] = (tuple(offers), ranked(
                offers, spec, name, self.pre, self.formats))
        return known[1]

    # offers ---------------------------------------------------------------

    def _priority(self, name: str, metadata: bool = False) -> int:
        """Deeper first; a project's metadata before the pages of
        others at its depth."""
        return -2 * self._depth.get(name, 0) - metadata

    def start(self, name: str, spec: SpecifierSet = SpecifierSet(),
              parent: Optional[str] = None) -> None:
        """Start fetching ``name`` (a dependency of ``parent``) from
        every index (once); with a warm cache, also what its cached
        documents say comes next, so a tree's levels are revalidated
        together.  The walk is a work list, not recursion: a chain of
        any depth takes no stack."""
        self._later(self._start, name, spec, parent)

    def _later(self, fn, *args) -> None:
        """Call ``fn(*args)`` in this thread, after the calls it is
        already making (the start of a dependency from a cached walk, a
        callback of a future that is already done) have returned: each
        thread drains its own work list, so nothing nests."""
        todo = getattr(self._local, "todo", None)
        if todo is not None:
            todo.append((fn, args))
            return
        todo = self._local.todo = deque([(fn, args)])
        try:
            while todo:
                fn, args = todo.popleft()
                fn(*args)
        finally:
            self._local.todo = None

    def _start(self, name: str, spec: SpecifierSet,
               parent: Optional[str]) -> None:
        """start()'s work for one project; the fetches of what it leads
        to are left on the work list."""
        with self._lock:
            if self.closed or name in self._started:
                return
            # claimed before the early walk, which starts others
            started = self._started[name] = threading.Event()
            self._depth[name] = 0 if parent is None else \
                self._depth.get(parent, 0) + 1
        try:
            if self.early:
                self.guard(name, self._ahead_cached, name, spec)
        finally:
            futures = self._submit(name, started)
        if self.follow:
            self._when_all(futures, lambda: self.guard(
                name, self._ahead, name, spec))

    def guard(self, name: str, fn, *args):
        """``fn(*args)``, the work of project ``name``, behind its failure
        boundary: a bug is kept as that project's (``broken``), and
        None returned; the run goes on."""
        try:
            return fn(*args)
        except Exception as exc:  # the boundary of one project's work
            self.broke(name, exc)
            return None

    def broke(self, name: str, exc: Exception) -> None:
        """Keep ``exc``, a bug met in the work for ``name`` (the first)."""
        with self._lock:
            self._broken.setdefault(name, exc)

    def broken(self, name: str) -> Optional[Exception]:
        """The bug met in the work for ``name``, if any."""
        with self._lock:
            return self._broken.get(name)

    def _submit(self, name: str, started: threading.Event) -> list:
        """Submit the fetch of ``name`` from each index; then tell those
        waiting for them (``started``)."""
        futures = []
        try:
            with self._lock:
                for i, index in enumerate(self.indexes):
                    future: Future = Future()
                    self._offers[(name, i)] = future
                    futures.append(future)
                    self._run(future, self._priority(name), index.pending,
                              (name,), self._offer, i, name)
        finally:
            started.set()
        return futures

    def _run(self, future: Future, priority: int, pending, about: tuple,
             fn, *args) -> None:
        """``fn(*args)`` on the pool, into ``future``; when the document
        it reads first is being fetched for another check
        (``pending(*about)``: Index.pending), the worker does not wait
        for it: the work is submitted again once it is here.  (Each
        check of --matrix has a few workers: none waits for another's
        fetch.)"""
        self.pool.submit(self._fill, future, priority, pending, about, fn,
                         args, priority=priority)

    def _fill(self, future: Future, priority: int, pending, about: tuple,
              fn, args: tuple) -> None:
        if future.done():  # cancelled by close()
            return
        ready = pending(*about) if pending is not None else None
        if ready is not None and not ready.done():
            ready.add_done_callback(lambda _: self._again(
                future, priority, fn, args))
            return
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = fn(*args)
        except BaseException as exc:  # handed to the waiter
            future.set_exception(exc)
        else:
            future.set_result(result)

    def _again(self, future: Future, priority: int, fn, args: tuple
               ) -> None:
        """Submit ``fn(*args)`` again, its document here (in the thread
        that fetched it)."""
        if self.closed or future.done():
            future.cancel()
            return
        try:
            self.pool.submit(self._fill, future, priority, None, (), fn,
                             args, priority=priority)
        except RuntimeError:  # the pool is shut down: nobody waits
            future.cancel()

    def _when_all(self, futures: list, then) -> None:
        """Call ``then()`` once every one of ``futures`` is done (in the
        thread that finished the last, or this one if all are)."""
        remaining = [len(futures)]
        lock = threading.Lock()

        def arrived(_):
            with lock:
                remaining[0] -= 1
                last = remaining[0] == 0
            if last:
                self._later(then)
        for future in futures:
            future.add_done_callback(arrived)

    def _offer(self, i: int, name: str) -> Offer:
        """Fetch ``name`` from index ``i`` and reduce it to its offer, in
        a worker, so only the offer outlives the document; an unchanged
        document (a 304) gives back the offer made early from it."""
        index = self.indexes[i]
        early = self._early.pop((name, i), None)
        project = index.fetch(name, unless=(lambda: early[0]) if early
                              else None)
        if project is None:
            return early[1]
        return offer(project, self.target, i, index.label, self.rank,
                     index.has_apt_data)

    def known(self, name: str) -> Known:
        """The offers of ``name`` (waiting for them)."""
        self.start(name)
        if self.progress is not None and name not in self._answered:
            self._answered.add(name)
            with self._lock:
                asked = len(self._started)
            self.progress(len(self._answered), asked)
        self._started[name].wait()  # another thread may be starting it
        with self._lock:
            futures = [self._offers[(name, i)]
                       for i in range(len(self.indexes))]
        known = Known()
        for i, future in enumerate(futures):
            try:
                known.offers.append(future.result())
            except NotFound as exc:
                known.missing[i] = str(exc)
            except Exception as exc:  # a bug too fails this index only
                known.failures[i] = str(exc) if isinstance(
                    exc, PiwcheckError) else internal_error(exc)
                if self.on_error is not None and \
                        (name, i) not in self._reported:
                    self._reported.add((name, i))
                    self.on_error(exc)
        return known

    def _done(self, name: str) -> Optional[List[Offer]]:
        """The offers of ``name`` if all have arrived without error."""
        with self._lock:
            futures = [self._offers.get((name, i))
                       for i in range(len(self.indexes))]
        if not all(f is not None and f.done() for f in futures):
            return None
        offers = []
        for f in futures:
            if not f.cancelled() and f.exception() is None:
                offers.append(f.result())
        return offers

    def _ahead(self, name: str, spec: SpecifierSet) -> None:
        """Fetch the metadata of the likely pick of ``name`` (in the
        thread that brought its offers)."""
        offers = self._done(name)
        if not offers:
            return
        cands = self.ranked(offers, spec, name)
        if cands:
            self.start_metadata(name, cands[0], offers)

    def _ahead_cached(self, name: str, spec: SpecifierSet) -> None:
        """Start the fetches the cached documents of ``name`` lead to."""
        offers = []
        for i, index in enumerate(self.indexes):
            cached = index.cached(name)
            if cached is not None:
                made = offer(cached[1], self.target, i, index.label,
                             self.rank, index.has_apt_data)
                self._early[(name, i)] = (cached[0], made)
                del cached  # only the offer is kept
                offers.append(made)
        cands = ranked(offers, spec, name, self.pre, self.formats)
        if not cands:
            return
        meta = cached_metadata(self.indexes, cands[0].file)
        if meta is not None:
            self._start_dependencies(name, meta)

    def _start_dependencies(self, name: str, meta: Metadata) -> None:
        """Start fetching what ``meta`` (of ``name``) requires."""
        for req in dependencies(meta, self.target, frozenset())[0]:
            self.start(req.name, req.specifier, name)

    # metadata -------------------------------------------------------------

    def start_metadata(self, name: str, cand: Candidate,
                       offers: Sequence[Offer]):
        key = (name, cand.version)
        with self._lock:
            if self.closed or key in self._meta:
                return self._meta.get(key)
            future = self._meta[key] = Future()
            self._run(future, self._priority(name, True), pending_metadata,
                      (self.indexes, name, cand, offers), read_metadata,
                      self.indexes, name, cand, list(offers))
        if self.follow:
            future.add_done_callback(
                lambda f: self._later(self._follow, name, f))
        return future

    def _follow(self, name: str, future) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        meta = future.result().metadata
        if meta is not None:
            self.guard(name, self._start_dependencies, name, meta)

    def metadata(self, name: str, cand: Candidate,
                 offers: Sequence[Offer]) -> Read:
        """What was read of ``cand``'s metadata (waiting for it)."""
        future = self.start_metadata(name, cand, offers)
        if future is None:
            return Read(None)
        try:
            return future.result()
        except PiwcheckError as exc:
            why = str(exc)
        except Exception as exc:  # a bug: this package's, not the run's
            self.broke(name, exc)
            why = internal_error(exc)
        return Read(None, (), "its dependencies could not be read: " + why)

    def close(self) -> None:
        """Start nothing more; drop what has not started."""
        with self._lock:
            self.closed = True
            futures = list(self._offers.values()) + list(self._meta.values())
        for future in futures:
            future.cancel()
