# SPDX-License-Identifier: BSD-3-Clause
"""dpkg and apt state (piwcheck.apt), against a crafted database."""

import pytest

from conftest import native_arch
from piwcheck import apt


@pytest.mark.parametrize("name", [
    "libc6", "libssl1.1", "libstdc++6", "libgtk-3-0", "zlib1g",
    "libopenblas0-pthread", "libok2:armhf", "g++", "python3.11"])
def test_valid_names(name):
    assert apt.valid_name(name)


@pytest.mark.parametrize("name", [
    "x", "LibUpper", "libfoo; rm -rf /", "$(reboot)", "-lib", "+lib",
    "lib foo", "lib\nfoo", "libfoo:", "libfoo:arm:hf", "", "lib_foo",
    "libfoo`id`", ".lib", "libfoo:ARMHF"])
def test_invalid_names(name):
    assert not apt.valid_name(name)


def test_installed_reads_crafted_database(dpkg_db):
    arch = native_arch()
    state = apt.installed(
        ["libgfortran5", "libopenblas0-pthread", "libnothere1", "tzdata",
         "libgood1", "libok2:armhf", "libok2", "libffi8:" + arch], arch)
    assert state == {
        "libgfortran5": True,
        "libopenblas0-pthread": False,  # removed, config files left
        "libnothere1": False,
        "tzdata": True,                 # Architecture: all
        "libgood1": False,              # unpacked, not configured
        "libok2:armhf": True,
        "libok2": arch == "armhf",      # installed for armhf only
        "libffi8:" + arch: True,
    }


def test_installed_never_passes_invalid_names(dpkg_db):
    assert apt.installed(["libc6", "--admindir=/", "$(x)"],
                         native_arch()) == {"libc6": True}


def test_installed_without_dpkg(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert apt.installed(["libc6"], "amd64") is None
    assert apt.known(["libc6"], "amd64") is None


def test_known_asks_apt(apt_config):
    arch = native_arch()
    state = apt.known(["libopenblas0-pthread", "libssl1.1", "libgfortran5",
                       "libok2:armhf"], arch)
    assert state == {"libopenblas0-pthread": True, "libssl1.1": False,
                     "libgfortran5": True, "libok2:armhf": True}


def test_install_command():
    assert apt.install_command(["libssl3", "libffi8", "libssl3"]) == \
        "sudo apt install libssl3 libffi8"
    assert apt.install_command(["libssl3", "x; rm -rf /"]) == \
        "sudo apt install libssl3"
    assert apt.install_command([]) is None
    assert apt.install_command(["$(reboot)"]) is None
