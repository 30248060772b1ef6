# SPDX-License-Identifier: BSD-3-Clause
"""One HTTP session for every index: timeouts, retries, a time budget per
document enforced by a watchdog, a size cap, the persistent cache, and
requests' errors translated into piwcheck's."""

import re
import time
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import urlsplit

from .. import DEFAULT_TIMEOUT
from ..errors import CacheError, DataError, FetchError, NotFound
from .watchdog import Watchdog, watched

#: Largest document accepted; real ones are a few MB.
MAX_BYTES = 64 * 1000 * 1000

#: Seconds past a document's deadline before its connection is shut.
WATCHDOG_GRACE = 0.5

#: Most tries for one document (the first and three retries).
MAX_ATTEMPTS = 4

#: parse(body, content type) -> model; DataError when it is not one.
Parse = Callable[[bytes, str], Any]


class _Retry(Exception):
    """A failure worth another try; ``after`` is what the server asked
    for; ``unreachable`` marks failures that say the site is down."""

    def __init__(self, message: str, after: Optional[float] = None,
                 unreachable: bool = False, reason: str = ""):
        super().__init__(message)
        self.after = after
        self.unreachable = unreachable
        #: For an unreachable site: why, without the URL.
        self.reason = reason


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _check_length(resp) -> None:
    """A body shorter than its Content-Length was cut short (urllib3 1.x
    does not check this itself)."""
    expected = resp.headers.get("Content-Length", "")
    tell = getattr(resp.raw, "tell", None)
    if not expected.isdigit() or tell is None:
        return
    got = tell()
    if isinstance(got, int) and got < int(expected):
        raise _Retry("{}: the answer was cut short ({} of {} bytes)".format(
            resp.url, got, expected))


def site(url: str) -> str:
    """scheme://host[:port] of ``url``."""
    parts = urlsplit(url)
    return "{}://{}".format(parts.scheme, parts.netloc)


class Transport:
    """Fetches documents over one pooled HTTP session, with retries, a
    time budget per document, a size cap and, given a ``cache_dir``, a
    persistent HTTP cache that also keeps each document's parsed model."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, pool: int = 16,
                 max_bytes: int = MAX_BYTES,
                 cache_dir: Optional[str] = None, offline: bool = False):
        import threading

        import requests

        _quiet_urllib3()
        self.timeout = timeout
        #: Seconds one document may take, all tries and waits included.
        self.budget = 3 * timeout
        self.max_bytes = max_bytes
        self.offline = offline
        self.cache = None
        self.models = None
        #: Where the cache is (None: there is none).
        self.cache_dir = None
        self.session = requests.Session()
        import os
        if cache_dir and offline and not os.path.isdir(cache_dir):
            cache_dir = None  # --offline reads a cache; it makes none
        if cache_dir:
            from cachecontrol import CacheControlAdapter

            from .cache import DirCache, ModelCache, SafeSerializer

            try:
                self.cache = DirCache(cache_dir)
                self.models = ModelCache(cache_dir)
            except OSError as exc:
                raise CacheError("cache {}: {}".format(
                    cache_dir, exc.strerror or exc))
            self.cache_dir = cache_dir
            adapter = watched(CacheControlAdapter)(
                cache=self.cache, serializer=SafeSerializer(),
                pool_connections=pool, pool_maxsize=pool)
        else:
            adapter = watched(requests.adapters.HTTPAdapter)(
                pool_connections=pool, pool_maxsize=pool)
        self.adapter = adapter
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "piwcheck"
        _remember_environment(self.session)
        #: site -> why it is taken to be down
        self._down: Dict[str, str] = {}
        self._lock = threading.Lock()
        #: set by abort(): no more tries, no more waits
        self._stop = threading.Event()
        #: the watchdogs of the requests under way
        self._dogs: set = set()

    @property
    def can_prefetch(self) -> bool:
        """Whether cached documents can tell what to fetch next before
        the fresh ones arrive (there is a cache, and a network)."""
        return self.models is not None and not self.offline

    def cached(self, url: str) -> Optional[Tuple[bytes, Any]]:
        """(digest, model) of the document at ``url`` as it was last
        parsed here, however old, asking no one; None when there is
        none."""
        if self.models is None:
            return None
        return self.models.latest(url)

    def down(self, url: str) -> Optional[str]:
        """Why the site of ``url`` is taken to be down, or None."""
        with self._lock:
            return self._down.get(site(url))

    def fetch(self, url: str, parse: Parse, accept: str,
              unless: Optional[Callable[[], Optional[bytes]]] = None
              ) -> Any:
        """The model of the document at ``url``; NotFound (a 404),
        FetchError or DataError.  None when ``unless()`` gives the digest
        of the document fetched (the caller has what it needs from the
        cached one)."""
        deadline = time.monotonic() + self.budget
        if self.offline:
            try:
                return self._model(url, *self._from_cache(url, accept,
                                                          deadline),
                                   parse, unless)
            except _Retry as exc:
                raise FetchError(str(exc))
        attempt = 0
        fresh = False
        while True:
            self._may_try(url)
            attempt += 1
            try:
                body, ctype, cached = self._get(url, accept, deadline,
                                                fresh)
            except _Retry as exc:
                self._wait_to_retry(exc, url, attempt, deadline)
                continue
            try:
                return self._model(url, body, ctype, parse, unless)
            except DataError:
                if not cached or fresh:
                    raise
                fresh = True  # a damaged cache entry: fetch it anew
                attempt -= 1

    def _may_try(self, url: str) -> None:
        """FetchError when no further try of ``url`` is to be made: a
        stop, or its site taken to be down."""
        if self._stop.is_set():
            raise FetchError("interrupted")
        down = self.down(url)
        if down:
            raise FetchError(down)

    def _wait_to_retry(self, exc: "_Retry", url: str, attempt: int,
                       deadline: float) -> None:
        """Wait before the next try after ``exc``; FetchError when there
        is to be none (too many tries, too little time, a stop)."""
        wait = exc.after if exc.after is not None else min(
            0.5 * 2 ** (attempt - 1), 4.0)
        left = deadline - time.monotonic()
        if attempt >= MAX_ATTEMPTS or wait >= left:
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

    def download(self, url: str, out, max_bytes: int, seconds: float,
                 headers: Optional[Dict[str, str]] = None,
                 started: Optional[Callable[[Any], None]] = None
                 ) -> Optional[str]:
        """Stream the file at ``url`` into ``out`` (a binary file open
        for writing), within ``max_bytes`` and ``seconds``, with the
        retries of a document; its sha256, or None when ``headers``
        (If-None-Match, If-Modified-Since) brought a 304.  ``started``
        gets the response's headers before the body.  Not kept in the
        HTTP cache: the caller keeps the file."""
        import hashlib

        if self.offline:
            raise FetchError("{}: not in the cache, and --offline "
                             "downloads nothing".format(url))
        deadline = time.monotonic() + seconds
        attempt = 0
        while True:
            self._may_try(url)
            attempt += 1
            digest = hashlib.sha256()

            def read(resp, deadline):
                if started is not None:
                    started(resp.headers)
                out.seek(0)
                out.truncate()
                size = 0
                for chunk in resp.iter_content(1 << 16):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError("{}: larger than {:.1f} MB".format(
                            url, max_bytes / 1e6))
                    if time.monotonic() > deadline:
                        raise FetchError("{}: not downloaded within {} s"
                                         .format(url, secs(seconds)))
                    digest.update(chunk)
                    out.write(chunk)
                _check_length(resp)
                return b""
            try:
                body = self._get(url, "*/*", deadline, False, read,
                                 headers)[0]
            except _Retry as exc:
                self._wait_to_retry(exc, url, attempt, deadline)
                continue
            return None if body is None else digest.hexdigest()

    def _get(self, url: str, accept: str, deadline: float, fresh: bool,
             read=None, extra: Optional[Dict[str, str]] = None):
        """One try: (body, content type, whether it came from the
        cache); ``read(response, deadline)`` takes the body instead (and
        the answer is not cached; a 304 to the conditional ``extra``
        headers gives a body of None).  A watchdog shuts the connection
        when the deadline passes, however slowly the server sends
        headers or body."""
        import requests

        left = deadline - time.monotonic()
        timeout = max(0.1, min(self.timeout, left))
        headers = {"Accept": accept}
        if fresh:
            headers["Cache-Control"] = "no-cache"
        if read is not None:
            headers["Cache-Control"] = "no-store"
            headers.update(extra or {})
        # A backstop: the socket timeouts below end at the deadline too,
        # and say more when they fire, so the watchdog waits a moment.
        dog = Watchdog(deadline + WATCHDOG_GRACE)
        with self._lock:
            self._dogs.add(dog)
        if self._stop.is_set():
            dog.fire()
        try:
            with dog, self.session.get(url, timeout=(timeout, timeout),
                                       stream=True,
                                       headers=headers) as resp:
                code = resp.status_code
                if code == 304 and read is not None and extra:
                    return None, "", False
                if code == 404:
                    raise NotFound("{} answered 404".format(url))
                if code == 429 or 500 <= code < 600:
                    raise _Retry("{} answered HTTP {}".format(url, code),
                                 _retry_after(resp.headers.get(
                                     "Retry-After")))
                if code != 200:
                    raise FetchError("{} answered HTTP {}".format(url, code))
                body = (read or self._read)(resp, deadline)
                if dog.expired.is_set():
                    raise self._late(url)
                return (body, resp.headers.get("Content-Type", ""),
                        bool(getattr(resp, "from_cache", False)))
        except (requests.exceptions.RequestException, OSError,
                _Retry) as exc:
            if self._stop.is_set():
                raise FetchError("interrupted")
            if dog.expired.is_set():
                raise self._late(url)
            if isinstance(exc, _Retry):
                raise
            raise self._translate(exc, url)
        finally:
            with self._lock:
                self._dogs.discard(dog)

    def abort(self) -> None:
        """Stop: shut the connections of the requests under way (their
        reads end at once) and make every further try or wait fail.  A
        request may get its socket just after a watchdog fires (a new
        connection has none until it connects), so the firing goes on,
        in a thread of its own, until no request is left or 2 s pass."""
        import threading

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

    def _late(self, url: str) -> FetchError:
        return FetchError("{}: the answer took longer than {} s".format(
            url, secs(self.budget)))

    def _translate(self, exc: Exception, url: str) -> Exception:
        """The FetchError, DataError or _Retry a requests error means."""
        import requests.exceptions as rex

        if isinstance(exc, rex.ConnectTimeout):
            why = "no connection within {} s".format(secs(self.timeout))
            return _Retry("cannot reach {}: {}".format(url, why),
                          unreachable=True, reason=why)
        if isinstance(exc, rex.ReadTimeout):
            why = "no answer within {} s".format(secs(self.timeout))
            return _Retry("{}: {}".format(url, why), unreachable=True,
                          reason=why)
        if isinstance(exc, rex.SSLError):
            return FetchError("{}: TLS failed: {}".format(url, short(exc)))
        if isinstance(exc, rex.ProxyError):
            why = "cannot reach it through the proxy: " + short(exc)
            return _Retry("cannot reach {} through the proxy: {}".format(
                url, short(exc)), unreachable=True, reason=why)
        if isinstance(exc, rex.TooManyRedirects):
            return FetchError("{}: too many redirects (a redirect "
                              "loop?)".format(url))
        if isinstance(exc, rex.ContentDecodingError):
            return DataError("{}: the answer does not decode (bad gzip "
                             "data)".format(url))
        if isinstance(exc, rex.ChunkedEncodingError):
            return _Retry("{}: the answer was cut short ({})".format(
                url, short(exc)))
        if isinstance(exc, (rex.ConnectionError, OSError)):
            reason = short(exc)
            if "reset" in reason.lower() or "aborted" in reason.lower():
                return _Retry("{}: the connection was reset".format(url))
            return _Retry("cannot reach {}: {}".format(url, reason),
                          unreachable=True, reason=reason)
        return FetchError("{}: {}".format(url, short(exc)))

    def _from_cache(self, url: str, accept: str, deadline: float):
        """--offline: the cached answer, however old; FetchError when
        there is none."""
        import requests

        if self.cache is None:
            raise FetchError("not in cache (there is no cache)")
        request = self.session.prepare_request(requests.Request(
            "GET", url, headers={"Accept": accept}))
        controller = self.adapter.controller
        data = self.cache.get(controller.cache_url(url))
        cached = controller.serializer.loads(request, data) if data else None
        if cached is None:
            raise FetchError("not in cache")
        resp = requests.adapters.HTTPAdapter.build_response(
            self.adapter, request, cached)
        return self._read(resp, deadline), resp.headers.get(
            "Content-Type", "")

    def _read(self, resp, deadline: float) -> bytes:
        """The body, within the size cap and the deadline."""
        chunks = []
        size = 0
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError("{}: the answer is larger than {} MB"
                                 .format(resp.url, self.max_bytes // 1000000))
            if time.monotonic() > deadline:
                raise self._late(resp.url)
            chunks.append(chunk)
        _check_length(resp)
        return b"".join(chunks)

    def _model(self, url: str, body: bytes, ctype: str, parse: Parse,
               unless: Optional[Callable[[], Optional[bytes]]] = None
               ) -> Any:
        """The model of ``body``: parsed before, or parsed now (and
        kept); None when ``unless()`` names this body."""
        if self.models is None:
            return parse(body, ctype)
        key = self.models.body_key(body)
        if unless is not None and unless() == key:
            return None
        model = self.models.get(url, key)
        if model is None:
            model = parse(body, ctype)
            self.models.set(url, key, model)
        return model


def _quiet_urllib3() -> None:
    """urllib3 1.x warns on stderr about a certificate without a
    subjectAltName; the failure is reported as the package's reason."""
    import warnings

    import urllib3.exceptions

    category = getattr(urllib3.exceptions, "SubjectAltNameWarning", None)
    if category is not None:
        warnings.filterwarnings("ignore", category=category)


def _remember_environment(session) -> None:
    """requests reads the proxy and CA variables from the environment on
    every request (two scans of os.environ each); they do not change
    during a run, so work them out once per site."""
    merge = session.merge_environment_settings
    known: Dict[Tuple, Any] = {}
    import threading
    lock = threading.Lock()

    def remembered(url, proxies, stream, verify, cert):
        if proxies:
            return merge(url, proxies, stream, verify, cert)
        key = (site(url), stream, verify, cert)
        with lock:
            if key not in known:
                known[key] = merge(url, proxies, stream, verify, cert)
            settings = known[key]
        return dict(settings, proxies=dict(settings["proxies"]))
    session.merge_environment_settings = remembered


def secs(seconds: float) -> str:
    """Seconds for a message: 30, 2.5, 0.3."""
    return "{:.1f}".format(seconds).rstrip("0").rstrip(".") or "0"


def short(exc: BaseException) -> str:
    """The innermost, most telling part of a requests/urllib3 error."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    match = re.search(r"(Connection (?:refused|reset[^'\")]*|aborted))", text)
    if match:
        return match.group(1)
    match = re.search(r"(certificate verify failed: ?[^'\"(]*)", text)
    if match:  # without ssl's own "(_ssl.c:992)"
        return match.group(1).strip().rstrip(":")
    match = re.search(r"(hostname '[^']*' doesn't match [^\"]*?|"
                      r"[Hh]ostname mismatch[^'\"(]*)['\")]", text)
    if match:
        return "the certificate is not for this host: " + \
            match.group(1).strip()
    match = re.search(r"SSLError\((?:\w+\()?[\"']?([^\"')]+)", text)
    if match:
        return match.group(1).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
