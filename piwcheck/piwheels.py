# SPDX-License-Identifier: BSD-3-Clause
"""The piwheels JSON API: a typed model of a project document, validated
once where it enters, and the HTTP client that fetches it."""

import json
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, FrozenSet, Optional, Tuple

from packaging.tags import Tag
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from . import DEFAULT_INDEX_URL, DEFAULT_TIMEOUT
from .errors import DataError, FetchError, InputError, NotFound

#: Largest document accepted; real ones are a few MB.
MAX_BYTES = 64 * 1024 * 1024

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
    if kind is int and isinstance(value, bool):
        value = None  # bool is an int subclass; not a size
    if value is None and default is None:
        return None
    if not isinstance(value, kind):
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
    from packaging.tags import parse_tag

    return frozenset(parse_tag(triple))


def _wheel_tags(filename: str) -> FrozenSet[Tag]:
    """The tags of a wheel filename (name-ver[-build]-py-abi-plat.whl);
    empty when it is not one.  Cheaper than parse_wheel_filename, which
    also parses the version: documents hold thousands of files."""
    if not filename.endswith(".whl"):
        return frozenset()
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6) or not all(parts):
        return frozenset()
    return _tags("-".join(parts[-3:]))


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


class Client:
    """Fetches project documents over one pooled HTTP session."""

    def __init__(self, index_url: str = DEFAULT_INDEX_URL,
                 timeout: float = DEFAULT_TIMEOUT, pool: int = 10,
                 max_bytes: int = MAX_BYTES):
        import requests

        self.index_url = normalise_index_url(index_url)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=pool, pool_maxsize=pool)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "piwcheck"

    def url(self, name: str) -> str:
        """The JSON URL of a project."""
        return "{}/project/{}/json/".format(
            self.index_url, canonical_name(name))

    def fetch(self, name: str) -> Project:
        """The project document; NotFound, FetchError or DataError."""
        return parse_project(self.fetch_json(name), name)

    def fetch_json(self, name: str) -> Any:
        """The decoded JSON of a project document."""
        import requests

        url = self.url(name)
        deadline = time.monotonic() + self.timeout * 3
        try:
            with self.session.get(
                    url, timeout=(self.timeout, self.timeout), stream=True,
                    headers={"Accept": "application/json"}) as resp:
                if resp.status_code == 404:
                    raise NotFound("piwheels has no such project ({} "
                                   "answered 404)".format(url))
                if resp.status_code != 200:
                    raise FetchError("{} answered HTTP {}".format(
                        url, resp.status_code))
                body = self._read(resp, deadline)
                ctype = resp.headers.get("Content-Type", "")
        except requests.exceptions.Timeout:
            raise FetchError("{}: timed out after {:g} s".format(
                url, self.timeout))
        except requests.exceptions.SSLError as exc:
            raise FetchError("{}: TLS failed: {}".format(url, _short(exc)))
        except requests.exceptions.TooManyRedirects:
            raise FetchError("{}: too many redirects".format(url))
        except requests.exceptions.ConnectionError as exc:
            raise FetchError("cannot reach {}: {}".format(url, _short(exc)))
        except requests.exceptions.RequestException as exc:
            raise FetchError("{}: {}".format(url, _short(exc)))
        if not body.strip():
            raise DataError("{}: empty answer".format(url))
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            hint = " (got {}: a captive portal or proxy?)".format(
                ctype.split(";")[0]) if "html" in ctype else ""
            raise DataError("{}: answer is not JSON{}".format(url, hint))

    def _read(self, resp, deadline: float) -> bytes:
        chunks = []
        size = 0
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError("{}: answer larger than {} MB".format(
                    resp.url, self.max_bytes // (1024 * 1024)))
            if time.monotonic() > deadline:
                raise FetchError("{}: answer took longer than {:g} s".format(
                    resp.url, self.timeout * 3))
            chunks.append(chunk)
        return b"".join(chunks)


def _short(exc: BaseException) -> str:
    """The innermost, most telling part of a requests/urllib3 error."""
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    match = re.search(r"(Connection (?:refused|reset[^'\")]*|aborted))", text)
    if match:
        return match.group(1)
    return text.splitlines()[0][:200] if text else type(exc).__name__
