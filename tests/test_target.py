# SPDX-License-Identifier: BSD-3-Clause
"""What we check for (piwcheck.target)."""

import subprocess
import sys

import distro
import pytest
from packaging import tags

from piwcheck.described import described_target
from piwcheck.errors import InputError
from piwcheck.facts import machine_arch
from piwcheck.target import interpreter_target, local_target


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


# issue 20: never a traceback; bounded time and memory


def _script(tmp_path, body):
    path = tmp_path / "python"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_interpreter_that_never_answers(tmp_path, monkeypatch):
    """It has probe.SECONDS, not two minutes; what it started ends too."""
    import time

    from piwcheck import probe

    monkeypatch.setattr(probe, "SECONDS", 1.0)
    bad = _script(tmp_path, "sleep 60 &\nexec sleep 60\n")
    began = time.monotonic()
    with pytest.raises(InputError, match="^--python {}: .*did not answer "
                                         "within 1 s".format(bad)):
        interpreter_target(bad)
    assert time.monotonic() - began < 5


def test_interpreter_that_prints_without_end(tmp_path):
    bad = _script(tmp_path, "exec yes garbage\n")
    with pytest.raises(InputError, match="printed more than 4,000,000"):
        interpreter_target(bad)


@pytest.mark.parametrize("said", [
    '{"tags": [], "env": {"python_version": "3.11", '
    '"python_full_version": "3.11.2"}}',
    '{"tags": ["cp311-cp311-linux_armv7l"], "env": {"python_version": '
    '"garbage", "python_full_version": "3.11.2"}}',
    '[1, 2]', '"tags"', '{}', '{"tags": 5, "env": {}}'])
def test_interpreter_that_describes_itself_wrongly(tmp_path, said):
    bad = _script(tmp_path, "cat <<'END'\n{}\nEND\n".format(said))
    with pytest.raises(InputError, match="^--python {}: (it did not "
                                         "describe itself|it names no "
                                         "platform tags)".format(bad)):
        interpreter_target(bad)


def test_interpreter_that_answers_in_deep_json(tmp_path):
    bad = _script(tmp_path, "{} -c 'print(\"[\" * 100000)'\n".format(
        sys.executable))
    with pytest.raises(InputError, match="did not describe itself"):
        interpreter_target(bad)


@pytest.mark.parametrize("version", ["3.1000000", "3.100", "3.11.123456",
                                     "4.0", "3.x", "3.11\n.2"])
def test_python_version_out_of_range(version):
    with pytest.raises(InputError, match="^--python-version"):
        described_target(None, ["linux_armv7l"], python_version=version)


@pytest.mark.parametrize("abi", ["cp399999999999999999999", "cp3100",
                                 "cp311\n", "cp311abcdefgh"])
def test_abi_out_of_range(abi):
    with pytest.raises(InputError, match="^--abi"):
        described_target(abi, ["linux_armv7l"])


def test_highest_python_version_is_quick():
    t = described_target(None, ["linux_armv7l"], python_version="3.99.9999")
    assert t.abi == "cp399" and str(t.tags[0]) == "cp399-cp399-linux_armv7l"


def test_platform_bounds():
    with pytest.raises(InputError, match=r"^--platform 'a{60}'\.\.\. "
                                         r"\(1,000,000 characters\)"):
        described_target("cp311", ["a" * 1000000])
    with pytest.raises(InputError, match="^--platform 'linux_armv7l\\\\n'"):
        described_target("cp311", ["linux_armv7l\n"])
    with pytest.raises(InputError, match="201 platforms; at most 200"):
        described_target("cp311", ["p{}".format(i) for i in range(201)])
    # repeats are one platform
    t = described_target("cp311", ["linux_armv7l"] * 100000)
    assert t.platforms == ["linux_armv7l", "any"]


@pytest.mark.parametrize("pi", ["x" * 100000, "bookworm-32\n",
                                "bookworm-32" + " " * 200])
def test_pi_bounds(pi):
    with pytest.raises(InputError) as err:
        described_target(None, [], pi=pi)
    assert str(err.value).startswith("--pi ") and len(str(err.value)) < 300


def test_pi_with_options_that_replace_its_own():
    """--pi gives the defaults; --abi, --python-version and --platform
    replace its ABI, Python and platforms, and assumed: says so."""
    t = described_target(None, ["linux_armv6l"], pi="bookworm-32")
    assert t.platforms == ["linux_armv6l", "any"] and t.abi == "cp311"
    assert t.os_codename == "bookworm"
    assert t.assumed == (
        "Python 3.11.2 as on Debian Bookworm",
        "Debian Bookworm as on a bookworm-32 Pi, with --platform as given "
        "in place of its own")
    t = described_target(None, [], pi="bookworm-32", python_version="3.9")
    assert t.abi == "cp39" and str(t.tags[0]) == \
        "cp39-cp39-manylinux_2_36_armv7l"
    assert t.assumed[1:] == (
        "Debian Bookworm as on a bookworm-32 Pi, with --python-version as "
        "given in place of its own",)
    t = described_target("cp39", ["linux_armv7l"], pi="trixie-64")
    assert t.platforms == ["linux_armv7l", "any"] and t.abi == "cp39"
    assert t.assumed == (
        "Debian Trixie as on a trixie-64 Pi, with --abi and --platform as "
        "given in place of its own",)
    # the Pi alone: as before
    assert described_target(None, [], pi="trixie-armv6").assumed == (
        "Python 3.13.5 as on Debian Trixie",
        "the 1 platforms of a trixie-armv6 Pi: linux_armv6l")
