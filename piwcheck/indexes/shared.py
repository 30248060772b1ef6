# SPDX-License-Identifier: BSD-3-Clause
"""An index shared by several checks of one run (--matrix): each
document (a project's page, a file's metadata, a release's metadata) is
fetched once, and every later ask, from any check or thread, gets the
same answer (or the same error) without a request.  Whatever else the
index does is its own."""

import copy
import threading
from concurrent.futures import Future
from typing import Callable, Dict, Optional, Tuple


class SharedIndex:
    """``index``, with its documents fetched once for every check that
    reads it, at most ``jobs`` at a time however many checks ask (one
    check's bound: its pool, whose --jobs workers for each index may all
    ask one); a stand-in for it wherever an Index is used."""

    def __init__(self, index, jobs: int = 16,
                 on_project: Optional[Callable[[object], None]] = None):
        self.inner = index
        #: on_project(model): called with each project fetched, once
        self._on_project = on_project
        self._slots = threading.BoundedSemaphore(max(1, jobs))
        self._lock = threading.Lock()
        self._answers: Dict[Tuple, Future] = {}

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return "<shared {!r}>".format(self.inner)

    @property
    def requests(self) -> int:
        """How many documents were asked of the index itself."""
        with self._lock:
            return len(self._answers)

    def _once(self, key: Tuple, ask: Callable[[], object]):
        """``ask()``'s answer, asked once for ``key``: the first caller
        asks, the others (at once, or later) wait for its answer."""
        with self._lock:
            future = self._answers.get(key)
            first = future is None
            if first:
                future = self._answers[key] = Future()
        if first:
            try:
                with self._slots:
                    answer = ask()
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(answer)
        try:
            return future.result()
        except Exception as exc:  # each caller gets a copy of its own
            raise copy.copy(exc) from exc.__cause__

    def _begun(self, key: Tuple) -> Optional[Future]:
        """The answer for ``key`` once a caller has begun to ask it."""
        with self._lock:
            return self._answers.get(key)

    def pending(self, name: str) -> Optional[Future]:
        """The fetch of ``name`` once a check has begun it: done when
        fetch() answers at once (Index.pending)."""
        return self._begun(("fetch", name))

    def pending_metadata(self, f) -> Optional[Future]:
        return self._begun(("metadata", f.index, f.url))

    def pending_release(self, name: str, version: str) -> Optional[Future]:
        return self._begun(("release", name, version))

    def _known(self, key: Tuple) -> bool:
        with self._lock:
            future = self._answers.get(key)
        return future is not None and future.done()

    def fetch(self, name: str,
              unless: Optional[Callable[[], Optional[bytes]]] = None):
        """The project's model (never None: a later check's early
        guess is simply replaced)."""
        if unless is not None and not self._known(("fetch", name)):
            return self._first_fetch(name, unless)
        return self._once(("fetch", name),
                          lambda: self._told(self.inner.fetch(name)))

    def _told(self, model):
        """``model``, once on_project has been told of it."""
        if model is not None and self._on_project is not None:
            self._on_project(model)
        return model

    def _first_fetch(self, name: str, unless):
        """The first check's fetch, with its ``unless``: None when the
        document is the one it read from the cache; the model kept for
        the others either way."""
        said_none = []

        def ask():
            model = self.inner.fetch(name, unless)
            if model is None:
                said_none.append(True)
                cached = self.inner.cached(name)
                model = cached[1] if cached else self.inner.fetch(name)
            return self._told(model)
        model = self._once(("fetch", name), ask)
        return None if said_none else model

    def cached(self, name: str):
        """Nothing to guess from once the project is here: None."""
        if self._known(("fetch", name)):
            return None
        return self.inner.cached(name)

    def metadata(self, f):
        return self._once(("metadata", f.index, f.url),
                          lambda: self.inner.metadata(f))

    def cached_metadata(self, f):
        if self._known(("metadata", f.index, f.url)):
            return None
        return self.inner.cached_metadata(f)

    def release_metadata(self, name: str, version: str):
        return self._once(("release", name, version),
                          lambda: self.inner.release_metadata(name, version))
