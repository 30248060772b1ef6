# SPDX-License-Identifier: BSD-3-Clause
"""soname -> Debian package: the names piwcheck gives are those Debian's
Contents lists say ship each soname (recorded by tools/check_sonames.py
in tests/data/apt-sonames.json), and a name nothing confirmed is a guess,
never in the apt command."""

import json
import os

import pytest

from distfiles import DATA
from piwcheck.facts import CHECKED_NAMES, TIME64_RENAMES
from piwcheck.libs.environment import _report
from piwcheck.libs.installed import Distribution, Library, results
from piwcheck.libs.machine import Machine
from piwcheck.libs.naming import (Owners, guess_packages, name_packages,
                                  table_package)
from piwcheck.libs.sonames import PACKAGES
from piwcheck.report.common import lib_state

with open(os.path.join(DATA, "apt-sonames.json")) as f:
    RECORDED = json.load(f)["ships"]
with open(os.path.join(DATA, "sonames.txt")) as f:
    SONAMES = [line.split()[0] for line in f
               if line.strip() and not line.startswith("#")]


def test_the_recording_covers_the_listed_sonames_and_releases():
    """Every listed soname is shipped in some recorded release, and every
    release the table claims checked was recorded, for armhf and arm64."""
    assert sorted(RECORDED) == sorted("{}/{}".format(r, a)
                                      for r in CHECKED_NAMES
                                      for a in ("armhf", "arm64"))
    shipped = {s for found in RECORDED.values() for s in found}
    assert set(SONAMES) == shipped
    for soname in ("libglib-2.0.so.0", "libgthread-2.0.so.0", "libGL.so.1",
                   "libopenblas.so.0", "libssl.so.3", "libgfortran.so.5"):
        assert soname in SONAMES


def test_the_readme_counts_the_checked_sonames():
    readme = os.path.join(os.path.dirname(DATA), os.pardir, "README.rst")
    if not os.path.exists(readme):
        pytest.skip("not in a source tree")
    with open(readme, encoding="utf-8") as f:
        text = " ".join(f.read().split())
    assert "for the {} sonames that".format(len(SONAMES)) in text


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_every_checked_soname_is_named_as_debian_ships_it(key):
    """The first name (what is said without apt) is a package that ships
    the soname in that release and architecture."""
    release = key.split("/")[0]
    wrong = {}
    for soname, packages in RECORDED[key].items():
        names = guess_packages(soname, release)
        if not names or names[0] not in packages:
            wrong[soname] = (names, packages)
    assert wrong == {}


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_the_table_is_what_ships_each_soname(key):
    """Each exception the table names, in a release it was checked for,
    is what that release ships (none is a leftover)."""
    release = key.split("/")[0]
    for soname, packages in RECORDED[key].items():
        name = table_package(soname, release)
        assert (name in packages) if soname in PACKAGES else name is None
    recorded = {s for found in RECORDED.values() for s in found}
    assert set(PACKAGES) - recorded <= {"ld-linux-x86-64.so.2"}


def test_the_time64_renames_are_trixies():
    """Each rename is what Trixie ships for a soname Bookworm ships under
    the old name, on both architectures."""
    for old, new in TIME64_RENAMES.items():
        for arch in ("armhf", "arm64"):
            assert any(old in RECORDED["bookworm/" + arch].get(s, ())
                       and new in packages for s, packages in
                       RECORDED["trixie/" + arch].items()), (old, arch)


def test_a_glib_soname_is_libglib():
    """What opencv-python users on a Pi miss."""
    for soname in ("libglib-2.0.so.0", "libgthread-2.0.so.0"):
        assert guess_packages(soname, "bookworm") == ["libglib2.0-0"]
        assert guess_packages(soname, "trixie") == ["libglib2.0-0t64"]


# A guess never in the apt command

def _dist(sonames, piwheels=None):
    d = Distribution("d", "1.0", "/nonexistent/site")
    for soname in sonames:
        d.libraries[soname] = Library(soname, ["d/_m.so"])
    d.piwheels = piwheels
    return d


def _checked(sonames, codename, known, contents=None, piwheels=None):
    d = _dist(sonames, piwheels)
    name_packages([d], Owners("/nonexistent"), codename, known,
                  contents)
    found = results([d])
    machine = Machine("aarch64", ("aarch64", 64, None), 8, "arm64")
    return found[0], _report("d", machine, found)


@pytest.mark.parametrize("codename", ["bookworm", "trixie", None])
def test_without_apt_a_guess_is_probably_and_left_out(codename):
    """No apt here (known answers None): the naming rule's name is said to
    be a guess and left out of the command (and the status is missing
    libraries, not missing apt packages); the table's name, for a
    release it was checked against, is in it."""
    d, report = _checked(["libpiwtest-absent.so.1", "libglib-2.0.so.0"],
                         codename, lambda names: None)
    libs = {lib.soname: lib for lib in d.libraries}
    guess = libs["libpiwtest-absent.so.1"]
    assert guess.package == "libpiwtest-absent1" and guess.guessed
    assert not guess.installable
    assert lib_state(guess).startswith(
        "missing: probably apt package libpiwtest-absent1 (Debian's naming")
    assert "libpiwtest-absent1" not in (report.apt_command or "")
    assert str(d.status) == "missing-lib"
    glib = libs["libglib-2.0.so.0"]
    if codename is None:  # not a release the table was checked for
        assert glib.guessed and not glib.installable
        assert report.apt_command is None
    else:
        assert not glib.guessed and glib.named_by == "piwcheck's table"
        assert report.apt_command == "sudo apt install " + glib.package
        assert lib_state(glib) == "missing: apt package {} (from " \
            "piwcheck's table)".format(glib.package)


def test_apt_confirms_a_guess_or_keeps_it_out():
    """With apt here, the first guess apt knows joins the command; one it
    does not know stays out, and so does a table name it does not know."""
    d, report = _checked(
        ["libpiwtest-a.so.1", "libpiwtest-b.so.2", "libjpeg.so.62",
         "libpiwtest-c.so.3"], "trixie",
        lambda names: {n: n in ("libpiwtest-a1", "libpiwtest-c3t64")
                       for n in names})
    libs = {lib.soname: lib for lib in d.libraries}
    assert libs["libpiwtest-a.so.1"].package == "libpiwtest-a1"
    assert libs["libpiwtest-c.so.3"].package == "libpiwtest-c3t64"
    assert libs["libpiwtest-b.so.2"].known_to_apt is False
    assert libs["libjpeg.so.62"].known_to_apt is False
    assert report.apt_command == \
        "sudo apt install libpiwtest-a1 libpiwtest-c3t64"
    assert str(d.status) == "missing-lib"


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SONAMES = st.sampled_from(sorted(PACKAGES) + SONAMES[:40] + [
    "libpiwtest-{}.so.{}".format(n, v) for n in "abc" for v in (0, 1)])


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(_SONAMES, min_size=1, max_size=6, unique=True),
       st.sampled_from(["bullseye", "bookworm", "trixie", "forky", None]),
       st.none() | st.dictionaries(st.text("abcdefghlpt0123456789-.+",
                                           min_size=2, max_size=20),
                                   st.booleans()),
       st.none() | st.lists(st.text("abcdefghilnpt0123456789-.+",
                                    min_size=2, max_size=20), max_size=4),
       st.booleans())
def test_no_unconfirmed_guess_is_ever_in_the_apt_command(
        sonames, codename, apt_answers, piwheels, apt_file):
    """Whatever apt, apt-file and piwheels say: every name in the command
    is a fact (piwheels' list, apt-file, the table for a checked
    release) or a guess apt here knows, and no guess it has not
    confirmed is."""
    def known(names):
        if apt_answers is None:
            return None
        return {n: apt_answers.get(n, n.endswith("1")) for n in names}

    def contents(wanted):
        return {s: ["libshipped-" + str(len(s))] for s in wanted[:1]} \
            if apt_file else None

    d, report = _checked(sonames, codename, known, contents,
                         ("d-1.0-cp311-cp311-linux_armv7l.whl",
                          tuple(piwheels)) if piwheels is not None else None)
    command = set(report.apt_install)
    facts = {lib.package for lib in d.libraries if lib.package and (
        lib.known_to_apt is True or not lib.guessed
        and lib.known_to_apt is not False)}
    assert command <= facts
    for lib in d.libraries:
        if lib.guessed and lib.known_to_apt is not True:
            # in the command only as another soname's confirmed package
            assert lib.package not in command - facts
            assert lib_state(lib).startswith(
                ("missing: probably apt package", "missing: no apt package"))
