# SPDX-License-Identifier: BSD-3-Clause
"""The downloads table (sqlite, read-only): a project's downloads, and
the known names close to one piwheels does not know."""

import itertools
from typing import Iterator, List, Optional

from ..errors import DataError
from ..results import Downloads
from .listing import FORMAT, _NAME_RE

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
