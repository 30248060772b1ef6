# SPDX-License-Identifier: BSD-3-Clause
"""--find-links and --no-index: a wheelhouse folder of real wheel files
made here, a page of links on a real local HTTP server, find-links from a
pip.conf, mixed with the PyPI fake; real pip is the judge of the file
taken.  And hostile folders and pages: one line, never a traceback."""

import functools
import hashlib
import json
import os
import subprocess
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distfiles import metadata, sdist, wheel
from helpers import pkgs, run, run_json
from piwcheck.errors import DataError
from piwcheck.indexes import linkpage, local
from piwcheck.target import pi_platforms
from test_pip_judge import JUDGE, WHY

BOOKWORM_32 = ("cp311", "3.11.2", pi_platforms("bookworm", "armv7l"))
needs_judge = pytest.mark.skipif(JUDGE is None, reason=WHY or "")

#: name -> Requires-Dist of the wheelhouse's files
HOUSE = {
    "alpha-1.0-py3-none-any.whl": [],
    "alpha-2.0-cp311-cp311-linux_armv7l.whl": [],
    "alpha-2.0-1-cp311-cp311-linux_armv7l.whl": [],
    "alpha-2.0-cp311-cp311-manylinux2014_armv7l.whl": [],
    "alpha-2.5-cp311-cp311-linux_x86_64.whl": [],   # another platform
    "alpha-3.0.tar.gz": [],                         # newest: an sdist
    "beta-1.0-py3-none-any.whl": ["gamma>=1", "pycparser"],
    "gamma-1.0-py3-none-any.whl": [],
    "gamma-2.0-py3-none-any.whl": [],
    "gamma-3.0-py3-none-any.whl": [],   # Requires-Python >=3.12: not
    "pycparser-2.22-py3-none-any.whl": [],  # PyPI's name: PyPI's wins
    "pycparser-2.21-py3-none-any.whl": [],  # only here
    "cffi-1.17.1-cp311-cp311-linux_armv7l.whl": ["pycparser"],
}
#: Names pip skips in a folder, whatever they hold.
SKIPPED = ["alpha-4.0.tar.bz2",               # not .tar.gz/.zip
           "alpha__x-5.0-py3-none-any.whl",   # '__' in the name
           "alpha-6.0-py3-none-any.whl.part", "README.txt",
           "alpha-7.0-x-py3-none-any.whl"]    # build tag not a digit


def _make(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for fn, deps in names.items():
        name, version = fn.split("-")[:2]
        if fn.endswith(".tar.gz"):
            version = fn[:-7].rsplit("-", 1)[1]
        meta = metadata(name, version, ">=3.12" if fn.startswith(
            "gamma-3.0") else None, deps)
        (folder / fn).write_bytes(wheel(fn, meta) if fn.endswith(".whl")
                                  else sdist(fn, meta))
    return folder


@pytest.fixture
def house(tmp_path):
    folder = _make(tmp_path / "wheels", HOUSE)
    for fn in SKIPPED:
        (folder / fn).write_bytes(wheel("alpha-9.0-py3-none-any.whl",
                                        metadata("alpha", "9.0")))
    # a subfolder is not read (pip's scan is not recursive)
    _make(folder / "sub", {"alpha-8.0-py3-none-any.whl": []})
    return folder


def _target_args(target):
    abi, version, platforms = target
    return ["--python-version", version, "--abi", abi] + [
        a for p in platforms for a in ("--platform", p)]


def _pip(tmp_path, args, env=None):
    """pip install --dry-run --report: {name: (filename, scheme)}, or
    None and its error."""
    python, _ = JUDGE
    report = tmp_path / "report.json"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    clean["PIP_CONFIG_FILE"] = os.devnull
    clean.update(env or {})
    proc = subprocess.run(
        [python, "-m", "pip", "install", "--dry-run", "--report",
         str(report), "--ignore-installed", "--no-cache-dir",
         "--disable-pip-version-check", "--no-build-isolation", "-q"] +
        args, capture_output=True, text=True, env=clean, timeout=300)
    if proc.returncode != 0:
        return None, proc.stderr
    with open(report) as f:
        doc = json.load(f)
    return {i["metadata"]["name"].lower(): _where(
        i["download_info"]["url"]) for i in doc["install"]}, None


def _where(url):
    parts = urlsplit(url)
    return parts.path.rsplit("/", 1)[-1], parts.scheme


def _ours(capsys, args):
    code, doc, err = run_json(capsys, "--no-cache", *args)
    return {p["name"]: _where(p["file"]["url"]) for p in doc["packages"]
            if p["file"]}, doc, err


#: (requirement, options for both): judged against the wheelhouse alone
ALONE = [
    ("alpha", ["--no-deps"]),                    # the newest: the sdist
    ("alpha<3", ["--no-deps"]),                  # the build-tagged wheel
    ("alpha", ["--no-deps", "--prefer-binary"]),
    ("alpha", ["--no-deps", "--only-binary", ":all:"]),
    ("alpha<2", ["--no-deps"]),
    ("beta", ["--only-binary", ":all:"]),        # with its dependencies
    ("gamma", ["--no-deps"]),                    # Requires-Python read
]


@needs_judge
@pytest.mark.parametrize("requirement,extra", ALONE)
def test_a_wheelhouse_alone_gives_what_pip_takes(tmp_path, capsys, house,
                                                 requirement, extra):
    both = ["--no-index", "--find-links", str(house)] + \
        _target_args(BOOKWORM_32) + extra + [requirement]
    pip, error = _pip(tmp_path, both)
    ours, doc, _ = _ours(capsys, both)
    assert pip is not None, error
    assert ours == pip
    assert all(scheme == "file" for _, scheme in ours.values())


@needs_judge
@pytest.mark.parametrize("requirement", ["pycparser", "pycparser<2.22",
                                         "beta", "cffi"])
def test_a_wheelhouse_beside_an_index_as_pip_merges_them(
        tmp_path, capsys, house, pypi, requirement):
    both = ["--index-url", pypi.index, "--find-links", str(house),
            "--only-binary", ":all:"] + _target_args(BOOKWORM_32) + \
        [requirement]
    pip, error = _pip(tmp_path, both)
    ours, doc, _ = _ours(capsys, ["--isolated"] + both)
    assert pip is not None, error
    assert ours == pip
    if requirement == "pycparser":  # the same name: the index's wins
        assert ours["pycparser"][1] == "http"


def test_a_wheelhouse_entry_pip_skips_is_noted_with_v(capsys, house):
    code, out, err = run(capsys, "--no-cache", "-v", "--no-index",
                         "--find-links", str(house), "--no-deps",
                         *_target_args(BOOKWORM_32), "alpha>=4")
    assert code == 1 and "no-match" in out or "no release" in out
    note = [line for line in err.splitlines() if "skipped" in line]
    # the five names, and the subfolder (pip's scan counts it too)
    assert len(note) == 1 and "6 entries skipped" in note[0], err
    assert "README.txt" in note[0] and note[0].endswith(" ...")
    code, out, err = run(capsys, "--no-cache", "--no-index",
                         "--find-links", str(house), "--no-deps",
                         *_target_args(BOOKWORM_32), "alpha")
    assert "skipped" not in err


def test_dependencies_come_from_the_local_wheels_metadata(capsys, house):
    code, doc, err = run_json(capsys, "--no-cache", "--no-index",
                              "--find-links", str(house), "--only-binary",
                              ":all:", *_target_args(BOOKWORM_32), "beta")
    found = pkgs(doc)
    assert sorted(found) == ["beta", "gamma", "pycparser"]
    assert found["gamma"]["version"] == "2.0"
    assert found["gamma"]["required_by"] == ["beta"]
    assert doc["indexes"] == [{"name": "find-links", "url": str(house)}]


# -- a page of links on a real HTTP server


@pytest.fixture
def page_server(tmp_path):
    root = tmp_path / "site"
    _make(root / "files", {"delta-1.0-py3-none-any.whl": [],
                           "delta-1.5-py3-none-any.whl": [],
                           "delta-2.0-py3-none-any.whl": [],
                           "delta-1.2-py3-none-any.whl": []})
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = "http://127.0.0.1:{}".format(httpd.server_address[1])
    (root / "links").mkdir()
    (root / "links" / "index.html").write_text(
        '<html><head><base href="{0}/files/"></head><body>\n'
        '<a href="delta-1.0-py3-none-any.whl">1.0</a>\n'
        '<a href="delta-2.0-py3-none-any.whl" '
        'data-requires-python="&gt;=3.12">2.0</a>\n'
        '<a href="delta-1.5-py3-none-any.whl" data-yanked="">1.5</a>\n'
        '<a href="{0}/files/delta-1.2-py3-none-any.whl#sha256={1}">'
        '1.2</a><a href="{0}/files/delta-0.8-py3-none-any.whl#sha256=bad">'
        '0.8</a>\n'
        '<a>no href</a><a href="">empty</a><a href="javascript:x()">j</a>\n'
        '<a href="delta-1.7-py3-none-any.whl.metadata">m</a>\n'
        '<a href="/files/delta-0.5-py3-none-any.whl">unclosed</a\n'
        '</body></html>\n'.format(url, hashlib.sha256(
            (root / "files" / "delta-1.2-py3-none-any.whl").read_bytes())
            .hexdigest()))
    yield url, root
    httpd.shutdown()
    httpd.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@needs_judge
@pytest.mark.parametrize("requirement", ["delta", "delta<1.2",
                                         "delta==1.5"])
def test_a_page_of_links_gives_what_pip_takes(tmp_path, capsys,
                                              page_server, requirement):
    url, _ = page_server
    both = ["--no-index", "--find-links", url + "/links/", "--no-deps"] + \
        _target_args(BOOKWORM_32) + [requirement]
    pip, error = _pip(tmp_path, both)
    ours, doc, err = _ours(capsys, both)
    assert pip is not None, error
    assert ours == pip, err
    if requirement == "delta":  # the sha256 in the link's fragment
        assert pkgs(doc)["delta"]["file"]["sha256"] is not None


# -- pip's configuration


@needs_judge
def test_find_links_from_pip_conf(tmp_path, capsys, monkeypatch, house):
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nno-index = true\n\n[install]\n"
                    "find-links =\n    {}\n    /nonexistent/wheels\n"
                    .format(house))
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    pip, error = _pip(tmp_path, ["gamma<2", "alpha==1.0"],
                      {"PIP_CONFIG_FILE": str(conf)})
    code, doc, err = run_json(capsys, "--no-cache", "gamma<2", "alpha==1.0")
    assert pip is not None, error
    assert {p["name"]: _where(p["file"]["url"])
            for p in doc["packages"]} == pip
    assert "find-links /nonexistent/wheels is ignored" in err
    assert len(err.strip().splitlines()) == 1
    # PIP_FIND_LINKS replaces the files' list, as in pip
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nothing"))
    code, out, err = run(capsys, "--no-cache", "gamma")
    assert code == 1 and "gamma: not found on any index" in out
    assert "find-links has no file of gamma" in out
    assert err.strip() == "piwcheck: warning: find-links {} is ignored: " \
        "it is neither an existing path nor a URL".format(tmp_path /
                                                          "nothing")


def test_no_index_without_find_links_is_an_error(capsys):
    code, out, err = run(capsys, "--no-cache", "--no-index", "numpy")
    assert code == 2 and out == ""
    assert err.strip() == "piwcheck: error: no index to check: --no-index, "\
        "and no --find-links (pip would find nothing)"


def test_no_index_asks_no_index_nor_piwheels(capsys, server, pypi, house):
    code, doc, err = run_json(
        capsys, "--no-cache", "--pi", "bookworm-32", "--piwheels-url",
        server.url, "--index-url", pypi.index, "--no-index",
        "--find-links", str(house), "--no-deps", "pycparser")
    assert doc["indexes"] == [{"name": "find-links", "url": str(house)}]
    assert server.count() == 0 and pypi.count() == 0
    assert pkgs(doc)["pycparser"]["file"]["url"].startswith("file:")


# -- --isolated for a described target


def test_isolated_described_target_asks_only_the_index_given(capsys, server,
                                                              pypi):
    code, doc, _ = run_json(
        capsys, "--no-cache", "--pi", "bookworm-32", "--isolated",
        "--piwheels-url", server.url, "--index-url", pypi.index,
        "--no-deps", "numpy")
    assert [i["url"] for i in doc["indexes"]] == [pypi.index]
    assert server.count() == 0
    # without --isolated, Raspberry Pi OS's configuration: piwheels too
    code, doc, _ = run_json(
        capsys, "--no-cache", "--pi", "bookworm-32", "--piwheels-url",
        server.url, "--index-url", pypi.index, "--no-deps", "numpy")
    assert [i["name"] for i in doc["indexes"]] == [pypi.index, "piwheels"]


# -- hostile folders and pages


def test_a_folder_of_100k_entries_is_read_within_bounds(tmp_path, capsys):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(100000):
        (folder / "junk-{}-x.txt".format(i)).touch()
    _make(folder, {"gamma-1.0-py3-none-any.whl": []})
    start = time.monotonic()
    code, doc, err = run_json(capsys, "--no-cache", "--no-index",
                              "--find-links", str(folder), "--no-deps",
                              "gamma")
    assert code == 0 and pkgs(doc)["gamma"]["version"] == "1.0"
    assert time.monotonic() - start < 30


def test_a_folder_over_the_cap_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(local, "MAX_ENTRIES", 10)
    for i in range(11):
        (tmp_path / "f{}".format(i)).touch()
    code, out, err = run(capsys, "--no-cache", "--no-index",
                         "--find-links", str(tmp_path), "gamma")
    assert code == 2 and err.count("\n") == 1
    assert "more than 10 entries" in err


def test_fifos_devices_and_odd_files_are_never_opened(tmp_path, capsys):
    folder = _make(tmp_path / "odd", {"gamma-1.0-py3-none-any.whl": []})
    os.mkfifo(str(folder / "index.html"))          # a page that is a FIFO
    os.mkfifo(str(folder / "gamma-3.0.tar.gz"))    # an sdist that is one
    os.symlink("/dev/zero", str(folder / "gamma-2.0-py3-none-any.whl"))
    (folder / "bad.html").write_bytes(b"\xff\xfe<a href=x>")  # not UTF-8
    os.mkfifo(str(tmp_path / "fifo"))
    start = time.monotonic()
    code, doc, err = run_json(
        capsys, "--no-cache", "--no-index", "--find-links", str(folder),
        "--find-links", str(tmp_path / "fifo"), "--find-links",
        "/dev/zero", "--find-links", "ftp://example.org/x", "--only-binary",
        ":all:", "gamma")
    assert time.monotonic() - start < 20
    gamma = pkgs(doc)["gamma"]
    # pip takes gamma 2.0 by its name too, and fails to read it
    # (its dependencies unread: that package's error, exit 3)
    assert gamma["version"] == "2.0" and gamma["status"] == "error"
    assert "not a regular file" in gamma["reason"], gamma
    lines = err.strip().splitlines()
    assert all(line.startswith("piwcheck: warning: ") for line in
               lines[:-1]), err
    assert lines[-1].startswith("piwcheck: gamma: its dependencies could "
                                "not be read: "), err
    assert sum("index.html is skipped" in line for line in lines) == 1
    assert sum("bad.html is skipped" in line for line in lines) == 1
    assert sum("neither a file nor a directory" in line
               for line in lines) == 2
    assert sum("only http(s) and file:" in line for line in lines) == 1


def test_a_huge_local_page_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(local, "MAX_PAGE", 1000)
    page = tmp_path / "links.html"
    page.write_text("<a href='gamma-1.0-py3-none-any.whl'>x</a>" * 100)
    code, out, err = run(capsys, "--no-cache", "--no-index",
                         "--find-links", str(page), "gamma")
    assert "links.html is skipped: cannot read it: larger than 0.001 MB" \
        in err
    assert err.count("\n") == 1 and code == 1


def test_a_local_wheel_that_is_no_zip_is_that_packages_error(tmp_path,
                                                             capsys):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "gamma-1.0-py3-none-any.whl").write_bytes(b"PK\x05\x06" +
                                                        b"\xff" * 18)
    code, doc, err = run_json(capsys, "--no-cache", "--no-index",
                              "--find-links", str(folder), "gamma")
    # its dependencies could not be read: an error, as from any index
    gamma = pkgs(doc)["gamma"]
    assert code == 3 and gamma["status"] == "error", gamma
    # read as a remote wheel is (zipdir), the same words for the cause
    assert gamma["reason"] == "its dependencies could not be read: " \
        "gamma-1.0-py3-none-any.whl: a zip64 zip without its locator", gamma


_TEXT = st.lists(st.sampled_from(
    list("<>a href=\"'/#&;:.-_x0123456789 \n") + [
        "<a ", "</a>", "<base ", "href=", "data-yanked", "sha256=", "&#",
        "\x00", "\u00e9", "http://", "file:", "gamma-1.0-py3-none-any.whl",
        "a" * 64]), max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_any_page_is_links_or_one_data_error(text):
    try:
        rows = linkpage.page_rows(text.encode("utf-8"), "text/html",
                                   "http://h/p/", False)
    except DataError as exc:
        assert "\n" not in str(exc)
        return
    for row in rows:
        assert row["url"].startswith(("http://", "https://"))
        assert row["sha256"] is None or len(row["sha256"]) == 64
