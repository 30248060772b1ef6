# SPDX-License-Identifier: BSD-3-Clause
"""Real index data has files pip cannot read (pydantic's
``pydantic-0.18-py36+-none-any.whl`` on PyPI): each bad kind of file
name, version and Requires-Python is skipped per file, never an
exception, on every packaging version (bullseye's 20.9, bookworm's 23.0,
the newest, whose parse_tag raises InvalidTag), and ``-v`` says so; real
pip judges the same pages."""

import hashlib
import json

import pytest
from packaging.specifiers import SpecifierSet

from corpusindex import CorpusServer
from helpers import pi, run, run_json
from piwcheck.indexes.simple import SimpleIndex
from piwcheck.names import skip_reason
from piwcheck.select import choose, offer
from piwcheck.specs import python_ok
from test_pip_judge import JUDGE

#: (kind, wheel file name of project "demo", pip's reason for skipping).
#: piwcheck's own bounds (a version's length, a tag set's size), which
#: pip has not, are test_limits.py's.
BAD_WHEELS = [
    ("interpreter not an identifier", "demo-2.0-py36+-none-any.whl",
     "invalid wheel filename"),
    ("empty ABI", "demo-2.0-py3--any.whl", "invalid wheel filename"),
    ("empty platform", "demo-2.0-py3-none-.whl", "invalid wheel filename"),
    ("empty tag in a set", "demo-2.0-py3.-none-any.whl",
     "invalid wheel filename"),
    ("trailing dot", "demo-2.0-py3-none-any..whl", "invalid wheel filename"),
    ("four parts", "demo-2.0-py3-none.whl", "invalid wheel filename"),
    ("seven parts", "demo-2.0-3-py3-py3-none-any.whl",
     "invalid wheel filename"),
    ("build tag not a number", "demo-2.0-x1-py3-none-any.whl",
     "invalid wheel filename"),
    ("invalid version", "demo-2.0.0x-py3-none-any.whl",
     "invalid wheel filename"),
    ("empty version", "demo--py3-none-any.whl", "invalid wheel filename"),
    ("another project", "other-3.0-py3-none-any.whl", "wrong project name"),
]

#: (kind, sdist file name, reason)
BAD_SDISTS = [
    ("invalid version", "demo-dev.tar.gz", "invalid version"),
    ("legacy version", "demo-2.0.0x.zip", "invalid version"),
    ("no version", "demo.tar.gz", "wrong project name"),
    ("another project", "other-3.0.tar.gz", "wrong project name"),
    ("not an archive", "demo-2.0.exe", "not a wheel or an sdist"),
    ("a control character", "demo-2.0\x1b.tar.gz", "not a file name"),
]

#: Requires-Python that pip (packaging >= 22) finds invalid, so ignores.
BAD_REQUIRES_PYTHON = [">=3.6.*", ">=3.x", "3", "~=3", "<3.11.*",
                       ">3.12.*", "==3.11.2x", ">=3.6;"]

GOOD = "demo-1.0-py3-none-any.whl"


def _page(filenames, requires_python=None):
    return {"meta": {"api-version": "1.1"}, "name": "demo", "files": [
        {"filename": fn, "url": fn, "hashes": {"sha256": "0" * 64},
         "requires-python": requires_python if fn != GOOD else None}
        for fn in filenames]}


def _html(filenames):
    return "".join('<a href="{0}">{0}</a>'.format(fn) for fn in filenames)


def _project(filenames, kind, requires_python=None):
    index = SimpleIndex("https://example.org/simple")
    url = "https://example.org/simple/demo/"
    if kind == "json":
        body = json.dumps(_page(filenames, requires_python)).encode()
        ctype = "application/vnd.pypi.simple.v1+json"
    else:
        body = _html(filenames).encode()
        ctype = "text/html"
    return index.parse(body, ctype, "demo", url)


def _chosen(project, pre=False):
    sel = choose([offer(project, pi(platform="linux_x86_64"))],
                 SpecifierSet(), pi(platform="linux_x86_64"), "demo", pre)
    return sel.file.filename if sel.file else None


@pytest.mark.parametrize("page", ["json", "html"])
@pytest.mark.parametrize("kind,filename,why", BAD_WHEELS + BAD_SDISTS,
                         ids=[k for k, _, _ in BAD_WHEELS + BAD_SDISTS])
def test_a_bad_file_is_skipped_and_said(page, kind, filename, why):
    if page == "html" and "\x1b" in filename:
        pytest.skip("not a link an HTML page can carry")
    assert skip_reason(filename, "demo") == why
    project = _project([GOOD, filename], page)
    assert [f.filename for r in project.releases for f in r.files] == [GOOD]
    assert project.skipped == ((why, 1, filename[:120]),)
    assert _chosen(project) == GOOD
    assert _chosen(project, pre=True) == GOOD


def test_good_files_have_no_reason():
    for fn in (GOOD, "demo-2.0.tar.gz", "Demo_Foo-1.0.zip", "demo-1.0+local"
               "-1-cp311-cp311-linux_x86_64.whl", "demo-v2.0-py3-none-any"
               ".whl"):
        project = "demo-foo" if fn.startswith("Demo_Foo") else "demo"
        assert skip_reason(fn, project) is None, fn


@pytest.mark.parametrize("requires_python", BAD_REQUIRES_PYTHON)
def test_an_invalid_requires_python_is_ignored(requires_python):
    # as pip ignores it (and says so with -v): the file stays
    assert python_ok(requires_python, "3.11.2")
    project = _project([GOOD, "demo-2.0-py3-none-any.whl"], "json",
                       requires_python)
    assert _chosen(project) == "demo-2.0-py3-none-any.whl"


def _corpus(tmp_path, projects):
    """A corpus root of ``projects`` ({name: [(filename, requires
    python)]}) with metadata for every wheel."""
    (tmp_path / "simple").mkdir(parents=True)
    (tmp_path / "metadata").mkdir()
    for name, files in projects.items():
        page = {"meta": {"api-version": "1.1"}, "name": name, "files": []}
        for fn, rp in files:
            page["files"].append({
                "filename": fn, "url": fn, "requires-python": rp,
                "hashes": {"sha256": hashlib.sha256(
                    fn.encode()).hexdigest()}, "size": 1, "yanked": False})
            version = fn.split("-")[1] if fn.count("-") > 1 else "0"
            (tmp_path / "metadata" / (fn + ".metadata")).write_text(
                "Metadata-Version: 2.1\nName: {}\nVersion: {}\n\n".format(
                    name, version))
        (tmp_path / "simple" / (name + ".json")).write_text(
            json.dumps(page))
    return tmp_path


def _bad_projects():
    projects = {}
    for i, (_, fn, _) in enumerate(BAD_WHEELS):
        name = "bad{}".format(i)
        projects[name] = [(GOOD.replace("demo", name), None),
                          (fn.replace("demo", name), None)]
    for i, rp in enumerate(BAD_REQUIRES_PYTHON):
        name = "rp{}".format(i)
        projects[name] = [(GOOD.replace("demo", name), None),
                          ("{}-2.0-py3-none-any.whl".format(name), rp)]
    return projects


def test_the_verbose_report_says_what_was_skipped(tmp_path, capsys, server):
    with CorpusServer(str(_corpus(tmp_path, _bad_projects()))) as index:
        code, out, err = run(capsys, "-v", "--no-deps", "--isolated",
                             "--piwheels-url", server.url, "--index-url",
                             index.index, "--pi", "bookworm-64", "bad0")
    assert code == 0, err
    assert "skipped: {}: 1 file pip skips too: invalid wheel filename " \
        "(bad0-2.0-py36+-none-any.whl)".format(index.index) in out


@pytest.mark.skipif(JUDGE is None, reason="no judge pip")
def test_pip_skips_what_piwcheck_skips(tmp_path, capsys, server):
    from test_corpus_judge import _pip

    projects = _bad_projects()
    root = _corpus(tmp_path / "corpus", projects)
    with CorpusServer(str(root)) as index:
        pip, error = _pip(tmp_path, "bookworm-64", index.index,
                          sorted(projects), ["--no-deps"])
        code, doc, err = run_json(
            capsys, "--no-deps", "--isolated", "--no-cache",
            "--only-binary", ":all:", "--piwheels-url", server.url,
            "--index-url", index.index, "--pi", "bookworm-64",
            *sorted(projects))
    assert pip is not None, error
    ours = {p["name"]: p["file"]["filename"] for p in doc["packages"]}
    assert ours == pip


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

#: Pieces real names are made of, and what breaks them.
_PIECES = st.sampled_from(["demo", "Demo", "other", "1.0", "2.0.0x", "v2",
                           "1!2.0", "dev", "", "py3", "py36+", "cp311",
                           "abi3", "none", "any", "linux_x86_64", "x1", "3",
                           ".", "py3.", "_", "+", "*", "\u0661", "\x00"])


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=7),
       st.sampled_from([".whl", ".tar.gz", ".zip", ".exe", ""]),
       st.sampled_from(["json", "html"]))
def test_any_name_is_read_or_skipped_with_a_reason(pieces, ending, page):
    # on every packaging version: no exception; a file is either read
    # or skipped with pip's reason, never both, never neither
    filename = "-".join(pieces) + ending
    if not filename or page == "html" and "\x00" in filename:
        return
    project = _project([GOOD, filename], page)
    read = [f.filename for r in project.releases for f in r.files]
    why = skip_reason(filename, "demo")
    if filename != GOOD:
        assert (filename in read) == (why is None)
        assert sum(n for _, n, _ in project.skipped) == (why is not None)
    _chosen(project, pre=True)
