# SPDX-License-Identifier: BSD-3-Clause
"""An index held in memory, for tests: piwcheck's Index interface with no
HTTP at all, so check, resolve and select run on hand-made or stored
projects.  It records what it was asked, and whether it was stopped."""

import hashlib
import threading

from piwcheck.errors import FetchError, NotFound
from piwcheck.indexes import Index
from piwcheck.indexes.simple import project_from_rows
from piwcheck.metadata import Metadata
from piwcheck.names import canonical_name


class MemIndex(Index):
    """The projects, metadata (by file name) and file bodies (by file
    name) it is given; ``has_apt_data`` as asked.  Every project's files
    must name this index's ``url`` (``File.index``), as a reader's do."""

    def __init__(self, url, projects=(), metadata=None, files=None,
                 has_apt_data=False, label=None):
        super().__init__(url)
        self.projects = {canonical_name(p.name): p for p in projects}
        self.metadata_of = dict(metadata or {})
        self.files = dict(files or {})
        self.has_apt_data = has_apt_data
        self._label = label
        #: The names fetched, in the order asked.
        self.asked = []
        self.aborted = False
        self._lock = threading.Lock()

    @property
    def label(self):
        return self._label or self.url

    def fetch(self, name, unless=None):
        with self._lock:
            self.asked.append(canonical_name(name))
        if self.aborted:
            raise FetchError("interrupted")
        project = self.projects.get(canonical_name(name))
        if project is None:
            raise NotFound("{} has no such project".format(self.label))
        return project

    def metadata(self, f):
        # a file given no metadata has metadata of no dependencies
        return self.metadata_of.get(f.filename, requires())

    def download(self, f, out, max_bytes, seconds):
        body = self.files.get(f.filename)
        if body is None:
            raise FetchError("{}: not in this index".format(f.filename))
        out.write(body)
        return hashlib.sha256(body).hexdigest()

    def abort(self):
        self.aborted = True


def wheels(name, index, *filenames, requires_python=None):
    """A project of ``index`` with these files, each with metadata of its
    own (PEP 658), as a simple index lists them."""
    return project_from_rows(name, [
        {"filename": fn, "url": "{}/{}/{}".format(index, name, fn),
         "sha256": None, "size": None, "requires_python": requires_python,
         "yanked": False, "metadata": True} for fn in filenames], index)


def requires(*lines):
    """Core metadata whose Requires-Dist are ``lines``."""
    return Metadata(tuple(lines), None, "memory")
