# SPDX-License-Identifier: BSD-3-Clause
"""The piwheels JSON API (``/project/<name>/json/``): a reader for the
index piwheels serves at ``<site>/simple``, with its build and apt data."""

from typing import Any, Optional

from ..errors import DataError
from ..facts import DEFAULT_PIWHEELS_URL
from ..model import File, Project, Release
from ..names import parse_version, wheel_tags
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
                index: str) -> File:
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


def _parse_release(version: str, data: Any, index: str) -> Release:
    where = "release {}".format(version)
    if not isinstance(data, dict):
        raise DataError("{}: not an object".format(where))
    files = _get(data, "files", dict, where)
    parsed = parse_version(version)
    yanked = bool(_get(data, "yanked", bool, where, False))
    return Release(
        version=version,
        parsed=parsed,
        released=_get(data, "released", str, where, None) or "",
        prerelease=bool(_get(data, "prerelease", bool, where, False)),
        yanked=yanked,
        skip_reason=_get(data, "skip_reason", str, where, None) or "",
        files=tuple(_parse_file(name, f, where, yanked, index)
                    for name, f in sorted(files.items())),
    )


def parse_project(doc: Any, name: str, index: str = "") -> Project:
    """Validate a decoded project document; DataError when it is not one."""
    if not isinstance(doc, dict):
        raise DataError("not a project document ({} at the top)".format(
            type(doc).__name__))
    releases = _get(doc, "releases", dict, "document")
    return Project(
        name=_get(doc, "package", str, "document", None) or name,
        summary=_get(doc, "summary", str, "document", None) or "",
        releases=tuple(_parse_release(v, r, index)
                       for v, r in releases.items()),
        index=index,
    )


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
