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


def _top_dep_other():
    """top 1.0 needs dep<2; other needs nothing."""
    return MemIndex(PYPI, [
        wheels("top", PYPI, "top-1.0-py3-none-any.whl"),
        wheels("other", PYPI, "other-1.0-py3-none-any.whl"),
        wheels("dep", PYPI, "dep-1.0-py3-none-any.whl",
               "dep-2.0-py3-none-any.whl")],
        metadata={"top-1.0-py3-none-any.whl": requires("dep<2")})


def _raising(real, whose):
    """``real``, except that it raises for the package ``whose(*args)``
    names 'dep'."""
    def buggy(*args, **kwargs):
        if whose(*args) == "dep":
            raise ValueError("a bug")
        return real(*args, **kwargs)
    return buggy


@pytest.mark.parametrize("function,whose", [
    # reading its document; its metadata
    ("piwcheck.resolve.fetcher.offer", lambda project, *_: project.name),
    ("piwcheck.resolve.fetcher.read_metadata", lambda _, name, *__: name),
    # resolving it (top's dependencies name dep)
    ("piwcheck.resolve.provider.dependencies",
     lambda meta, *_: meta.requires_dist[0][:3] if meta.requires_dist
     else None),
    # describing the pick; staging its apt packages; making its result
    ("piwcheck.check.describe", lambda best, *_: best.file.filename[:3]),
    ("piwcheck.apt.Stage.for_file", lambda _, f: f.filename[:3]),
    ("piwcheck.check._hash_refusal", lambda e, *_: e.name),
], ids=["offer", "read_metadata", "dependencies", "describe", "for_file",
        "_hash_refusal"])
def test_a_bug_in_one_package_fails_only_it(monkeypatch, function, whose):
    """Wherever the work for one package meets a bug, that package is an
    error whose reason names it in one line, the others are reported,
    and on_error gets the exception."""
    from pydoc import locate

    name = function.rsplit(".", 1)[1]
    monkeypatch.setattr(function, _raising(locate(function), whose))
    errors = []
    report = check(Inputs([parse_line("top"), parse_line("other")]), pi(),
                   [_top_dep_other()], on_error=errors.append)
    got = {p.name: (p.status.value, p.reason) for p in report.packages}
    # top's own dependencies are what failed, in the resolver
    broken = "top" if name == "dependencies" else "dep"
    assert got.pop(broken) == ("error", "internal error: ValueError: a bug")
    assert got.pop("other") == ("ok", None)
    assert report.exit_code == 3
    assert [str(e) for e in errors] == ["a bug"]


def test_resolvelibs_recursion_is_an_error_of_each_root(monkeypatch):
    """Were resolvelib itself to recurse too deep, each package asked
    for is an error saying so: one line, not a traceback."""
    import resolvelib

    def too_deep(self, *args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(resolvelib.Resolver, "resolve", too_deep)
    report = check(Inputs([parse_line("top"), parse_line("other")]), pi(),
                   [_top_dep_other()])
    assert [(p.name, p.status.value, p.reason) for p in report.packages] \
        == [(n, "error", "the resolver cannot follow a dependency tree "
             "this deep") for n in ("top", "other")]
    assert report.exit_code == 3


class CoreMetadataIndex(MemIndex):
    """A MemIndex serving metadata files as bytes, read as a simple
    index reads a PEP 658 file."""

    def metadata(self, f):
        from piwcheck.metadata import parse_core

        body = self.metadata_of.get(f.filename)
        return parse_core(body, f.url + ".metadata") if body else \
            requires()


def _top_with(*lines):
    """top 1.0, whose metadata file holds ``lines``; dep, other."""
    body = "\n".join(("Metadata-Version: 2.1", "Name: top", "Version: 1.0")
                     + lines) + "\n"
    return CoreMetadataIndex(PYPI, [
        wheels("top", PYPI, "top-1.0-py3-none-any.whl"),
        wheels("dep", PYPI, "dep-1.0-py3-none-any.whl"),
        wheels("other", PYPI, "other-1.0-py3-none-any.whl")],
        metadata={"top-1.0-py3-none-any.whl": body.encode()})


def _checked(index, *requirements):
    report = check(Inputs([parse_line(r) for r in requirements]), pi(),
                   [index])
    return report, {p.name: p for p in report.packages}


def test_an_invalid_extra_in_metadata_is_a_warning():
    """Provides-Extra: a b (no extra's name) was an input error that
    ended the run (exit 2, nothing reported); it is a warning on that
    package, and its valid lines are read."""
    report, got = _checked(_top_with(
        "Provides-Extra: a b", "Provides-Extra: x",
        "Requires-Dist: dep; extra == 'x'",
        "Requires-Dist: other (>=1; extra == 'x'"), "top[x]")
    assert set(got) == {"top", "dep"} and report.exit_code == 0
    assert got["dep"].required_by == ("top",)
    warnings = got["top"].warnings
    assert "its metadata declares an invalid extra 'a b'; ignored" in warnings
    assert any(w.startswith("invalid dependency \"other (>=1; extra == 'x'\""
                            " in its metadata: ") for w in warnings)


@pytest.mark.parametrize("line", [
    "other; os_name === 'posix'",         # packaging 22-24: InvalidVersion
    "other; " + "(" * 400 + "os_name == 'x'" + ")" * 400,  # < 22: recursion
    "other; python_version ~= 'x.y'", "other\x00", "other[a b]",
    "other; extra == 'a b'", "other>=1.0.*", "other (>=1" + "0" * 100000,
], ids=["===", "nested", "~=", "nul", "extras", "extra", ".*", "long"])
def test_a_requires_dist_that_cannot_be_valid_is_a_warning(line):
    """Whatever one Requires-Dist line holds, it is read or said to be
    ignored, on that package only: the other lines still count."""
    report, got = _checked(_top_with("Requires-Dist: dep",
                                     "Requires-Dist: " + line), "top")
    assert got["top"].status.value == "ok" and "dep" in got
    assert report.exit_code == 0
    assert all(len(w) < 1000 for w in got["top"].warnings)


@pytest.mark.parametrize("lines,why", [
    (("Summary: " + "x" * 16000000,),
     "metadata of 16,000,055 bytes is over the 16 MB piwcheck reads"),
    (("Requires-Dist: dep",) * 5001,
     "metadata of 5,001 dependencies is over the 5,000 piwcheck reads"),
], ids=["bytes", "dependencies"])
def test_metadata_over_its_bounds_is_not_read(lines, why):
    """A metadata file over 16 MB, or of over 5,000 dependencies, is not
    parsed: that package is an error saying so (its dependencies are
    unknown), and the run goes on."""
    report, got = _checked(_top_with(*lines), "top", "other")
    assert got["top"].status.value == "error" and got["other"].status \
        .value == "ok" and "dep" not in got and report.exit_code == 3
    assert got["top"].reason == (
        "its dependencies could not be read: {}/top/top-1.0-py3-none-any"
        ".whl.metadata: {}".format(PYPI, why))


def test_a_requires_python_that_is_no_specifier_is_ignored():
    report, got = _checked(_top_with("Requires-Python: >=3.x.y",
                                     "Requires-Dist: dep"), "top")
    assert got["top"].status.value == "ok" and "dep" in got
    assert report.exit_code == 0
