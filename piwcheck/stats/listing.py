# SPDX-License-Identifier: BSD-3-Clause
"""piwheels' packages.json read into the downloads table: the list is
read a window at a time (the usual rows by one regex, any other row by
the JSON decoder), and the table is built aside and moved into place
whole, so a reader never sees half of one."""

import json
import os
import re
import tempfile
from typing import Any, Iterator, List, Tuple

from ..errors import CacheError, DataError

#: The index's layout; an index of another is rebuilt.
FORMAT = "1"
#: A row as piwheels writes it, ["name",30-day count,all-time count],
#: with the ',' after it.
_ROW = re.compile(r'\["([^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*)",'
                  r'(\d+),(\d+)\],')
#: What a run holds only when a name in it is not canonical (or escaped).
_ODD = re.compile(r'[A-Z_.\\\x80-\U0010ffff]|--|"-|-"')
_NAME_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
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
        except RecursionError:  # json's own bound on nesting
            raise DataError("packages.json nests too deeply")
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
