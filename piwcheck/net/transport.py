# SPDX-License-Identifier: BSD-3-Clause
"""One HTTP transport for every index: documents and downloads go
through the same retry loop (timeouts, retries, a site taken to be down,
a stop), a time budget per document enforced by a watchdog, a size cap,
and the cache of parsed models."""

import io
import threading
import time
from typing import Any, Callable, Dict, Optional, Tuple

from .. import DEFAULT_TIMEOUT
from ..errors import DataError, FetchError, NotFound, PiwcheckError
from . import heap
from .body import Packed
from .body import packed as body_packed
from .body import stream as body_stream
from .body import stream_into
from .errors import (Retry, check_length, check_status, describe,
                     local_write_failure, secs, translate)
from .options import DEFAULT_RETRIES
from .session import HttpSession
from .tries import WATCHDOG_GRACE, Tries

#: Largest document accepted; real ones are a few MB.
MAX_BYTES = 64 * 1000 * 1000

#: One document decoded at a time, whatever --jobs says: decoding is
#: CPU-bound (the GIL runs one thread at a time anyway), and a real
#: page's decoded JSON is several times its body, so 16 decoded at once
#: would hold 16 times that.
_DECODING = threading.Lock()

#: parse(body, content type) -> model; DataError when it is not one.
Parse = Callable[[bytes, str], Any]


class Transport(Tries):
    """Fetches documents over one pooled HTTP session, with retries, a
    time budget per document, a size cap and, given a ``cache_dir``, a
    persistent HTTP cache that also keeps each document's parsed model.
    ``connections`` sizes its connection pools: how many connections it
    keeps open to a site, and for how many sites (the command line's
    --jobs).  ``retries``: tries after the first, as pip's --retries;
    ``net`` (a NetOptions): the CA bundle, client certificate, trusted
    hosts and proxy of the session."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT,
                 connections: int = 16, max_bytes: int = MAX_BYTES,
                 cache_dir: Optional[str] = None, offline: bool = False,
                 retries: int = DEFAULT_RETRIES, net=None):
        super().__init__(retries)
        self.timeout = timeout
        #: Seconds one document may take, all tries and waits included.
        self.budget = 3 * timeout
        self.max_bytes = max_bytes
        self.offline = offline
        #: The session; its ``net``: pip's settings (``trust`` adds hosts).
        self.http = HttpSession(connections, cache_dir, offline, net)
        #: The parsed models (None: there is no cache).
        self.models = self.http.models
        #: Where the cache is (None: there is none).
        self.cache_dir = self.http.cache_dir

    @property
    def can_prefetch(self) -> bool:
        """Whether cached documents can tell what to fetch next before
        the fresh ones arrive (there is a cache, and a network)."""
        return self.models is not None and not self.offline

    def cached(self, url: str, key: Optional[str] = None
               ) -> Optional[Tuple[bytes, Any]]:
        """(digest, model) of the document at ``url`` as it was last
        parsed here (kept under ``key``, as ``fetch`` keeps it), however
        old, asking no one; None when there is none."""
        if self.models is None:
            return None
        return self.models.latest(key or url)

    def fetch(self, url: str, parse: Parse, accept: str,
              unless: Optional[Callable[[], Optional[bytes]]] = None,
              key: Optional[str] = None) -> Any:
        """The model of the document at ``url``; NotFound (a 404),
        FetchError or DataError.  None when ``unless()`` gives the digest
        of the document fetched (the caller has what it needs from the
        cached one).  The model is kept under ``key`` (default: the URL;
        a parse that keeps part of a document names what it keeps).  A
        404 is kept for --offline to answer again."""
        deadline = time.monotonic() + self.budget
        key = key or url
        if self.offline:
            return self._fetch_cached(url, parse, accept, unless, deadline,
                                      key)
        fresh = False

        def once():
            nonlocal fresh
            while True:
                cached = False
                try:
                    body, ctype, cached = self._get(url, accept, deadline,
                                                    fresh)
                    return self._model(url, key, body, ctype, parse, unless)
                except DataError as exc:  # its last body: no model
                    if self.models is not None and parse is not _raw:
                        self.models.drop(key)
                    if not (cached or getattr(exc, "from_cache", False)) \
                            or fresh:
                        raise
                # a damaged cache entry: dropped and fetched anew, whole
                self.http.forget(url)
                fresh = True
                self._may_try(url)
        try:
            return self._with_retries(url, deadline, once)
        except NotFound as exc:
            if self.models is not None and parse is not _raw:
                self.models.set_not_found(key, str(exc))
            raise

    def body(self, url: str, accept: str = "text/plain") -> bytes:
        """The bytes of the document at ``url`` (a requirements file):
        through the HTTP cache, never the model cache, which keeps one
        model per URL (a project's, were it asked for as a file)."""
        return self.fetch(url, _raw, accept)

    def download(self, url: str, out, max_bytes: int, seconds: float,
                 headers: Optional[Dict[str, str]] = None,
                 started: Optional[Callable[[Any], None]] = None
                 ) -> Optional[str]:
        """Stream the file at ``url`` into ``out`` (a binary file open
        for writing), within ``max_bytes``; its sha256, or None when
        ``headers`` (If-None-Match, If-Modified-Since) brought a 304.
        The answer must begin within a document's budget (three times
        --timeout, tries and waits included); then its bytes may take
        up to ``seconds`` in all, none more than --timeout after the
        last.  ``started`` gets the response's headers before the body.
        Not kept in the HTTP cache: the caller keeps the file."""
        import hashlib

        if self.offline:
            raise FetchError("{}: not in the cache, and --offline "
                             "downloads nothing".format(url))
        now = time.monotonic()
        answer_by, done_by = now + self.budget, now + max(seconds,
                                                          self.budget)

        def once():
            digest = hashlib.sha256()
            read = stream_into(out, digest, url, max_bytes, seconds,
                               started)
            body = self._get(url, "*/*", answer_by, False, read, headers,
                             body_by=done_by)[0]
            return None if body is None else digest.hexdigest()
        return self._with_retries(url, answer_by, once)

    def span(self, url: str, ranges: str, max_bytes: int, whole,
             whole_max: int, seconds: float):
        """The answer to a range request (``ranges.span``)."""
        from .ranges import span

        return span(self, url, ranges, max_bytes, whole, whole_max,
                    seconds)

    def kept(self, key: str) -> Optional[Any]:
        """The model kept under ``key`` (not a URL: say, a file's
        hash) by ``keep``, or None."""
        latest = self.models.latest(key) if self.models is not None \
            else None
        return latest[1] if latest is not None else None

    def keep(self, key: str, model: Any) -> None:
        """Keep ``model`` under ``key`` in the cache, if there is one."""
        if self.models is not None:
            self.models.set(key, b"kept", model)

    def _get(self, url: str, accept: str, deadline: float, fresh: bool,
             read=None, extra: Optional[Dict[str, str]] = None,
             ok=(200,), body_by: Optional[float] = None):
        """One try: (body, content type, whether it came from the
        cache); ``read(response, deadline)`` takes the body instead (and
        the answer is not cached; a 304 to the conditional ``extra``
        headers gives a body of None).  A watchdog shuts the connection
        when the deadline passes, however slowly the server sends
        headers or body; ``body_by``, when given, is the body's deadline
        once the headers have come by ``deadline`` (a download)."""
        import requests

        left = deadline - time.monotonic()
        timeout = max(0.1, min(self.timeout, left))
        headers = _headers(accept, fresh, read is not None, extra)
        dog, late, started_at = self._watchdog(deadline), self._late, \
            time.monotonic()
        try:
            with dog, self.http.get(url, timeout=(timeout, timeout),
                                    stream=True, headers=headers) as resp:
                if resp.status_code == 304 and read is not None and \
                        _conditional(extra):
                    return None, "", False
                check_status(resp, url, ok)
                if body_by is not None:
                    deadline, late = body_by, lambda u: FetchError(
                        "{}: not downloaded within {} s".format(
                            u, secs(body_by - started_at)))
                    dog.extend(body_by + WATCHDOG_GRACE)
                try:
                    body = (read or self._read_packed)(resp, deadline)
                except DataError as exc:  # a damaged entry, if cached
                    exc.from_cache = bool(getattr(resp, "from_cache",
                                                  False))
                    raise
                if dog.expired.is_set():
                    raise late(url)
                return (body, resp.headers.get("Content-Type", ""),
                        bool(getattr(resp, "from_cache", False)))
        except (requests.exceptions.RequestException, OSError,
                Retry) as exc:
            if self._stop.is_set():
                raise FetchError("interrupted")
            if dog.expired.is_set():
                raise late(url)
            if isinstance(exc, Retry):
                raise
            if local_write_failure(exc) and self.http.drop_cache(
                    exc.strerror or str(exc)):
                # the cache could not write (a full disk): once, and the
                # run goes on without it, this try again at once
                raise Retry("{}: {}".format(url, exc), after=0.0)
            raise translate(exc, url, self.timeout)
        except PiwcheckError:
            raise
        except Exception as exc:  # requests, urllib3 or CacheControl on
            # what a server sent (a redirect to "http://[::1", a header
            # they cannot read): this document's failure, not the run's
            if self._stop.is_set():
                raise FetchError("interrupted")
            raise FetchError("{}: {}".format(url, describe(exc))) from exc
        finally:
            with self._lock:
                self._dogs.discard(dog)

    @property
    def cache_lost(self) -> Optional[str]:
        """Why the HTTP cache was given up during the run, or could
        not write an entry, or None."""
        http = self.http
        return http.cache_lost or (http.cache and http.cache.failed) or \
            (http.models and http.models.failed) or None

    def _late(self, url: str) -> FetchError:
        return FetchError("{}: the answer took longer than {} s".format(
            url, secs(self.budget)))

    def _fetch_cached(self, url: str, parse: Parse, accept: str,
                      unless, deadline: float, key: str) -> Any:
        """--offline: the last answer, however old: NotFound for a 404,
        the model last parsed, else the model of the cached body;
        FetchError when there is none."""
        if self.models is not None and parse is not _raw:
            gone = self.models.not_found(key)
            if gone is not None:
                raise NotFound(gone)
            latest = self.models.latest(key)
            if latest is not None:
                if unless is not None and unless() == latest[0]:
                    return None
                return latest[1]
        try:
            resp = self.http.cached_response(url, accept)
            body = self._read_packed(resp, deadline)
            return self._model(url, key, body, resp.headers.get(
                "Content-Type", ""), parse, unless)
        except Retry as exc:
            raise FetchError(str(exc))

    def _read_packed(self, resp, deadline: float) -> Packed:
        """The body as sent (measured decoded, within the size cap and
        the deadline), to be decoded when its turn to be parsed comes:
        documents arrive together and are parsed one at a time."""
        body = body_packed(resp, resp.url, self.max_bytes, deadline,
                           lambda: self._too_large(resp.url, self.max_bytes),
                           lambda: self._late(resp.url))
        check_length(resp)
        if body.size >= heap.LARGE and not getattr(resp, "from_cache",
                                                    False):
            # a large page off the network (not a warm run's cached
            # one: ctypes costs start-up time): see heap.py
            heap.bound()
        return body

    @staticmethod
    def _too_large(url: str, cap: int) -> Exception:
        return FetchError("{}: the answer is larger than {}".format(
            url, "{} MB".format(cap // 1000000)
            if cap >= 1000000 else "{:,} bytes".format(cap)))

    def _read(self, resp, deadline: float,
              max_bytes: Optional[int] = None) -> bytes:
        """The body, within the size cap (decoded, and as sent) and the
        deadline."""
        cap = self.max_bytes if max_bytes is None else max_bytes

        # a BytesIO grows in place and hands its buffer over whole: a
        # list of pieces joined would hold the body twice
        buf = io.BytesIO()
        for chunk in body_stream(resp, resp.url, cap, deadline,
                                 lambda: self._too_large(resp.url, cap),
                                 lambda: self._late(resp.url)):
            buf.write(chunk)
        check_length(resp)
        return buf.getvalue()

    def _model(self, url: str, key: str, body: Packed, ctype: str,
               parse: Parse,
               unless: Optional[Callable[[], Optional[bytes]]] = None
               ) -> Any:
        """The model of ``body`` (as sent from ``url``): parsed before, or
        decoded and parsed now (and kept under ``key``); None when
        ``unless()`` names this body."""
        if parse is _raw:
            return body.unpack(url)
        if self.models is None:
            with _DECODING:
                return parse(body.unpack(url), ctype)
        digest = body.digest
        if unless is not None and unless() == digest:
            return None
        with _DECODING:
            model = self.models.get(key, digest)
            if model is None:
                model = parse(body.unpack(url), ctype)
                self.models.set(key, digest, model)
            return model


def _raw(body: bytes, ctype: str) -> bytes:
    """The body itself: no model, none kept."""
    return body


def _conditional(extra: Optional[Dict[str, str]]) -> bool:
    """Whether ``extra`` headers make a request conditional."""
    return bool(extra) and ("If-None-Match" in extra or
                            "If-Modified-Since" in extra)


def _headers(accept: str, fresh: bool, streamed: bool,
             extra: Optional[Dict[str, str]]) -> Dict[str, str]:
    """The headers of one try: a document refetched past the cache
    (``fresh``), or a download (``streamed``: never cached, with its
    conditional ``extra`` headers)."""
    headers = {"Accept": accept}
    if fresh:
        headers["Cache-Control"] = "no-cache"
    if streamed:
        headers["Cache-Control"] = "no-store"
        headers.update(extra or {})
    return headers
