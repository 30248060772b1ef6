# SPDX-License-Identifier: BSD-3-Clause
"""Small helpers shared by the tests."""

import json
import os

from piwcheck.indexes.piwheels import parse_project
from piwcheck.target import described_target, local_target

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def load(name):
    """A project from tests/data/projects, through the real parser."""
    with open(os.path.join(DATA, "projects", name + ".json")) as f:
        return parse_project(json.load(f), name,
                             "https://www.piwheels.org/simple")


def load_pypi(name, index="https://pypi.org/simple"):
    """A project from tests/data/pypi, through the simple API's model."""
    from piwcheck.indexes.simple import project_from_rows

    with open(os.path.join(DATA, "pypi", name + ".json")) as f:
        entries = json.load(f)["files"]
    rows = [{"filename": e["filename"], "url": index + "/x/" + e["filename"],
             "sha256": None, "size": None,
             "requires_python": e.get("requires_python"),
             "yanked": bool(e.get("yanked"))} for e in entries]
    return project_from_rows(name, rows, index)


def both(name):
    """``name`` from PyPI, then piwheels: Raspberry Pi OS's order."""
    return [load_pypi(name), load(name)]


def pi(abi="cp311", platform="linux_armv7l"):
    """A described Raspberry Pi target."""
    return described_target(abi, [platform], local_target())


def piw(url):
    """piwcheck's options for the piwheels site at ``url`` as the only
    index."""
    return ["--piwheels-url", url, "--index-url", url + "/simple"]
