# SPDX-License-Identifier: BSD-3-Clause
"""What we check for (piwcheck.target)."""

import subprocess
import sys

import distro
import pytest
from packaging import tags

from piwcheck.errors import InputError
from piwcheck.facts import machine_arch
from piwcheck.target import described_target, interpreter_target, local_target


def test_local_target_is_this_interpreter():
    t = local_target()
    assert t.local
    assert t.tags == tuple(tags.sys_tags())
    assert t.python_version == "{}.{}".format(*sys.version_info[:2])
    assert t.abi == "cp{}{}".format(*sys.version_info[:2])
    assert t.os_id == distro.id()
    assert t.os_codename == (distro.codename() or None)
    dpkg = subprocess.run(["dpkg", "--print-architecture"],
                          capture_output=True, text=True).stdout.strip()
    assert t.dpkg_arch == dpkg
    # the first sys tag is a manylinux one; the plain one is there too
    assert "linux_" + machine_arch(t.platforms[0]) in t.platforms


def test_described_pi_target():
    t = described_target("cp311", ["linux_armv7l"], local_target())
    assert not t.local and t.dpkg_arch is None and t.os_id is None
    assert t.python_version == "3.11"
    assert t.platforms == ["linux_armv7l", "any"]
    assert str(t.tags[0]) == "cp311-cp311-linux_armv7l"
    assert t.marker_env["platform_machine"] == "armv7l"
    assert t.marker_env["python_version"] == "3.11"
    assert t.notes() == []


def test_described_buster_abi():
    t = described_target("cp37m", ["linux_armv6l"], local_target())
    assert t.python_version == "3.7"
    assert str(t.tags[0]) == "cp37-cp37m-linux_armv6l"


def test_abi_alone_keeps_local_platforms():
    base = local_target()
    t = described_target("cp39", [], base)
    assert t.platforms[:-1] == base.platforms[:-1] or \
        set(t.platforms) <= set(base.platforms)
    assert t.abi == "cp39" and not t.local


@pytest.mark.parametrize("abi", ["311", "py3", "cp3", "cp311;rm", ""])
def test_bad_abi(abi):
    with pytest.raises(InputError, match="--abi"):
        described_target(abi, ["linux_armv7l"], local_target())


def test_bad_platform():
    with pytest.raises(InputError, match="--platform"):
        described_target("cp311", ["linux armv7l"], local_target())


def test_notes_for_platforms_piwheels_does_not_build():
    x86 = described_target("cp311", ["linux_x86_64"], local_target())
    assert "only its pure-Python wheels" in x86.notes()[0]
    arm64 = described_target("cp311", ["manylinux_2_17_aarch64",
                                       "linux_aarch64"], local_target())
    notes = " ".join(arm64.notes())
    assert "PyPI (manylinux)" in notes and "aarch64" in notes


def test_note_for_abi_no_builder_uses():
    t = described_target("cp312", ["linux_armv7l"], local_target())
    assert t.notes() == ["no piwheels builder uses ABI cp312: only "
                         "pure-Python and abi3 wheels can match"]


def test_interpreter_target_real_interpreter():
    t = interpreter_target(sys.executable)
    assert t.local
    assert t.tags == tuple(tags.sys_tags())
    assert t.python_full_version == "{}.{}.{}".format(*sys.version_info[:3])


def test_interpreter_target_pi(pi_python):
    t = interpreter_target(pi_python("cp311", "armv7l"))
    assert t.abi == "cp311" and t.local
    assert t.platforms[-2:] == ["linux_armv7l", "any"]
    assert t.marker_env["platform_machine"] == "armv7l"


def test_interpreter_target_missing():
    with pytest.raises(InputError, match="cannot run it"):
        interpreter_target("/nonexistent/python3")


def test_interpreter_target_failing(tmp_path):
    bad = tmp_path / "python"
    bad.write_text("#!/bin/sh\necho 'SyntaxError: nope' >&2\nexit 1\n")
    bad.chmod(0o755)
    with pytest.raises(InputError, match="SyntaxError: nope"):
        interpreter_target(str(bad))


def test_interpreter_target_garbage(tmp_path):
    bad = tmp_path / "python"
    bad.write_text("#!/bin/sh\necho hello\n")
    bad.chmod(0o755)
    with pytest.raises(InputError, match="did not describe itself"):
        interpreter_target(str(bad))


@pytest.mark.parametrize("plat,arch", [("linux_armv7l", "armv7l"),
                                       ("manylinux2014_aarch64", "aarch64"),
                                       ("manylinux_2_17_x86_64", "x86_64"),
                                       ("linux_armv6l", "armv6l")])
def test_machine_arch(plat, arch):
    assert machine_arch(plat) == arch
