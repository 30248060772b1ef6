# SPDX-License-Identifier: BSD-3-Clause
"""A PyPI-like simple index on 127.0.0.1 for tests and benchmarks.

Serves ``/simple/<name>/`` as PEP 691 JSON or PEP 503 HTML (by the
Accept header), PEP 658 metadata files, and real wheels and sdists made
from ``tests/data/pypi/<name>.json`` (``{"files": [{"filename": ...,
"requires_python": ..., "yanked": ..., "requires_dist": [...]}]}``);
301 for a non-canonical name, 404 for an unknown one, PyPI's
``/pypi/<name>/<version>/json``, and the faults of ``faults.FAULTS``.
The server and the simple index are fakeindex's, shared with the
piwheels fake (piwserver).  Run it alone with
``python3 tests/pypiserver.py``."""

import json
import os
import re
import sys

from distfiles import DATA, split
from fakeindex import NOT_FOUND, FakeIndex, IndexHandler, \
    serve_until_interrupted

PYPI = os.path.join(DATA, "pypi")


class PypiHandler(IndexHandler):
    """PyPI's own path: /pypi/<name>/<version>/json."""

    def route(self, path, parts):
        if len(parts) == 5 and parts[1] == "pypi" and parts[4] == "json":
            body = self.fake.release_json(parts[2], parts[3])
            if body is None:
                self.send_body(404, NOT_FOUND, "text/html", name=parts[2])
            else:
                self.send_body(200, body, name=parts[2])
            return True
        return False


class PypiServer(FakeIndex):
    """The fake PyPI; ``files.add(name, entries)`` changes a project."""

    handler = PypiHandler
    simple_json = True
    metadata_files = True

    def __init__(self, data_dir=PYPI, delay=0.0):
        super().__init__(delay=delay)
        if data_dir:
            for fn in sorted(os.listdir(data_dir)):
                if fn.endswith(".json"):
                    with open(os.path.join(data_dir, fn)) as f:
                        self.files.add(fn[:-5], json.load(f)["files"])

    def release_json(self, name, version):
        """PyPI's /pypi/<name>/<version>/json for a release, or None."""
        from packaging.version import Version

        for e in self.files.entries.get(name, ()):
            if Version(split(e["filename"])[1]) == Version(version):
                deps = e.get("requires_dist") or []
                extras = sorted(set(re.findall(
                    r"extra\s*==\s*[\"']([^\"']+)[\"']", " ".join(deps))))
                return json.dumps({"info": {
                    "name": name, "version": version,
                    "requires_dist": deps or None,
                    "provides_extra": extras or None,
                    "requires_python": e.get("requires_python")}}).encode()
        return None


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=PYPI)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = PypiServer(args.data, delay=args.delay).start(args.port)
    print(server.index, flush=True)
    serve_until_interrupted(server)


if __name__ == "__main__":
    sys.exit(main())
