# SPDX-License-Identifier: BSD-3-Clause
"""What setup.cfg ships: every folder of piwcheck/ with Python files is a
package that ``packages = find:`` finds, so none drops out of the wheel
and the .deb."""

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _folders_with_code():
    top = os.path.join(ROOT, "piwcheck")
    for path, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        if any(f.endswith(".py") for f in files):
            yield os.path.relpath(path, ROOT).replace(os.sep, ".")


def test_every_folder_of_code_is_a_found_package():
    setuptools = pytest.importorskip("setuptools")
    if not os.path.exists(os.path.join(ROOT, "setup.cfg")):
        pytest.skip("not a source tree")
    found = set(setuptools.find_packages(
        ROOT, include=["piwcheck", "piwcheck.*"]))
    assert set(_folders_with_code()) == found
    assert {"piwcheck.net", "piwcheck.indexes", "piwcheck.libs"} <= found
