# SPDX-License-Identifier: BSD-3-Clause
"""check, resolve and select through in-memory indexes (tests/memindex.py):
the Index interface is all they need, no HTTP."""

import pytest

from helpers import load, load_pypi, pi
from memindex import MemIndex, requires, wheels
from piwcheck.check import CheckOptions, check
from piwcheck.errors import FetchError
from piwcheck.inputs import Inputs, parse_line

PYPI = "https://pypi.org/simple"
PIWHEELS = "https://www.piwheels.org/simple"


def raspberry_pi_os(*names):
    """PyPI, then piwheels (with apt data), holding ``names`` from the
    stored test documents."""
    return [MemIndex(PYPI, [load_pypi(n) for n in names], label="PyPI"),
            MemIndex(PIWHEELS, [load(n) for n in names], has_apt_data=True,
                     label="piwheels")]


def test_check_takes_piwheels_wheel_and_its_apt_packages():
    indexes = raspberry_pi_os("numpy")
    report = check(Inputs([parse_line("numpy")]), pi(), indexes,
                   CheckOptions(workers=2))
    (numpy,) = report.packages
    assert numpy.version == "2.1.3"
    assert numpy.file.filename == "numpy-2.1.3-cp311-cp311-linux_armv7l.whl"
    assert numpy.file.index == PIWHEELS
    assert report.apt_install == ("libgfortran5", "libopenblas0-pthread")
    assert [ix.asked for ix in indexes] == [["numpy"], ["numpy"]]
    assert report.notes == tuple(pi().notes())  # piwheels is there


def test_an_index_without_apt_data_says_so():
    report = check(Inputs([parse_line("numpy")]), pi(),
                   [MemIndex(PYPI, [load_pypi("numpy")])])
    assert "this pip does not use piwheels: no apt packages are known " \
        "for its wheels" in report.notes
    assert report.apt_install == ()


def test_dependencies_come_from_the_index_metadata():
    """top 1.0 needs dep<2: the resolver takes dep 1.0, not the newest,
    from the metadata the index serves for top's wheel."""
    index = MemIndex(PYPI, [
        wheels("top", PYPI, "top-1.0-py3-none-any.whl"),
        wheels("dep", PYPI, "dep-1.0-py3-none-any.whl",
               "dep-2.0-py3-none-any.whl")],
        metadata={"top-1.0-py3-none-any.whl": requires("dep<2")})
    report = check(Inputs([parse_line("top")]), pi(), [index])
    got = {p.name: (p.version, p.required_by) for p in report.packages}
    assert got == {"top": ("1.0", ()), "dep": ("1.0", ("top",))}
    assert sorted(index.asked) == ["dep", "top"]


def test_a_project_no_index_has_is_not_found():
    report = check(Inputs([parse_line("nothing-here")]), pi(),
                   raspberry_pi_os("numpy"))
    (p,) = report.packages
    assert p.status.value == "not-found" and p.version is None


def test_ctrl_c_stops_every_index():
    indexes = raspberry_pi_os("numpy")

    def interrupted(done, known):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        check(Inputs([parse_line("numpy")]), pi(), indexes, progress=interrupted)
    assert all(ix.aborted for ix in indexes)


class DownIndex(MemIndex):
    """An index every fetch of which fails."""

    def fetch(self, name, unless=None):
        raise FetchError("down")


def test_a_failing_index_is_handed_to_on_error_once():
    """check(on_error=...) gets the exception of each failed fetch, once
    however often the check asks for the project; the report says it."""
    errors = []
    indexes = [DownIndex("https://down.example/simple"),
               MemIndex(PYPI, [load_pypi("numpy")], label="PyPI")]
    report = check(Inputs([parse_line("numpy")]), pi(), indexes,
                   on_error=errors.append)
    (exc,) = errors
    assert isinstance(exc, FetchError) and exc.__traceback__ is not None
    (numpy,) = report.packages
    assert numpy.reason == "https://down.example/simple: down"
