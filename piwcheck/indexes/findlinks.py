# SPDX-License-Identifier: BSD-3-Clause
"""pip's ``--find-links``: local folders (wheelhouses), local files and
pages, and http(s) pages of links, read together as pip's link collector
reads them (its ``sources.py``), so their files rank among the indexes'
as pip ranks them: every location's local files first (sorted by URL,
from the last), then the pages in the order given, then the indexes."""

import os
import re
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..errors import (DataError, FetchError, InputError, NotFound,
                      PiwcheckError)
from ..metadata import parse_core
from ..model import File, Project, Release
from ..names import canonical_name, file_version, wheel_tags
from . import guarded, local
from .http import HttpIndex
from .linkpage import filename_of, page_rows
from .simple import ACCEPT

#: Archive endings: a find-links URL that ends so is a file, not a page.
_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tbz", ".tar.xz",
             ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".tgz", ".tar")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class FindLinksIndex(HttpIndex):
    """Every ``--find-links`` location, read as one source (pip merges
    their files before it ranks them)."""

    option = "find-links"
    joint = True

    def __init__(self, locations: Sequence[str], transport=None):
        self.locations = tuple(dict.fromkeys(locations))
        super().__init__(", ".join(self.locations), transport)
        #: what is wrong with the locations (said once); -v notes
        self.warnings: List[str] = []
        self.notes: List[str] = []
        self._lock = threading.Lock()
        self._remote: Dict[str, Any] = {}  # page URL -> rows or error
        self._local: Dict[str, Any] = {}  # wheel URL -> Metadata or error
        self._sources = [s for s in map(self._source, self.locations)
                         if s is not None]

    @classmethod
    def claims(cls, url: str, piwheels_site: str) -> bool:
        return True

    @classmethod
    def from_url(cls, url: str, piwheels_site: str,
                 transport) -> "FindLinksIndex":
        return cls([url], transport)

    @classmethod
    def from_locations(cls, urls: Sequence[str], piwheels_site: str,
                       transport) -> "FindLinksIndex":
        return cls(urls, transport)

    @property
    def label(self) -> str:
        return "find-links"

    @property
    def can_prefetch(self) -> bool:
        return False

    def cached(self, name: str):
        return None

    # -- the locations, as pip's build_source sorts them

    def _source(self, location: str) -> Optional[Tuple]:
        """("folder", Folder) | ("page", url, rows) | ("file", url) |
        ("remote", url), or None (a warning says why)."""
        if location.startswith("~"):
            expanded = os.path.expanduser(location)
            if os.path.exists(expanded):
                location = expanded
        path = None
        if os.path.exists(location):
            path = location
        elif location.startswith("file:"):
            try:
                path = local.url_to_path(location)
            except DataError as exc:
                self.warnings.append("find-links {}".format(exc))
                return None
        elif location.lower().startswith(("http://", "https://")):
            return ("remote", location)
        else:
            self.warnings.append(
                "find-links {} is ignored: {}".format(location, (
                    "piwcheck reads only http(s) and file: URLs"
                    if _URL.match(location) else
                    "it is neither an existing path nor a URL")))
            return None
        url = local.path_to_url(path)
        if os.path.isdir(path):
            try:
                folder = local.scan(path)
            except DataError as exc:
                raise InputError("find-links {}".format(exc))
            if folder.skipped_count:
                self.notes.append(
                    "find-links {}: {} skipped, not a wheel's or an "
                    "sdist's name: {}{}".format(
                        path, _entries(folder.skipped_count),
                        ", ".join(folder.skipped),
                        " ..." if folder.skipped_count > len(folder.skipped)
                        else ""))
            pages = [(local.path_to_url(p), self._local_rows(p))
                     for p in folder.pages]
            return ("folder", folder, [p for p in pages if p[1] is not None])
        if os.path.isfile(path):
            if local.is_html(url):
                rows = self._local_rows(path)
                return None if rows is None else ("page", url, rows)
            return ("file", url)
        self.warnings.append("find-links {} is ignored: it is neither a "
                             "file nor a directory".format(location))
        return None

    def _local_rows(self, path: str) -> Optional[List[Dict[str, Any]]]:
        """The links of a local page; None (and a warning) when it cannot
        be read: pip skips such a page."""
        url = local.path_to_url(path)
        try:
            return page_rows(local.read_page(path), "text/html", url, True)
        except DataError as exc:
            self.warnings.append("find-links page {} is skipped: {}".format(
                path, str(exc).replace(path + ": ", "").replace(
                    url + ": ", "")))
            return None

    def _remote_rows(self, url: str) -> List[Dict[str, Any]]:
        """The links of the page at ``url``, fetched once a run."""
        with self._lock:
            event = self._remote.get(url)
            mine = event is None
            if mine:
                event = self._remote[url] = threading.Event()
        if isinstance(event, threading.Event):
            if mine:
                try:
                    result: Any = self.transport.fetch(url, guarded(
                        lambda body, ctype: page_rows(body, ctype, url,
                                                      False), url), ACCEPT)
                except NotFound as exc:
                    result = FetchError("find-links page {}".format(exc))
                except PiwcheckError as exc:
                    result = exc
                with self._lock:
                    self._remote[url] = result
                event.set()
            else:
                event.wait()
            with self._lock:
                event = self._remote[url]
        if isinstance(event, Exception):
            raise event
        return event

    # -- a project's files, in pip's order

    def _links(self, canon: str):
        """(file links as (url, filename), then pages as (url, rows))."""
        files: List[Tuple[str, str]] = []
        pages: List[Tuple[str, List[Dict[str, Any]]]] = []
        for source in self._sources:
            kind = source[0]
            if kind == "folder":
                folder = source[1]
                files.extend((local.path_to_url(os.path.join(folder.path, n)),
                              n) for n in folder.files.get(canon, ()))
                pages.extend(source[2])
            elif kind == "page":
                pages.append((source[1], source[2]))
            else:
                url = source[1]
                files.append((url, filename_of(url)))
                if kind == "remote" and not url.lower().split("#")[0] \
                        .split("?")[0].endswith(_ARCHIVES):
                    pages.append((url, self._remote_rows(url)))
        return files, pages

    def fetch(self, name: str, unless=None) -> Optional[Project]:
        canon = canonical_name(name)
        files, pages = self._links(canon)
        order: List[File] = []
        for url, filename in sorted(dict(files).items(), reverse=True):
            order.extend(self._files([{
                "filename": filename, "url": url, "sha256": None,
                "requires_python": None, "yanked": False,
                "metadata": False}], canon))
        for _, rows in pages:
            order.extend(self._files(rows, canon))
        if not order:
            raise NotFound("find-links has no file of {}".format(name))
        # pip takes the last of equals in its order; select the first
        by_version: Dict[Any, List[File]] = {}
        for f in reversed(order):
            by_version.setdefault(file_version(f.filename, canon),
                                  []).append(f)
        return Project(name=name, summary="", index=self.url, releases=tuple(
            Release(version=_version_text(fs[0].filename, canon), parsed=v,
                    released="", prerelease=v.is_prerelease,
                    yanked=all(f.yanked for f in fs), skip_reason="",
                    files=tuple(fs))
            for v, fs in by_version.items()))

    def _files(self, rows, canon: str) -> List[File]:
        """The Files of ``rows`` that are ``canon``'s (by name, as pip's
        link evaluator), without repeats, in order."""
        out, seen = [], set()
        for row in rows:
            url, filename = row["url"], row["filename"]
            if url in seen or file_version(filename, canon) is None:
                continue
            seen.add(url)
            is_local = url.startswith("file:")
            size = _size(url) if is_local else None
            rp = row["requires_python"]
            if is_local and rp is None and filename.endswith(".whl"):
                rp = self._requires_python(url, filename)
            out.append(File(
                filename=filename, url=url, sha256=row["sha256"], size=size,
                requires_python=rp, yanked=row["yanked"], index=self.url,
                builder_abi=None, file_abi_tag=None, platform=None,
                apt_dependencies=None, pip_dependencies=None,
                tags=wheel_tags(filename),
                has_metadata=filename.endswith(".whl") and (
                    is_local or bool(row["metadata"]))))
        return out

    # -- metadata and files

    def _requires_python(self, url: str, filename: str) -> Optional[str]:
        """A local wheel's Requires-Python, which pip's resolver holds to
        (no page says it); None when it has none or cannot be read (its
        metadata's reading says why)."""
        try:
            return self.metadata_of(url, filename).requires_python
        except PiwcheckError:
            return None

    def metadata_of(self, url: str, filename: str):
        """The Metadata of the local wheel at ``url``, read once."""
        with self._lock:
            known = self._local.get(url)
        if known is None:
            try:
                known = parse_core(local.wheel_metadata(
                    local.url_to_path(url), filename,
                    canonical_name(filename.split("-")[0])), url)
            except PiwcheckError as exc:
                known = exc
            with self._lock:
                self._local[url] = known
        if isinstance(known, Exception):
            raise known
        return known

    def metadata(self, f: File):
        """A local wheel's METADATA, read inside it; a remote wheel's PEP
        658 file, when its page says there is one."""
        if f.url.startswith("file:"):
            return self.metadata_of(f.url, f.filename)
        return self.pep658(f)

    def cached_metadata(self, f: File):
        return None if f.url.startswith("file:") else self.cached_pep658(f)

    def download(self, f: File, out, max_bytes: int,
                 seconds: float) -> str:
        if f.url.startswith("file:"):
            return local.copy(local.url_to_path(f.url), out, max_bytes)
        return self.transport.download(f.url, out, max_bytes, seconds)


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else "{:,} entries".format(n)


def _size(url: str) -> Optional[int]:
    """The size of a local regular file, or None."""
    import stat

    try:
        st = os.stat(local.url_to_path(url))
    except (OSError, ValueError, DataError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _version_text(filename: str, canon: str) -> str:
    return str(file_version(filename, canon))
