# SPDX-License-Identifier: BSD-3-Clause
"""piwheels' download statistics (``{site}/packages.json``, a row per
project: name, downloads in the last 30 days, downloads in all, and
perhaps more fields later): fetched with the download function it is
given (net's Transport.download) only when needed and revalidated
after, read as a stream into an sqlite index in the cache, and asked by
name, or for the names close to one piwheels does not know."""

import itertools
import json
import os
import re
import tempfile
from typing import Any, Callable, Dict, Iterator, List, Optional, \
    Sequence, Tuple

from .errors import CacheError, DataError, PiwcheckError
from .results import Downloads

#: The index's layout; an index of another is rebuilt.
FORMAT = "1"
#: The largest list read (the real one is about 20 MB in 2026).
MAX_BYTES = 400 * 1000 * 1000
#: The most time its download may take.
SECONDS = 600.0
#: A row as piwheels writes it, ["name",30-day count,all-time count],
#: with the ',' after it.
_ROW = re.compile(r'\["([^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*)",'
                  r'(\d+),(\d+)\],')
#: What a run holds only when a name in it is not canonical (or escaped).
_ODD = re.compile(r'[A-Z_.\\\x80-\U0010ffff]|--|"-|-"')
_NAME_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
#: The longest name "did you mean" is worked out for (the longest on
#: piwheels is about 80 characters).
MAX_SUGGEST = 100

#: Import names whose distribution has another name, for "did you mean".
IMPORT_NAMES = {
    "cv2": "opencv-python", "pil": "pillow", "yaml": "pyyaml",
    "serial": "pyserial", "bs4": "beautifulsoup4", "sklearn": "scikit-learn",
    "skimage": "scikit-image", "usb": "pyusb", "crypto": "pycryptodome",
    "dateutil": "python-dateutil", "dotenv": "python-dotenv",
    "jwt": "pyjwt", "gi": "pygobject", "attr": "attrs", "magic":
    "python-magic", "zmq": "pyzmq", "smbus": "smbus2", "board":
    "adafruit-blinka", "spidev": "spidev", "rpi": "rpi-gpio",
}


def _canonical(name: str) -> str:
    """PEP 503's name, without its cost for names that already are."""
    if _NAME_RE.fullmatch(name):
        return name
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def blocks(f) -> Iterator[List[Tuple[str, Any, Any]]]:
    """The rows of the list in ``f``, a block at a time, canonical names;
    the counts are digit strings in the usual rows (sqlite's INTEGER
    affinity makes them numbers) and ints in the others."""
    decoder = json.JSONDecoder()
    buf = f.read(1 << 20).lstrip()
    if not buf.startswith("["):
        raise DataError("packages.json is not a JSON list")
    i = 1
    expect_row = True  # after '[' or ','
    seen = 0
    while True:
        if len(buf) - i < 65536:
            more = f.read(1 << 20)
            if more:
                buf, i = buf[i:] + more, 0
        if expect_row and _ROW.match(buf, i):
            block, used = _usual_rows(buf[i:i + 65536])
            if block:
                seen += len(block)
                yield block
                i += used
                continue
        while i < len(buf) and buf[i] in " \t\r\n":
            i += 1
        if i >= len(buf):
            more = f.read(1 << 20)
            if not more:
                raise DataError("packages.json is cut short")
            buf, i = buf[i:] + more, 0
            continue
        ch = buf[i]
        if ch == "]" and (not expect_row or not seen):
            return
        if ch == "," and not expect_row:
            i += 1
            expect_row = True
            continue
        if not expect_row:
            raise DataError("packages.json: expected ',' or ']' at {!r}"
                            .format(buf[i:i + 20]))
        try:
            row, end = decoder.raw_decode(buf, i)
        except ValueError:
            more = f.read(1 << 20)
            if not more:
                raise DataError("packages.json is cut short or is not "
                                "JSON at {!r}".format(buf[i:i + 20]))
            buf, i = buf[i:] + more, 0
            continue
        if not (isinstance(row, list) and len(row) >= 3 and
                isinstance(row[0], str) and
                all(type(n) is int for n in row[1:3])):
            raise DataError("packages.json: a row is not [name, count, "
                            "count, ...]: {!r}".format(buf[i:end][:60]))
        seen += 1
        yield [(_canonical(row[0]), row[1], row[2])]
        i = end
        expect_row = False


def _usual_rows(window: str) -> Tuple[list, int]:
    """(rows, characters used) of the usual rows at the start of
    ``window``, each followed by its ','; one regex split does the
    work, and the gaps it leaves say where the usual rows end."""
    parts = _ROW.split(window)
    gaps = parts[0:-1:4]
    if not gaps or gaps[0]:
        return [], 0
    names, recent, total = parts[1::4], parts[2::4], parts[3::4]
    if any(gaps):  # an unusual row: only those before it
        n = next(k for k, gap in enumerate(gaps) if gap)
        names, recent, total = names[:n], recent[:n], total[:n]
        used = sum(len(a) + len(b) + len(c) + len('["",,],')
                   for a, b, c in zip(names, recent, total))
    else:
        used = len(window) - len(parts[-1])
    if _ODD.search(window, 0, used):
        names = [_name(n) for n in names]
    return list(zip(names, recent, total)), used


def _name(text: str) -> str:
    """A name as the list writes it (JSON escapes), canonical."""
    return _canonical(json.loads('"{}"'.format(text)) if "\\" in text
                      else text)


def build(src: str, dest: str, etag: str = "", modified: str = "") -> int:
    """Read the list in file ``src`` into a new index at ``dest``
    (replaced whole, so a reader never sees half of one); its rows."""
    import sqlite3

    fd, part = tempfile.mkstemp(suffix=".part", dir=os.path.dirname(dest))
    os.close(fd)
    try:
        db = sqlite3.connect(part)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            # rows appended in the list's order, then indexed in one
            # sort: the list's order is the database's (GROUP BY)
            db.execute("CREATE TABLE downloads (name TEXT, last_30_days "
                       "INTEGER, all_time INTEGER)")
            count = 0
            with open(src, encoding="utf-8", errors="strict") as f:
                try:
                    for block in blocks(f):
                        count += len(block)
                        db.executemany("INSERT INTO downloads "
                                       "VALUES (?, ?, ?)", block)
                except UnicodeDecodeError:
                    raise DataError("packages.json is not UTF-8")
            db.execute("CREATE INDEX by_name ON downloads (name)")
            db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("format", FORMAT), ("etag", etag), ("modified", modified),
                ("rows", str(count))])
            db.commit()
        finally:
            db.close()
        os.replace(part, dest)
        return count
    except sqlite3.Error as exc:  # a full disk, a read-only cache
        _remove(part)
        raise CacheError("cannot build the statistics index in {}: {}"
                         .format(os.path.dirname(dest), exc))
    except BaseException:
        _remove(part)
        raise


def _remove(path: str) -> None:
    if os.path.exists(path):
        os.unlink(path)


class DownloadsTable:
    """The downloads table built from the list (the statistics index,
    as messages call it), read-only; DataError when it is damaged."""

    def __init__(self, path: str):
        import sqlite3

        self.path = path
        self._errors = sqlite3.Error
        try:
            self.db = sqlite3.connect("file:{}?mode=ro".format(
                path.replace("?", "%3f").replace("#", "%23")), uri=True,
                check_same_thread=False)
            meta = dict(self.db.execute("SELECT key, value FROM meta"))
        except sqlite3.Error as exc:
            raise DataError("the statistics index {} is damaged ({})"
                            .format(path, exc))
        if meta.get("format") != FORMAT:
            self.close()
            raise DataError("the statistics index {} has another layout"
                            .format(path))
        self.etag = meta.get("etag", "")
        self.modified = meta.get("modified", "")
        self.rows = int(meta.get("rows", "0"))

    def close(self) -> None:
        self.db.close()

    def _query(self, sql: str, args) -> list:
        try:
            return self.db.execute(sql, args).fetchall()
        except self._errors as exc:
            raise DataError("the statistics index {} is damaged ({})"
                            .format(self.path, exc))

    def get(self, name: str) -> Optional[Downloads]:
        """The downloads of ``name`` (a canonical name), or None."""
        found = self._query("SELECT name, last_30_days, all_time FROM "
                            "downloads WHERE name = ? ORDER BY last_30_days "
                            "DESC LIMIT 1", (name,))
        return Downloads(*found[0]) if found else None

    def suggest(self, name: str, limit: int = 3) -> List[Downloads]:
        """Up to ``limit`` known names close to ``name`` (canonical):
        one edit away, with or without separators, a known import name's
        distribution, a 'py'/'python' form, or starting with it; the
        most downloaded first.  None for a name over MAX_SUGGEST
        characters."""
        if len(name) > MAX_SUGGEST:
            return []
        wanted = _edits(name)
        for n in (name, name.replace("-", "")):
            wanted = itertools.chain(wanted, (
                "py" + n, "py-" + n, "python-" + n, n + "-python",
                "python" + n, n + "-py"))
        if name in IMPORT_NAMES:
            wanted = itertools.chain(wanted, (IMPORT_NAMES[name],))
        found = {}
        while True:  # SQLite's variable limit: 900 names at a time
            chunk = sorted(set(itertools.islice(wanted, 900)))
            if not chunk:
                break
            for row in self._query(
                    "SELECT name, last_30_days, all_time FROM downloads "
                    "WHERE name IN ({})".format(",".join("?" * len(chunk))),
                    chunk):
                found[row[0]] = Downloads(*row)
        if len(name) >= 3:
            for row in self._query(
                    "SELECT name, last_30_days, all_time FROM downloads "
                    "WHERE name > ? AND name < ? LIMIT 2000",
                    (name, name + "\x7f")):
                found[row[0]] = Downloads(*row)
        found.pop(name, None)
        return sorted(found.values(), key=lambda d: (-d.last_30_days,
                                                     -d.all_time, d.name)
                      )[:limit]


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"


def _edits(word: str) -> Iterator[str]:
    """Every name one deletion, transposition, replacement or insertion
    away from ``word``, one at a time (a few may come twice)."""
    for i in range(len(word) + 1):
        a, b = word[:i], word[i:]
        out: List[str] = []
        if b:
            out.append(a + b[1:])
            out.extend(a + c + b[1:] for c in _ALPHABET)
        if len(b) > 1:
            out.append(a + b[1] + b[0] + b[2:])
        out.extend(a + c + b for c in _ALPHABET)
        for w in out:
            if w and _NAME_RE.fullmatch(w):
                yield w


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
        self._index: Optional[DownloadsTable] = None
        self._fresh = False
        #: Why there are no statistics, once that is known.
        self.failed: Optional[str] = None

    def cached(self) -> Optional[DownloadsTable]:
        """The index built before, if any and whole; never fetches."""
        if self._index is None and self.path and os.path.exists(self.path):
            try:
                self._index = DownloadsTable(self.path)
            except DataError:
                return None
        return self._index

    def fresh(self) -> Optional[DownloadsTable]:
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
