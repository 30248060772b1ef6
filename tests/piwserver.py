# SPDX-License-Identifier: BSD-3-Clause
"""A piwheels-format HTTP server on 127.0.0.1 for tests and benchmarks.

Serves ``/project/<name>/json/`` from a folder of ``<name>.json`` files the
way piwheels' static site does (301 without the trailing slash, an HTML 404
for anything else, ETag and Last-Modified with conditional 304s), its
download statistics at ``/packages.json``, its simple index
``/simple/<name>/`` with real wheel files for pip, and can misbehave on
purpose: see ``faults.FAULTS``.  The server, the simple index and the
faults are fakeindex's, shared with the PyPI fake (pypiserver).  Run it
alone with ``python3 tests/piwserver.py --help``."""

import argparse
import email.utils
import gzip
import hashlib
import json
import os
import sys

from distfiles import DATA, pypi_requires
from fakeindex import NOT_FOUND, FakeIndex, IndexHandler, \
    serve_until_interrupted

PROJECTS = os.path.join(DATA, "projects")


class PiwheelsHandler(IndexHandler):
    """piwheels' own paths: project documents and /packages.json."""

    def route(self, path, parts):
        if path.split("?")[0] == "/packages.json" and \
                self.fake.packages_json is not None:
            if not self.fault("packages.json"):
                self.send_document("packages.json", self.fake.packages_json)
            return True
        # ['', 'project', name, 'json', ''] or without the final ''
        if len(parts) in (4, 5) and parts[1] == "project" \
                and parts[3] == "json":
            self.project(parts[2], path, slash=len(parts) == 5)
            return True
        return False

    def project(self, name, path, slash):
        """/project/<name>/json/, or a 301 to it without the slash."""
        if self.fault(name):
            return
        if name not in self.fake.documents:
            return self.send_body(404, NOT_FOUND, "text/html", name=name)
        if not slash:
            return self.send_body(301, b"", "text/html",
                                  {"Location": path + "/"}, name)
        self.send_document(name)

    def send_document(self, name, body=None):
        """A document with ETag and Last-Modified, 304 when the request's
        validators match, gzipped when the fake is set to and asked."""
        if body is None:
            body = self.fake.documents[name]
        etag = '"{}"'.format(hashlib.sha1(body).hexdigest()[:16])
        mtime = self.fake.mtimes.get(name, 1700000000.0)
        headers = {"ETag": etag,
                   "Last-Modified": email.utils.formatdate(mtime,
                                                           usegmt=True),
                   "Cache-Control": "max-age=0"}
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")]
        elif ims is not None:
            try:
                fresh = email.utils.parsedate_to_datetime(
                    ims).timestamp() >= int(mtime)
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            return self.send_body(304, None, headers=headers, name=name)
        if self.fake.gzip_bodies and "gzip" in self.headers.get(
                "Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send_body(200, body, headers=headers, name=name)


class PiwheelsServer(FakeIndex):
    """The piwheels fake; ``documents`` maps canonical names to bytes."""

    handler = PiwheelsHandler

    def __init__(self, data_dir=PROJECTS, delay=0.0, gzip_bodies=False,
                 bandwidth=None):
        super().__init__(delay=delay, bandwidth=bandwidth)
        self.documents = {}
        self.mtimes = {}
        if data_dir:
            for fn in sorted(os.listdir(data_dir)):
                if fn.endswith(".json"):
                    with open(os.path.join(data_dir, fn), "rb") as f:
                        self.add(fn[:-5], f.read())
        #: The download statistics served at /packages.json (bytes).
        self.packages_json = None
        if self.documents:  # its own projects, used as much as released
            self.packages_json = json.dumps([
                [name, 100 * len(json.loads(body).get("releases", {})),
                 1000 * len(json.loads(body).get("releases", {}))]
                for name, body in sorted(self.documents.items())
                if body.startswith(b"{")], separators=(",", ":")).encode()
        self.gzip_bodies = gzip_bodies

    def add(self, name, body, mtime=1700000000.0):
        """Serve ``body`` (bytes, or an object to encode) for ``name``."""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
        self.documents[name] = body
        self.mtimes[name] = mtime
        try:
            releases = json.loads(body)["releases"]
            entries = []
            for version, r in releases.items():
                for fn, f in sorted(r["files"].items()):
                    requires = pypi_requires(name, version)
                    entries.append({
                        "filename": fn,
                        "requires_python": f.get("requires_python"),
                        "yanked": bool(r.get("yanked")),
                        "requires_dist": f.get("pip_dependencies") or []
                        if requires is None else requires})
        except (ValueError, KeyError, TypeError, AttributeError):
            entries = []
        self.files.add(name, entries)

    @property
    def only(self):
        """piwcheck's options for this site as the only index."""
        return ["--piwheels-url", self.url, "--index-url", self.index]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=PROJECTS,
                        help="folder of <name>.json documents")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds added to every answer")
    parser.add_argument("--bandwidth", type=float, default=None,
                        help="MB a second for all answers together")
    args = parser.parse_args(argv)
    server = PiwheelsServer(args.data, delay=args.delay, bandwidth=(
        args.bandwidth * 1e6 if args.bandwidth else None)).start(args.port)
    print(server.url, flush=True)
    serve_until_interrupted(server)


if __name__ == "__main__":
    sys.exit(main())
