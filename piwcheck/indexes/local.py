# SPDX-License-Identifier: BSD-3-Clause
"""Local files for ``--find-links``, read as pip reads them and within
bounds: a folder's entries (pip's ``_FlatDirectoryToUrls``: HTML files
are pages, the other entries count when their names are a wheel's or an
sdist's), a local page, a wheel's METADATA read inside its zip, and a
file copied for ``--deep``.  Only regular files are opened: a FIFO would
hang, ``/dev/zero`` never end."""

import hashlib
import mimetypes
import os
import re
import stat
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Dict, List, Tuple

from packaging.utils import canonicalize_name

from ..errors import DataError, FetchError
from ..names import parse_version, valid_triple

#: The most entries of one find-links folder read (pip reads them all;
#: a real wheelhouse holds thousands).
MAX_ENTRIES = 200000
#: The largest local page read, as the largest answer over HTTP.
MAX_PAGE = 64 * 1000 * 1000
#: How many skipped names -v shows for a folder.
SHOWN = 5

_WHEEL_NAME = re.compile(r"^[\w._]+\Z")
_BUILD = re.compile(r"\d", re.ASCII)


def path_to_url(path: str) -> str:
    """A path's file: URL, as pip makes it."""
    path = os.path.normpath(os.path.abspath(path))
    return urllib.parse.urljoin("file:", urllib.request.pathname2url(path))


def url_to_path(url: str) -> str:
    """The local path of a file: URL; DataError for another host's."""
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise DataError("{}: not a local file (host {})".format(
            url, parts.netloc))
    return urllib.request.url2pathname(parts.path)


def is_html(name: str) -> bool:
    """Whether pip reads ``name`` (a path or URL) as an HTML page."""
    return mimetypes.guess_type(name, strict=False)[0] == "text/html"


def dist_project(filename: str):
    """The canonical project of a wheel or sdist file name as pip's
    vendored packaging (26.3) parses a find-links folder's names
    (``parse_wheel_filename``, ``parse_sdist_filename``: ``.tar.gz`` and
    ``.zip`` only); None when it is neither."""
    if filename.endswith(".whl"):
        stem = filename[:-4]
        dashes = stem.count("-")
        if dashes not in (4, 5):
            return None
        parts = stem.split("-", dashes - 2)
        if "__" in parts[0] or not _WHEEL_NAME.match(parts[0]) or \
                parse_version(parts[1]) is None or \
                (dashes == 5 and not _BUILD.match(parts[2])) or \
                not valid_triple(parts[-1]):
            return None
        return canonicalize_name(parts[0])
    for ending in (".tar.gz", ".zip"):
        if filename.endswith(ending):
            name, sep, version = filename[:-len(ending)].rpartition("-")
            if not sep or not name or parse_version(version) is None:
                return None
            return canonicalize_name(name)
    return None


@dataclass(frozen=True)
class Folder:
    """A find-links folder as pip scans it: its pages' paths, the names
    of each project's files, and the names that are neither."""

    path: str
    pages: Tuple[str, ...]
    files: Dict[str, Tuple[str, ...]]
    skipped: Tuple[str, ...]
    skipped_count: int


def scan(path: str) -> Folder:
    """The folder at ``path``, not recursively; DataError when it
    cannot be listed or holds more than MAX_ENTRIES entries."""
    pages: List[str] = []
    files: Dict[str, List[str]] = {}
    skipped: List[str] = []
    count = skipped_count = 0
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                count += 1
                if count > MAX_ENTRIES:
                    raise DataError(
                        "{}: more than {:,} entries (piwcheck reads at most "
                        "{:,})".format(path, MAX_ENTRIES, MAX_ENTRIES))
                name = entry.name
                if is_html(name):
                    pages.append(os.path.join(path, name))
                    continue
                project = dist_project(name)
                if project is None:
                    skipped_count += 1
                    if len(skipped) < SHOWN:
                        skipped.append(name)
                else:
                    files.setdefault(project, []).append(name)
    except OSError as exc:
        raise DataError("{}: cannot list it: {}".format(
            path, exc.strerror or exc))
    return Folder(path, tuple(pages),
                  {k: tuple(v) for k, v in files.items()}, tuple(skipped),
                  skipped_count)


def _open_regular(path: str):
    """A binary file object for the regular file at ``path``; DataError
    for anything else or what cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(
        os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise DataError("{}: cannot read it: {}".format(
            path, getattr(exc, "strerror", None) or exc))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DataError("{}: cannot read it: not a regular file".format(
            path))
    return os.fdopen(fd, "rb")


def read_page(path: str) -> bytes:
    """The bytes of a local page, at most MAX_PAGE; DataError when it
    cannot be read."""
    from ..inputs.files import FileProblem, read_file

    try:
        return read_file(path, MAX_PAGE)
    except FileProblem as exc:
        raise DataError("{}: cannot read it: {}".format(path, exc))
    except (OSError, ValueError) as exc:
        raise DataError("{}: cannot read it: {}".format(
            path, getattr(exc, "strerror", None) or exc))


def wheel_metadata(path: str, filename: str, project: str) -> bytes:
    """The METADATA of the wheel at ``path`` (named ``filename``, of
    canonical ``project``), read as an index's wheels are (zipdir: the
    one top-level ``.dist-info``, as pip finds it); DataError when it
    cannot be read."""
    from .zipdir import FileSource, metadata_bytes

    with _open_regular(path) as f:
        try:
            return metadata_bytes(FileSource(f), project, filename)
        except OSError as exc:
            raise DataError("{}: cannot read it: {}".format(
                path, exc.strerror or exc))


def copy(path: str, out, max_bytes: int) -> str:
    """Copy the regular file at ``path`` into ``out``, at most
    ``max_bytes``; its sha256.  FetchError when it cannot be had."""
    digest = hashlib.sha256()
    size = 0
    with _open_regular(path) as f:
        while True:
            try:
                chunk = f.read(1 << 20)
            except OSError as exc:
                raise FetchError("{}: cannot read it: {}".format(
                    path, exc.strerror or exc))
            if not chunk:
                return digest.hexdigest()
            size += len(chunk)
            if size > max_bytes:
                raise FetchError("{}: larger than {:.1f} MB".format(
                    path, max_bytes / 1e6))
            digest.update(chunk)
            out.write(chunk)
