# SPDX-License-Identifier: BSD-3-Clause
"""The piwheels JSON API: a typed model of a project document, validated
once where it enters, and the HTTP client that fetches it."""

import json
import re
import time
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Callable, FrozenSet, Optional, Tuple

from packaging.tags import Tag, parse_tag
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from . import DEFAULT_INDEX_URL, DEFAULT_TIMEOUT
from .errors import (CacheError, DataError, FetchError, InputError,
                     NotFound, PiwcheckError)
from .watchdog import Watchdog, watched

#: Largest document accepted; real ones are a few MB.
MAX_BYTES = 64 * 1000 * 1000

_CANONICAL_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class WheelFile:
    """One wheel file of a release."""

    filename: str
    url: str
    sha256: str
    size: int
    builder_abi: str
    file_abi_tag: str
    platform: str
    requires_python: Optional[str]
    apt_dependencies: Tuple[str, ...]
    #: None when the document predates the field.
    pip_dependencies: Optional[Tuple[str, ...]]
    #: The tags in the filename; empty when it does not parse.
    tags: FrozenSet[Tag]


_FILE_FIELDS = tuple(f.name for f in fields(WheelFile) if f.name != "tags")


@dataclass(frozen=True)
class Release:
    """One release (version) of a project."""

    version: str
    #: None for a version string that is not PEP 440.
    parsed: Optional[Version]
    released: str
    prerelease: bool
    yanked: bool
    skip_reason: str
    files: Tuple[WheelFile, ...]

    def __reduce__(self):
        # Pickled as plain rows, read back in one loop (documents hold
        # thousands of files), and without Tags: a Tag keeps its hash,
        # which differs from process to process.
        rows = tuple(tuple(getattr(f, n) for n in _FILE_FIELDS) +
                     (_tag_triple(f.filename),) for f in self.files)
        return _restore_release, (self.version, self.parsed, self.released,
                                  self.prerelease, self.yanked,
                                  self.skip_reason, rows)


def _restore_release(version, parsed, released, prerelease, yanked,
                     skip_reason, rows) -> Release:
    """A pickled Release (see its __reduce__)."""
    files = []
    for row in rows:
        f = object.__new__(WheelFile)
        state = dict(zip(_FILE_FIELDS, row))
        state["tags"] = _tags(row[-1])
        f.__dict__.update(state)
        files.append(f)
    release = object.__new__(Release)
    release.__dict__.update(
        version=version, parsed=parsed, released=released,
        prerelease=prerelease, yanked=yanked, skip_reason=skip_reason,
        files=tuple(files))
    return release


@dataclass(frozen=True)
class Project:
    """A piwheels project document."""

    name: str
    summary: str
    releases: Tuple[Release, ...]


def canonical_name(name: str) -> str:
    """The PEP 503 name used in piwheels URLs; InputError when ``name``
    cannot be a project name (so it never reaches a URL path)."""
    canon = canonicalize_name(name)
    if not _CANONICAL_RE.match(canon):
        raise InputError("{!r} is not a valid project name".format(name))
    return canon


def _get(obj: dict, key: str, kind, where: str, default: Any = ...) -> Any:
    if key not in obj:
        if default is ...:
            raise DataError("{}: missing field {!r}".format(where, key))
        return default
    value = obj[key]
    if value is None and default is None:
        return None
    # bool is an int subclass, but true is not a size
    if not isinstance(value, kind) or (kind is int and
                                       isinstance(value, bool)):
        raise DataError("{}: field {!r} is {}, not {}".format(
            where, key, type(value).__name__,
            getattr(kind, "__name__", "a valid type")))
    return value


def _str_list(obj: dict, key: str, where: str, optional: bool = False):
    value = _get(obj, key, list, where, None if optional else ...)
    if value is None:
        return None
    if not all(isinstance(v, str) for v in value):
        raise DataError("{}: field {!r} holds a non-string".format(
            where, key))
    return tuple(value)


@lru_cache(maxsize=None)
def _tags(triple: str) -> FrozenSet[Tag]:
    """The tags of a 'py-abi-plat' triple; none for ''."""
    return frozenset(parse_tag(triple)) if triple else frozenset()


def _tag_triple(filename: str) -> str:
    """'py-abi-plat' of a wheel filename (name-ver[-build]-py-abi-plat.whl);
    '' when it is not one.  Cheaper than parse_wheel_filename, which also
    parses the version: documents hold thousands of files."""
    if not filename.endswith(".whl"):
        return ""
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6) or not all(parts):
        return ""
    return "-".join(parts[-3:])


def _wheel_tags(filename: str) -> FrozenSet[Tag]:
    """The tags of a wheel filename; empty when it is not one."""
    return _tags(_tag_triple(filename))


def _is_str_list(value: Any) -> bool:
    return type(value) is list and all(type(v) is str for v in value)


def _parse_file(filename: str, data: Any, where: str) -> WheelFile:
    # The fast path checks types directly; _explain_file finds the fault.
    try:
        pip = data.get("pip_dependencies")
        rp = data.get("requires_python")
        f = WheelFile(
            filename=filename,
            url=data["file_url"],
            sha256=data["filehash"],
            size=data["filesize"],
            builder_abi=data["builder_abi"],
            file_abi_tag=data["file_abi_tag"],
            platform=data["platform"],
            requires_python=rp,
            apt_dependencies=tuple(data["apt_dependencies"]),
            pip_dependencies=None if pip is None else tuple(pip),
            tags=_wheel_tags(filename),
        )
        ok = (type(f.url) is str and type(f.sha256) is str
              and type(f.size) is int and type(f.builder_abi) is str
              and type(f.file_abi_tag) is str and type(f.platform) is str
              and (rp is None or type(rp) is str)
              and _is_str_list(data["apt_dependencies"])
              and (pip is None or _is_str_list(pip)))
    except (AttributeError, KeyError, TypeError):
        ok = False
    if not ok:
        _explain_file(filename, data, where)
    return f


def _explain_file(filename: str, data: Any, where: str) -> None:
    """Raise the DataError that says what is wrong with a file entry."""
    where = "{} file {}".format(where, filename)
    if not isinstance(data, dict):
        raise DataError("{}: not an object".format(where))
    for key in ("file_url", "filehash", "builder_abi", "file_abi_tag",
                "platform"):
        _get(data, key, str, where)
    _get(data, "filesize", int, where)
    _get(data, "requires_python", str, where, None)
    _str_list(data, "apt_dependencies", where)
    _str_list(data, "pip_dependencies", where, True)
    raise DataError("{}: not a valid file entry".format(where))


def _parse_release(version: str, data: Any) -> Release:
    where = "release {}".format(version)
    if not isinstance(data, dict):
        raise DataError("{}: not an object".format(where))
    files = _get(data, "files", dict, where)
    try:
        parsed = Version(version)
    except InvalidVersion:
        parsed = None
    return Release(
        version=version,
        parsed=parsed,
        released=_get(data, "released", str, where, None) or "",
        prerelease=bool(_get(data, "prerelease", bool, where, False)),
        yanked=bool(_get(data, "yanked", bool, where, False)),
        skip_reason=_get(data, "skip_reason", str, where, None) or "",
        files=tuple(_parse_file(name, f, where)
                    for name, f in sorted(files.items())),
    )


def parse_project(doc: Any, name: str) -> Project:
    """Validate a decoded project document; DataError when it is not one."""
    if not isinstance(doc, dict):
        raise DataError("not a project document ({} at the top)".format(
            type(doc).__name__))
    releases = _get(doc, "releases", dict, "document")
    return Project(
        name=_get(doc, "package", str, "document", None) or name,
        summary=_get(doc, "summary", str, "document", None) or "",
        releases=tuple(_parse_release(v, r) for v, r in releases.items()),
    )


def normalise_index_url(url: str) -> str:
    """Accept the index URL as written in pip.conf (``.../simple``)."""
    url = url.strip().rstrip("/")
    if url.endswith("/simple"):
        url = url[:-len("/simple")]
    if not re.match(r"^https?://[^/\s]+", url):
        raise InputError(
            "--index-url {!r}: expected an http:// or https:// URL".format(
                url))
    return url


#: Seconds past a document's deadline before its connection is shut.
WATCHDOG_GRACE = 0.5

#: Most tries for one document (the first and three retries).
MAX_ATTEMPTS = 4


class _Retry(Exception):
    """A failure worth another try; ``after`` is what the server asked
    for; ``unreachable`` marks failures that say the site is down."""

    def __init__(self, message: str, after: Optional[float] = None,
                 unreachable: bool = False):
        super().__init__(message)
        self.after = after
        self.unreachable = unreachable


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


class Client:
    """Fetches project documents over one pooled HTTP session, with
    retries, a time budget per document, a size cap and, given a
    ``cache_dir``, a persistent HTTP cache."""

    def __init__(self, index_url: str = DEFAULT_INDEX_URL,
                 timeout: float = DEFAULT_TIMEOUT, pool: int = 16,
                 max_bytes: int = MAX_BYTES,
                 cache_dir: Optional[str] = None, offline: bool = False):
        import threading

        import requests

        self.index_url = normalise_index_url(index_url)
        self.timeout = timeout
        #: Seconds one document may take, all tries and waits included.
        self.budget = 3 * timeout
        self.max_bytes = max_bytes
        self.offline = offline
        self.cache = None
        self.models = None
        self.session = requests.Session()
        if cache_dir:
            from cachecontrol import CacheControlAdapter

            from .cache import DirCache, ModelCache, SafeSerializer

            try:
                self.cache = DirCache(cache_dir)
                self.models = ModelCache(cache_dir)
            except OSError as exc:
                raise CacheError("cache {}: {}".format(
                    cache_dir, exc.strerror or exc))
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
        self.session.headers["Accept"] = "application/json"
        self._down: Optional[str] = None
        self._lock = threading.Lock()

    def url(self, name: str) -> str:
        """The JSON URL of a project."""
        return "{}/project/{}/json/".format(
            self.index_url, canonical_name(name))

    @property
    def can_prefetch(self) -> bool:
        """Whether cached documents can tell what to fetch next before
        the fresh ones arrive (there is a cache, and a network)."""
        return self.models is not None and not self.offline

    def cached(self, name: str) -> Optional[Tuple[bytes, Project]]:
        """(digest, model) of the document as it was last parsed here,
        however old, asking no one; None when there is none."""
        if self.models is None:
            return None
        return self.models.latest(self.url(name))

    def fetch(self, name: str,
              unless: Optional[Callable[[], Optional[bytes]]] = None
              ) -> Optional[Project]:
        """The project document; NotFound, FetchError or DataError.
        None when ``unless()`` gives the digest of the document fetched
        (the caller has what it needs from the cached one)."""
        url = self.url(name)
        deadline = time.monotonic() + self.budget
        if self.offline:
            try:
                return self._project(url, name,
                                     *self._from_cache(url, deadline),
                                     unless=unless)
            except _Retry as exc:
                raise FetchError(str(exc))
        attempt = 0
        fresh = False
        while True:
            with self._lock:
                down = self._down
            if down:
                raise FetchError("{} (not tried again)".format(down))
            attempt += 1
            try:
                body, ctype, cached = self._get(url, deadline, fresh)
            except _Retry as exc:
                wait = exc.after if exc.after is not None else min(
                    0.5 * 2 ** (attempt - 1), 4.0)
                left = deadline - time.monotonic()
                if attempt >= MAX_ATTEMPTS or wait >= left:
                    message = str(exc)
                    if exc.after is not None and exc.after >= left:
                        message += " (asked to wait {} s, more than the " \
                                   "{} s left)".format(_secs(exc.after),
                                                       _secs(left))
                    elif attempt > 1:
                        message += " ({} tries)".format(attempt)
                    if exc.unreachable:
                        with self._lock:
                            self._down = message
                    raise FetchError(message)
                time.sleep(wait)
                continue
            try:
                return self._project(url, name, body, ctype, unless)
            except DataError:
                if not cached or fresh:
                    raise
                fresh = True  # a damaged cache entry: fetch it anew
                attempt -= 1

    def _get(self, url: str, deadline: float, fresh: bool):
        """One try: (body, content type, whether it came from the
        cache).  A watchdog shuts the connection when the deadline
        passes, however slowly the server sends headers or body."""
        import requests

        left = deadline - time.monotonic()
        timeout = max(0.1, min(self.timeout, left))
        headers = {"Cache-Control": "no-cache"} if fresh else None
        # A backstop: the socket timeouts below end at the deadline too,
        # and say more when they fire, so the watchdog waits a moment.
        dog = Watchdog(deadline + WATCHDOG_GRACE)
        try:
            with dog, self.session.get(url, timeout=(timeout, timeout),
                                       stream=True,
                                       headers=headers) as resp:
                code = resp.status_code
                if code == 404:
                    raise NotFound("piwheels has no such project ({} "
                                   "answered 404)".format(url))
                if code == 429 or 500 <= code < 600:
                    raise _Retry("{} answered HTTP {}".format(url, code),
                                 _retry_after(resp.headers.get(
                                     "Retry-After")))
                if code != 200:
                    raise FetchError("{} answered HTTP {}".format(url, code))
                body = self._read(resp, deadline)
                if dog.expired.is_set():
                    raise self._late(url)
                return (body, resp.headers.get("Content-Type", ""),
                        bool(getattr(resp, "from_cache", False)))
        except (requests.exceptions.RequestException, OSError,
                _Retry) as exc:
            if dog.expired.is_set():
                raise self._late(url)
            if isinstance(exc, _Retry):
                raise
            raise self._translate(exc, url)

    def _late(self, url: str) -> FetchError:
        return FetchError("{}: the answer took longer than {} s".format(
            url, _secs(self.budget)))

    def _translate(self, exc: Exception, url: str) -> Exception:
        """The FetchError, DataError or _Retry a requests error means."""
        import requests.exceptions as rex

        if isinstance(exc, rex.ConnectTimeout):
            return _Retry("cannot reach {}: no connection within {} s"
                          .format(url, _secs(self.timeout)),
                          unreachable=True)
        if isinstance(exc, rex.ReadTimeout):
            return _Retry("{}: no answer within {} s".format(
                url, _secs(self.timeout)), unreachable=True)
        if isinstance(exc, rex.SSLError):
            return FetchError("{}: TLS failed: {}".format(url, _short(exc)))
        if isinstance(exc, rex.ProxyError):
            return _Retry("cannot reach {} through the proxy: {}".format(
                url, _short(exc)), unreachable=True)
        if isinstance(exc, rex.TooManyRedirects):
            return FetchError("{}: too many redirects (a redirect "
                              "loop?)".format(url))
        if isinstance(exc, rex.ContentDecodingError):
            return DataError("{}: the answer does not decode (bad gzip "
                             "data)".format(url))
        if isinstance(exc, rex.ChunkedEncodingError):
            return _Retry("{}: the answer was cut short ({})".format(
                url, _short(exc)))
        if isinstance(exc, (rex.ConnectionError, OSError)):
            reason = _short(exc)
            if "reset" in reason.lower() or "aborted" in reason.lower():
                return _Retry("{}: the connection was reset".format(url))
            return _Retry("cannot reach {}: {}".format(url, reason),
                          unreachable=True)
        return FetchError("{}: {}".format(url, _short(exc)))

    def _from_cache(self, url: str, deadline: float):
        """--offline: the cached answer, however old; FetchError when
        there is none."""
        import requests

        if self.cache is None:
            raise FetchError("not in cache (there is no cache)")
        request = self.session.prepare_request(requests.Request("GET", url))
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

    def _project(self, url: str, name: str, body: bytes, ctype: str,
                 unless: Optional[Callable[[], Optional[bytes]]] = None
                 ) -> Optional[Project]:
        """The model of ``body``: parsed before, or decoded and validated
        now (and kept); None when ``unless()`` names this body."""
        if self.models is None:
            return parse_project(self._decode(url, body, ctype), name)
        key = self.models.body_key(body)
        if unless is not None and unless() == key:
            return None
        project = self.models.get(url, key)
        if project is None:
            project = parse_project(self._decode(url, body, ctype), name)
            self.models.set(url, key, project)
        return project

    @staticmethod
    def _decode(url: str, body: bytes, ctype: str) -> Any:
        if not body.strip():
            raise DataError("{}: empty answer".format(url))
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            hint = " (got {}: a captive portal or proxy?)".format(
                ctype.split(";")[0]) if "html" in ctype else ""
            raise DataError("{}: answer is not JSON{}".format(url, hint))


def _secs(seconds: float) -> str:
    """Seconds for a message: 30, 2.5, 0.3."""
    return "{:.1f}".format(seconds).rstrip("0").rstrip(".") or "0"


def _short(exc: BaseException) -> str:
    """The innermost, most telling part of a requests/urllib3 error."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    match = re.search(r"(Connection (?:refused|reset[^'\")]*|aborted))", text)
    if match:
        return match.group(1)
    match = re.search(r"(certificate verify failed[^'\")]*)", text)
    if match:
        return match.group(1).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
