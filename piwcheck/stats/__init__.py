# SPDX-License-Identifier: BSD-3-Clause
"""piwheels' download statistics (``{site}/packages.json``, a row per
project: name, downloads in the last 30 days, downloads in all, and
perhaps more fields later): fetched with the download function it is
given (net's Transport.download) only when needed and revalidated
after, read as a stream into an sqlite index in the cache, and asked by
name, or for the names close to one piwheels does not know."""

import os
import tempfile
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence

from ..errors import DataError, PiwcheckError
from ..results import Downloads

if TYPE_CHECKING:  # imported when an index is read: a run may need none
    from .table import DownloadsTable

#: The largest list read (the real one is about 20 MB in 2026).
MAX_BYTES = 400 * 1000 * 1000
#: The most time its download may take.
SECONDS = 600.0


def index_path(cache_dir: str, site: str) -> str:
    """Where the index of ``site``'s list lives in the cache."""
    import hashlib

    key = hashlib.sha256(site.encode()).hexdigest()[:16]
    return os.path.join(cache_dir, "stats", "packages-{}.sqlite3".format(key))


class Statistics:
    """piwheels' statistics for one run: ``cached()`` asks only the
    index already built; ``fresh()`` fetches the list (or revalidates
    it: a 304 when it has not changed) and builds the index first."""

    def __init__(self, download: Callable[..., Optional[str]],
                 offline: bool, site: str, cache_dir: Optional[str],
                 say: Callable[[str], None] = lambda text: None):
        #: Transport.download's signature: the file's sha256, None
        #: after a 304.
        self.download_file = download
        self.offline = offline
        self.url = site.rstrip("/") + "/packages.json"
        self.path = index_path(cache_dir, site) if cache_dir else None
        self.say = say
        self._tmp: Optional[tempfile.TemporaryDirectory] = None
        self._index: Optional["DownloadsTable"] = None
        self._fresh = False
        #: Why there are no statistics, once that is known.
        self.failed: Optional[str] = None

    def cached(self) -> Optional["DownloadsTable"]:
        """The index built before, if any and whole; never fetches."""
        if self._index is None and self.path and os.path.exists(self.path):
            from .table import DownloadsTable

            try:
                self._index = DownloadsTable(self.path)
            except DataError:
                return None
        return self._index

    def fresh(self) -> Optional["DownloadsTable"]:
        """The index of the list as the site has it now (once a run);
        None, with ``failed`` set, when it cannot be had."""
        if self._fresh or self.failed:
            return self._index
        self._fresh = True
        old = self.cached()
        if self.offline:
            if old is None:
                self.failed = "--offline, and no statistics in the cache"
            return old
        path = self.path
        if path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="piwcheck-")
            path = os.path.join(self._tmp.name, "packages.sqlite3")
        headers = {}
        if old is not None and old.etag:
            headers["If-None-Match"] = old.etag
        if old is not None and old.modified:
            headers["If-Modified-Since"] = old.modified
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, src = tempfile.mkstemp(suffix=".json.part",
                                       dir=os.path.dirname(path))
        except OSError as exc:
            self.failed = "cannot write the statistics index: {}".format(
                exc.strerror or exc)
            return old
        got = {}

        def started(h):
            got.update(etag=h.get("ETag", ""),
                       modified=h.get("Last-Modified", ""))
            size = h.get("Content-Length", "")
            self.say("fetching piwheels' download statistics ({}{}){}"
                     .format(self.url, ", {:.1f} MB".format(int(size) / 1e6)
                             if size.isdigit() else "",
                             "" if old is None else ": they have changed"))
        try:
            with os.fdopen(fd, "wb") as out:
                digest = self.download_file(
                    self.url, out, MAX_BYTES, SECONDS, headers, started)
            if digest is None:  # 304: the index is the list's
                return old
            if old is not None:
                old.close()
                self._index = None
            from .listing import build
            from .table import DownloadsTable

            build(src, path, got.get("etag", ""), got.get("modified", ""))
            self._index = DownloadsTable(path)
        except (PiwcheckError, OSError) as exc:
            self.failed = "piwheels' download statistics: {}".format(exc)
            return self.cached()
        finally:
            os.unlink(src)
        return self._index

    def downloads(self, names: Sequence[str]) -> Dict[str, Downloads]:
        """The downloads of each of ``names`` the index knows (the one
        built this run, or before; nothing is fetched for this)."""
        index = self._index or self.cached()
        if index is None:
            return {}
        try:
            return {n: d for n, d in ((n, index.get(n)) for n in names)
                    if d is not None}
        except DataError as exc:
            self.failed = str(exc)
            return {}

    def suggest(self, name: str) -> List[Downloads]:
        """Names close to ``name``, from the list as it is now; an index
        found damaged is built again, once."""
        for _ in range(2):
            index = self.fresh()
            if index is None:
                return []
            try:
                return index.suggest(name)
            except DataError as exc:
                self.failed = str(exc)
                self._drop()
        return []

    def suggest_unknown(self, name: str) -> List[Downloads]:
        """Names close to ``name`` when the statistics at hand (built
        before, or this run; nothing is fetched for this) do not know
        ``name`` itself: for a project the indexes could not be asked
        about, as under --offline when it is not in the cache."""
        index = self._index or self.cached()
        if index is None:
            return []
        try:
            return [] if index.get(name) is not None else \
                index.suggest(name)
        except DataError as exc:
            self.failed = str(exc)
            return []

    def _drop(self) -> None:
        """Forget a damaged index, so that ``fresh`` builds it again."""
        if self._index is not None:
            self._index.close()
            self._index = None
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)
        self._fresh = False
        self.failed = None

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._tmp is not None:
            self._tmp.cleanup()
