# SPDX-License-Identifier: BSD-3-Clause
"""The recorded corpus of real PyPI data (``tests/data/corpus/``, made by
``tools/record_corpus.py``) served by a fake index: its PEP 691 pages as
recorded (JSON, or PEP 503 HTML made from them), with PEP 658 metadata
files for the wheels whose METADATA was recorded (``metadata_files``
False serves none, as an index without them).  The files themselves
were not recorded: asking for one is a 404.  Run it alone with
``python3 tests/corpusindex.py``."""

import hashlib
import html
import json
import os
import sys

from distfiles import DATA
from fakeindex import FakeIndex, IndexHandler, serve_until_interrupted

CORPUS = os.path.join(DATA, "corpus")


def load_pages(root=CORPUS):
    """{canonical name: recorded page} of the corpus."""
    pages = {}
    simple = os.path.join(root, "simple")
    for fn in sorted(os.listdir(simple)):
        if fn.endswith(".json"):
            with open(os.path.join(simple, fn)) as f:
                pages[fn[:-5]] = json.load(f)
    return pages


class CorpusFiles:
    """What ``IndexHandler`` asks of an index's files, from the corpus."""

    def __init__(self, root=CORPUS):
        self.root = root
        self.pages = load_pages(root)
        self.entries = {name: page["files"]
                        for name, page in self.pages.items()}
        self._made = {}

    def entry(self, project, filename):
        for e in self.entries.get(project, ()):
            if e["filename"] == filename:
                return e
        return None

    def meta(self, e):
        """The recorded METADATA of a file, or None."""
        path = os.path.join(self.root, "metadata",
                            e["filename"] + ".metadata")
        try:
            with open(path, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def data(self, e):
        return None

    def page(self, kind, project, base, metadata_files=False):
        key = (kind, project, base, metadata_files)
        if key not in self._made:
            files = []
            for e in self.entries[project]:
                f = dict(e, url=base + e["url"])
                meta = self.meta(e) if metadata_files else None
                if meta is not None:
                    # PEP 714's key and PEP 658's, as PyPI gives them
                    f["core-metadata"] = f["data-dist-info-metadata"] = {
                        "sha256": hashlib.sha256(
                            meta.encode("utf-8")).hexdigest()}
                files.append(f)
            make = _json if kind == "json" else _html
            self._made[key] = make(self.pages[project], files)
        return self._made[key]


def _json(page, files):
    return json.dumps(dict(page, files=files)).encode()


def _html(page, files):
    links = []
    for f in files:
        attrs = ' href="{}#sha256={}"'.format(html.escape(f["url"]),
                                              f["hashes"]["sha256"])
        if f.get("requires-python"):
            attrs += ' data-requires-python="{}"'.format(
                html.escape(f["requires-python"]))
        if f.get("yanked"):
            reason = f["yanked"] if isinstance(f["yanked"], str) else ""
            attrs += ' data-yanked="{}"'.format(html.escape(reason))
        if f.get("core-metadata"):
            attrs += ' data-dist-info-metadata="sha256={0}" ' \
                'data-core-metadata="sha256={0}"'.format(
                    f["core-metadata"]["sha256"])
        links.append("<a{}>{}</a><br/>".format(attrs,
                                               html.escape(f["filename"])))
    return ("<!DOCTYPE html><html><head><meta name=\"pypi:repository-"
            "version\" content=\"1.1\"><title>Links for {0}</title></head>"
            "<body><h1>Links for {0}</h1>{1}</body></html>\n".format(
                html.escape(page["name"]), "".join(links))).encode()


class CorpusServer(FakeIndex):
    """A PyPI-like index serving the corpus."""

    handler = IndexHandler
    simple_json = True
    metadata_files = True

    def __init__(self, root=CORPUS, metadata_files=True):
        super().__init__()
        self.files = CorpusFiles(root)
        self.metadata_files = metadata_files


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-metadata", action="store_true",
                        help="offer no PEP 658 metadata files")
    args = parser.parse_args(argv)
    server = CorpusServer(metadata_files=not args.no_metadata).start(
        args.port)
    print(server.index, flush=True)
    serve_until_interrupted(server)


if __name__ == "__main__":
    sys.exit(main())
