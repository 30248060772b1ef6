# SPDX-License-Identifier: BSD-3-Clause
"""The piwheels JSON API (``/project/<name>/json/``): a reader for the
index piwheels serves at ``<site>/simple``, with its build and apt data."""

from typing import Any, Optional

from ..errors import DataError, PiwcheckError
from ..facts import DEFAULT_PIWHEELS_URL
from ..model import (MAX_FILES, MAX_RELEASE_FILES, File, Project, Release,
                     is_http_url, is_sha256)
from ..names import (MAX_VERSION, canonical_name, file_belongs,
                     parse_version, wheel_tags)
from . import decode_json, normalise_site_url
from .http import HttpIndex


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


def _is_str_list(value: Any) -> bool:
    return type(value) is list and all(type(v) is str for v in value)


def _parse_file(filename: str, data: Any, where: str, yanked: bool,
                index: str) -> Optional[File]:
    """The File of an entry; None for one pip could not fetch (not at
    an http(s) URL); DataError when the entry is not one."""
    # The fast path checks types directly; _explain_file finds the fault.
    try:
        pip = data.get("pip_dependencies")
        rp = data.get("requires_python")
        f = File(
            filename=filename,
            url=data["file_url"],
            sha256=data["filehash"],
            size=data["filesize"],
            builder_abi=data["builder_abi"],
            file_abi_tag=data["file_abi_tag"],
            platform=data["platform"],
            requires_python=rp,
            yanked=yanked,
            index=index,
            apt_dependencies=tuple(data["apt_dependencies"]),
            pip_dependencies=None if pip is None else tuple(pip),
            tags=wheel_tags(filename),
        )
        ok = (type(f.url) is str and is_sha256(f.sha256)
              and type(f.size) is int and type(f.builder_abi) is str
              and type(f.file_abi_tag) is str and type(f.platform) is str
              and (rp is None or type(rp) is str)
              and _is_str_list(data["apt_dependencies"])
              and (pip is None or _is_str_list(pip)))
    except (AttributeError, KeyError, TypeError):
        ok = False
    if not ok:
        _explain_file(filename, data, where)
    return f if is_http_url(f.url) else None


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
    if not is_sha256(data["filehash"]):
        raise DataError("{}: field 'filehash' is not a sha256 (64 hex "
                        "digits)".format(where))
    raise DataError("{}: not a valid file entry".format(where))


def _parse_release(version: str, data: Any, project: str,
                   index: str) -> Release:
    """A release; its files that are not ``project``'s files of this
    version (a wheel or an sdist by name) are skipped, as pip skips
    them."""
    where = "release {}".format(version)
    if not isinstance(data, dict):
        raise DataError("{}: not an object".format(where))
    files = _get(data, "files", dict, where)
    if len(files) > MAX_RELEASE_FILES:
        raise DataError("{}: more than {} files".format(
            where, MAX_RELEASE_FILES))
    parsed = parse_version(version)
    yanked = bool(_get(data, "yanked", bool, where, False))
    parsed_files = (_parse_file(name, f, where, yanked, index)
                    for name, f in sorted(files.items())
                    if file_belongs(name, project, version, parsed))
    return Release(
        version=version,
        parsed=parsed,
        released=_get(data, "released", str, where, None) or "",
        prerelease=bool(_get(data, "prerelease", bool, where, False)),
        yanked=yanked,
        skip_reason=_get(data, "skip_reason", str, where, None) or "",
        files=tuple(f for f in parsed_files if f is not None),
    )


def parse_project(doc: Any, name: str, index: str = "") -> Project:
    """Validate a decoded project document; DataError when it is not one.
    Releases whose version is too long to be one are skipped; the
    document's own name for the project is taken only when it is
    ``name``'s."""
    if not isinstance(doc, dict):
        raise DataError("not a project document ({} at the top)".format(
            type(doc).__name__))
    releases = _get(doc, "releases", dict, "document")
    if sum(len(r.get("files") or ()) for r in releases.values()
           if isinstance(r, dict) and isinstance(r.get("files"), dict)) \
            > MAX_FILES:
        raise DataError("document: more than {} files".format(MAX_FILES))
    project = canonical_name(name)
    shown = _get(doc, "package", str, "document", None)
    if shown is None or len(shown) > 255 or \
            _canonical_or_none(shown) != project:
        shown = name
    return Project(
        name=shown,
        summary=_get(doc, "summary", str, "document", None) or "",
        releases=tuple(_parse_release(v, r, project, index)
                       for v, r in releases.items()
                       if len(v) <= MAX_VERSION),
        index=index,
    )


def _canonical_or_none(name: str) -> Optional[str]:
    try:
        return canonical_name(name)
    except PiwcheckError:
        return None


class PiwheelsIndex(HttpIndex):
    """piwheels, read through its JSON API: its files carry apt data,
    and its site publishes download statistics."""

    has_apt_data = True
    accept = "application/json"

    def __init__(self, site: str = DEFAULT_PIWHEELS_URL, transport=None):
        self.site = normalise_site_url(site)
        super().__init__(self.site + "/simple", transport)

    @classmethod
    def claims(cls, url: str, piwheels_site: str) -> bool:
        """The index piwheels serves at ``<site>/simple``."""
        return url.rstrip("/") == piwheels_site + "/simple"

    @classmethod
    def from_url(cls, url: str, piwheels_site: str,
                 transport) -> "PiwheelsIndex":
        return cls(piwheels_site, transport)

    @property
    def label(self) -> str:
        return "piwheels"

    @property
    def statistics_site(self) -> Optional[str]:
        return self.site

    def project_url(self, name: str) -> str:
        return "{}/project/{}/json/".format(self.site, name)

    def parse(self, body: bytes, ctype: str, name: str,
              url: str) -> Project:
        return parse_project(decode_json(body, ctype, url), name, self.url)

    def file_url(self, f: File) -> str:
        """Where ``f`` is downloaded from: its ``file_url`` on this
        site (or, for piwheels.org, on its archive hosts); a URL on any
        other site is taken onto this one, path kept, so a --piwheels-url
        mirror is not bypassed by the piwheels.org URLs it copied."""
        from urllib.parse import urlsplit, urlunsplit

        given, own = urlsplit(f.url), urlsplit(self.site)
        if given.netloc == own.netloc and given.scheme == own.scheme:
            return f.url
        if self.site == DEFAULT_PIWHEELS_URL and \
                given.scheme == "https" and \
                given.hostname and given.hostname.endswith(".piwheels.org"):
            return f.url
        path = own.path.rstrip("/") + "/" + given.path.lstrip("/")
        return urlunsplit((own.scheme, own.netloc, path, given.query, ""))

    def download(self, f: File, out, max_bytes: int,
                 seconds: float) -> str:
        return self.transport.download(self.file_url(f), out, max_bytes,
                                       seconds)
