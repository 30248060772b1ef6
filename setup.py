# SPDX-License-Identifier: BSD-3-Clause
"""Metadata lives in setup.cfg; the version in debian/changelog."""

import os
import re

from setuptools import setup


def changelog_version():
    """The version of the newest debian/changelog entry."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "debian", "changelog")
    with open(path, encoding="utf-8") as f:
        return re.match(r"^\S+ \(([^)\s]+)\)", f.readline()).group(1)


setup(version=changelog_version())
