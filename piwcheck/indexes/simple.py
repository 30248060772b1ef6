# SPDX-License-Identifier: BSD-3-Clause
"""The simple repository API (PyPI and most indexes): PEP 691 JSON, with
PEP 503 HTML as the fallback, read into the model."""

import re
from html.parser import HTMLParser
from typing import Any, Dict, Iterable, Iterator, List, Optional
from urllib.parse import urljoin, urlsplit

from ..errors import DataError, PiwcheckError
from ..metadata import Metadata, parse_release_json
from ..model import (MAX_FILES, MAX_RELEASE_FILES, File, Project, Release,
                     is_http_url, is_sha256)
from ..names import file_version, skip_reason, wheel_tags
from . import decode_json, guarded
from .http import HttpIndex

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
#: What pip sends: JSON preferred, HTML as it has always been served.
#: Longest file name a skipped file is shown by.
MAX_SHOWN = 120
ACCEPT = ", ".join([JSON_TYPE, "application/vnd.pypi.simple.v1+html; q=0.1",
                    "text/html; q=0.01"])


class SimpleIndex(HttpIndex):
    """An index served by the simple API (``<index>/<name>/``): any
    http(s) index URL."""

    accept = ACCEPT

    def __init__(self, url: str, transport=None):
        super().__init__(url.rstrip("/"), transport)

    @classmethod
    def from_url(cls, url: str, piwheels_site: str,
                 transport) -> "SimpleIndex":
        return cls(url, transport)

    @property
    def label(self) -> str:
        host = urlsplit(self.url).netloc
        return "PyPI" if host in ("pypi.org", "pypi.python.org") else self.url

    def project_url(self, name: str) -> str:
        return "{}/{}/".format(self.url, name)

    def metadata(self, f: File) -> Optional[Metadata]:
        """The PEP 658 metadata file beside ``f``, when the index says
        there is one."""
        return self.pep658(f)

    def cached_metadata(self, f: File):
        return self.cached_pep658(f)

    def release_metadata(self, name: str,
                         version: str) -> Optional[Metadata]:
        """The release's metadata from the JSON API of an index served,
        as PyPI's is, at ``<site>/simple`` (``<site>/pypi/<name>/<version>
        /json``); None where there is none."""
        from ..errors import NotFound

        if not self.url.endswith("/simple"):
            return None
        url = "{}/pypi/{}/{}/json".format(self.url[:-len("/simple")], name,
                                          version)
        try:
            return self.transport.fetch(
                url, guarded(lambda body, ctype: parse_release_json(
                    decode_json(body, ctype, url), url), url),
                "application/json")
        except NotFound:
            return None

    def file_metadata(self, f: File) -> Optional[Metadata]:
        """A wheel's METADATA, read by range requests where its server
        allows (else the whole file, within a cap), and kept in the
        cache by the file's sha256."""
        from ..net.errors import describe
        from .lazywheel import wheel_metadata

        if not f.is_wheel:
            return None
        try:
            return wheel_metadata(self.transport, f)
        except PiwcheckError:
            raise
        except Exception as exc:  # the boundary of one file's reading
            raise DataError("{}: the wheel cannot be read ({})".format(
                f.url, describe(exc))) from exc

    def cached_file_metadata(self, f: File) -> Optional[Metadata]:
        from .lazywheel import kept_metadata

        return kept_metadata(self.transport, f) if f.is_wheel else None

    def parse(self, body: bytes, ctype: str, name: str,
              url: str) -> Project:
        kind = ctype.split(";")[0].strip().lower()
        if kind == JSON_TYPE or kind == "application/json":
            rows = _iter_json_rows(decode_json(body, ctype, url), url)
        elif "html" in kind:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise DataError("{}: the page is not UTF-8".format(url))
            rows = _html_rows(text, url)
        else:
            raise DataError("{}: not a simple index page (got {})".format(
                url, kind or "no content type"))
        return project_from_rows(name, rows, self.url, self.wanted)


_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+!-]*(#[^\s#]*)?$")


def _join(base: str, href: str) -> str:
    """urljoin(base, href), without its cost for the two usual forms: an
    absolute http(s) URL and a bare file name (with a #fragment)."""
    if href.startswith(("https://", "http://")):
        return href
    if _PLAIN.match(href) and base.count("/") >= 3 and \
            "?" not in base and "#" not in base:
        return base[:base.rindex("/") + 1] + href
    return urljoin(base, href)


def _sha256(value: Any, where: str) -> Optional[str]:
    """An index's sha256 of a file: None where it gives none; DataError
    when it is not 64 hex digits (it names a file in --deep's cache)."""
    if value is None or value == "":
        return None
    if not is_sha256(value):
        raise DataError("{}: its sha256 is not 64 hex digits".format(where))
    return value


def _json_rows(doc: Any, url: str) -> List[Dict[str, Any]]:
    return list(_iter_json_rows(doc, url))


def _iter_json_rows(doc: Any, url: str) -> Iterator[Dict[str, Any]]:
    """The rows of a PEP 691 page, each file's entry dropped from
    ``doc`` once its row is made (a real page's entries are several
    times the rows kept of them)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise DataError("{}: not a PEP 691 project page".format(url))
    entries = doc["files"]
    if len(entries) > MAX_FILES:
        raise DataError("{}: more than {} files".format(url, MAX_FILES))
    for i in range(len(entries)):
        f, entries[i] = entries[i], None
        where = "{}: file {}".format(url, i)
        if not isinstance(f, dict) or not isinstance(f.get("filename"), str) \
                or not isinstance(f.get("url"), str):
            raise DataError("{}: not a file entry".format(where))
        hashes = f.get("hashes") if isinstance(f.get("hashes"), dict) else {}
        rp = f.get("requires-python")
        size = f.get("size")
        sha = hashes.get("sha256")
        yield {
            "filename": f["filename"],
            "url": _join(url, f["url"]),
            "sha256": _sha256(sha, where),
            "size": size if type(size) is int else None,
            "requires_python": rp if isinstance(rp, str) and rp else None,
            # PEP 592: a string (the reason) or true
            "yanked": bool(f.get("yanked")),
            # PEP 714's name, and PEP 658's older ones
            "metadata": bool(f.get("core-metadata")
                             or f.get("data-dist-info-metadata")
                             or f.get("dist-info-metadata")),
        }


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: List[Dict[str, Optional[str]]] = []
        self.base: Optional[str] = None
        #: PEP 629's <meta name="pypi:repository-version">
        self.version: Optional[str] = None
        self._open: Optional[Dict[str, Optional[str]]] = None

    def handle_starttag(self, tag, attrs):
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        elif tag == "meta" and dict(attrs).get("name") == \
                "pypi:repository-version":
            self.version = dict(attrs).get("content")
        elif tag == "a":
            self._open = dict(attrs)
            self._open["text"] = ""

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append(self._open)
            self._open = None


def _html_rows(text: str, url: str) -> List[Dict[str, Any]]:
    # Counted before parsing: more links than files allowed is refused
    # before a dict is made for each ("<a" overcounts, never under).
    if text.count("<a") + text.count("<A") > MAX_FILES:
        raise DataError("{}: more than {} links".format(url, MAX_FILES))
    parser = _Links()
    parser.feed(text)
    if not parser.links and parser.version is None:
        raise DataError("{}: not a simple index page (an HTML page with no "
                        "links: a captive portal or proxy?)".format(url))
    base = urljoin(url, parser.base) if parser.base else url
    rows = []
    for link in parser.links:
        href = link.get("href")
        if not href:
            continue
        full = _join(base, href)
        path, _, fragment = full.partition("#")
        filename = path.rsplit("/", 1)[-1].split("?")[0]
        sha = None
        if fragment.startswith("sha256="):
            sha = _sha256(fragment[len("sha256="):],
                          "{}: link {}".format(url, filename[:100]))
        rp = link.get("data-requires-python")
        meta = link.get("data-core-metadata",
                        link.get("data-dist-info-metadata"))
        rows.append({
            "filename": filename, "url": path, "sha256": sha, "size": None,
            "requires_python": rp or None,
            "yanked": link.get("data-yanked") is not None,
            "metadata": meta is not None and meta.lower() != "false",
        })
    return rows


def project_from_rows(name: str, rows: Iterable[Dict[str, Any]], index: str,
                      wanted=None) -> Project:
    """Files grouped into releases by the version in their names; files
    that are not ``name``'s wheels or sdists are left out, as pip does.
    Given ``wanted`` (a wanted.Wanted), so are the wheels no target can
    install, but for a release's first file (by name) whose metadata
    the index serves (which stands for the release's dependencies)."""
    from ..names import canonical_name

    canon = canonical_name(name)
    groups: Dict[Any, _Group] = {}
    skipped: Dict[str, List[Any]] = {}
    for row in rows:
        version = file_version(row["filename"], canon)
        if version is None:
            why = skip_reason(row["filename"], canon) or "invalid version"
            skipped.setdefault(why, [0, row["filename"][:MAX_SHOWN]])
            skipped[why][0] += 1
            continue
        if not is_http_url(row["url"]):
            continue
        group = groups.get(version)
        if group is None:
            group = groups[version] = _Group()
        elif group.count == MAX_RELEASE_FILES:
            raise DataError("{}: release {} has more than {} files".format(
                index, version, MAX_RELEASE_FILES))
        group.add(row, wanted)
    return Project(name=name, summary="", releases=tuple(
        group.release(version, index) for version, group in groups.items()),
        index=index, skipped=tuple(
            (why, n, first) for why, (n, first) in sorted(skipped.items())))


class _Group:
    """The files of one release as the rows come: the kept rows, and of
    those left out, their Requires-Pythons and the first (by name) with
    metadata."""

    __slots__ = ("rows", "count", "yanked", "others", "first_meta")

    def __init__(self):
        self.rows: List[Dict[str, Any]] = []
        self.count = 0
        self.yanked = True
        self.others: Dict[Optional[str], None] = {}
        self.first_meta: Optional[Dict[str, Any]] = None

    def add(self, row: Dict[str, Any], wanted) -> None:
        self.count += 1
        self.yanked = self.yanked and row["yanked"]
        filename = row["filename"]
        if wanted is None or not filename.endswith(".whl") or \
                wanted.keeps(filename):
            self.rows.append(row)
            return
        self.others[row["requires_python"]] = None
        if row.get("metadata") and (self.first_meta is None or
                                filename < self.first_meta["filename"]):
            self.first_meta = row

    def release(self, version, index: str) -> Release:
        files = [_file(r, index) for r in self.rows]
        meta = self.first_meta
        if meta is not None and not any(
                f.has_metadata and f.filename < meta["filename"]
                for f in files):
            files.append(_file(meta, index))
        files.sort(key=lambda f: f.filename)
        return Release(
            version=str(version), parsed=version, released="",
            prerelease=version.is_prerelease, yanked=self.yanked,
            skip_reason="", files=tuple(files),
            others_python=tuple(sorted(
                self.others, key=lambda rp: (rp is not None, rp or ""))))


def _has_metadata(row: Dict[str, Any]) -> bool:
    return bool(row.get("metadata")) and row["filename"].endswith(".whl")


def _file(row: Dict[str, Any], index: str) -> File:
    return File(
        filename=row["filename"], url=row["url"], sha256=row["sha256"],
        size=row["size"], requires_python=row["requires_python"],
        yanked=row["yanked"], index=index, builder_abi=None,
        file_abi_tag=None, platform=None, apt_dependencies=None,
        pip_dependencies=None, tags=wheel_tags(row["filename"]),
        has_metadata=_has_metadata(row))
