# SPDX-License-Identifier: BSD-3-Clause
"""The one pooled requests session of a run: adapters a watchdog can
shut, piwcheck's User-Agent, the proxy settings worked out once per site
and, given a cache folder, CacheControl over it (with the parsed-model
cache beside it), including --offline's read of a cached answer
however old."""

import os
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import urlsplit

from ..errors import CacheError, FetchError
from .body import ACCEPT_ENCODING
from .watchdog import watched


def site(url: str) -> str:
    """scheme://host[:port] of ``url``."""
    parts = urlsplit(url)
    return "{}://{}".format(parts.scheme, parts.netloc)


class HttpSession:
    """A requests session, its adapter and, given ``cache_dir``, the HTTP
    cache (``cache``) and the model cache (``models``); both are None
    without one; ``net`` (a NetOptions): pip's TLS and proxy settings.
    CacheError when the cache folder cannot be used."""

    def __init__(self, connections: int = 16,
                 cache_dir: Optional[str] = None,
                 offline: bool = False, net=None):
        import requests

        _quiet_urllib3()
        self.cache = None
        self.models = None
        #: Where the cache is (None: there is none).
        self.cache_dir = None
        self.session = requests.Session()
        if cache_dir and offline and not os.path.isdir(cache_dir):
            cache_dir = None  # --offline reads a cache; it makes none
        if cache_dir:
            adapter = self._cached_adapter(cache_dir, connections)
        else:
            adapter = watched(requests.adapters.HTTPAdapter)(
                pool_connections=connections, pool_maxsize=connections)
        self.adapter = adapter
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "piwcheck"
        # only what body.py undoes itself, within its bounds
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        from .options import NetOptions

        #: pip's settings; trust() adds hosts.
        self.net = net or NetOptions()
        _pip_settings(self.session, self.net)
        _remember_environment(self.session, self._trusted)

    def trust(self, hosts, where: str) -> None:
        """Trust ``hosts`` too (a requirements file's --trusted-host)."""
        for host in hosts:
            self.net = self.net.set("trusted-host", host, where, add=True)

    def _trusted(self, url: str) -> bool:
        """Whether the host of ``url`` is trusted: its certificate is not
        verified."""
        if not self.net.trusted_hosts:
            return False
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            return False
        return self.net.is_trusted(parts.hostname, port)

    def _cached_adapter(self, cache_dir: str, connections: int):
        """CacheControl's adapter over ``cache_dir`` (which it makes)."""
        from cachecontrol import CacheControlAdapter

        from .cache import Controller, DirCache, ModelCache, SafeSerializer

        try:
            self.cache = DirCache(cache_dir)
            self.models = ModelCache(cache_dir)
        except OSError as exc:
            raise CacheError("cache {}: {}".format(
                cache_dir, exc.strerror or exc))
        self.cache_dir = cache_dir
        return watched(CacheControlAdapter)(
            cache=self.cache, serializer=SafeSerializer(),
            controller_class=Controller,
            pool_connections=connections, pool_maxsize=connections)

    def get(self, url: str, **kwargs):
        """requests' get, on this session."""
        return self.session.get(url, **kwargs)

    #: Why the HTTP cache was given up for the rest of the run (it could
    #: not write: a full disk, no usable temporary folder), or None.
    cache_lost: Optional[str] = None

    def drop_cache(self, why: str) -> bool:
        """Go on without the HTTP cache, for ``why``; False when there
        is none to drop (it is not what failed)."""
        import requests

        if self.cache is None or self.cache_lost is not None:
            return False
        self.cache_lost = why
        adapter = watched(requests.adapters.HTTPAdapter)(
            pool_connections=self.adapter._pool_connections,
            pool_maxsize=self.adapter._pool_maxsize)
        self.adapter = adapter
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        return True

    def forget(self, url: str) -> None:
        """Drop the HTTP cache entry of ``url``, if any."""
        if self.cache is not None:
            self.cache.delete(self.adapter.controller.cache_url(url))

    def cached_response(self, url: str, accept: str):
        """--offline: the cached answer, however old, as a response
        whose body is still to be read; FetchError when there is
        none."""
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
        return requests.adapters.HTTPAdapter.build_response(
            self.adapter, request, cached)


def _quiet_urllib3() -> None:
    """urllib3 1.x warns on stderr about a certificate without a
    subjectAltName; the failure is reported as the package's reason."""
    import warnings

    import urllib3.exceptions

    category = getattr(urllib3.exceptions, "SubjectAltNameWarning", None)
    if category is not None:
        warnings.filterwarnings("ignore", category=category)


def _pip_settings(session, net) -> None:
    """pip's settings on ``session``, as pip sets them on its own: the
    CA bundle (``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` still win
    over it, as requests has it in pip), the client certificate, and a
    proxy for every request, which makes the environment's proxy and CA
    variables ignored; no warning for a request not verified (a trusted
    host's)."""
    import warnings

    import urllib3.exceptions

    warnings.filterwarnings(
        "ignore", category=urllib3.exceptions.InsecureRequestWarning)
    if net.cert:
        session.verify = net.cert
    if net.client_cert:
        session.cert = net.client_cert
    if net.proxy:
        session.proxies = {"http": net.proxy, "https": net.proxy}
        session.trust_env = False


def _remember_environment(session, trusted: Callable[[str], bool]
                          ) -> None:
    """requests reads the proxy and CA variables from the environment on
    every request (two scans of os.environ each); they do not change
    during a run, so work them out once per site.  A trusted site's
    certificate is not verified."""
    merge = session.merge_environment_settings
    known: Dict[Tuple, Any] = {}
    import threading
    lock = threading.Lock()

    def remembered(url, proxies, stream, verify, cert):
        if proxies:
            settings = merge(url, proxies, stream, verify, cert)
        else:
            key = (site(url), stream, verify, cert)
            with lock:
                if key not in known:
                    known[key] = merge(url, proxies, stream, verify, cert)
                settings = known[key]
        return dict(settings, proxies=dict(settings["proxies"]),
                    verify=False if trusted(url) else settings["verify"])
    session.merge_environment_settings = remembered
