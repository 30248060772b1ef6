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
        return parse_project(json.load(f), name)


def pi(abi="cp311", platform="linux_armv7l"):
    """A described Raspberry Pi target."""
    return described_target(abi, [platform], local_target())
