# SPDX-License-Identifier: BSD-3-Clause
"""A PyPI-like simple index on 127.0.0.1 for tests and benchmarks.

Serves ``/simple/<name>/`` as PEP 691 JSON or PEP 503 HTML (by the
Accept header), PEP 658 metadata files, and real wheels and sdists made
from ``tests/data/pypi/<name>.json`` (``{"files": [{"filename": ...,
"requires_python": ..., "yanked": ..., "requires_dist": [...]}]}``);
301 for a non-canonical name, 404 for an unknown one, and the faults of
``piwserver.FAULTS``.  Run it alone with ``python3 tests/pypiserver.py``."""

import json
import os
import sys

from piwserver import PiwheelsServer, serve_until_interrupted

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                    "pypi")


class PypiServer(PiwheelsServer):
    """The fake PyPI; ``files.add(name, entries)`` changes a project."""

    simple_json = True
    metadata_files = True

    def __init__(self, data_dir=DATA, delay=0.0):
        super().__init__(None, delay=delay)
        if data_dir:
            for fn in sorted(os.listdir(data_dir)):
                if fn.endswith(".json"):
                    with open(os.path.join(data_dir, fn)) as f:
                        self.files.add(fn[:-5], json.load(f)["files"])

    @property
    def only(self):
        """piwcheck's options for this index alone."""
        return ["--index-url", self.index]

    def release_json(self, name, version):
        """PyPI's /pypi/<name>/<version>/json for a release, or None."""
        from packaging.version import Version

        from distfiles import split
        for e in self.files.entries.get(name, ()):
            if Version(split(e["filename"])[1]) == Version(version):
                import re
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
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = PypiServer(args.data, delay=args.delay).start(args.port)
    print(server.index, flush=True)
    serve_until_interrupted(server)


if __name__ == "__main__":
    sys.exit(main())
