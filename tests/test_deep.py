# SPDX-License-Identifier: BSD-3-Clause
"""--deep when the download fails or is slow, when a --piwheels-url
mirror lists piwheels.org's file URLs, and for pure-Python wheels: real
servers on 127.0.0.1, nothing compiled (the wheels hold no code)."""

import hashlib
import io
import json
import socket
import time
import zipfile

import pytest

from helpers import PI, native_timing, run, run_json
from hostile import answer

PEP691 = "application/vnd.pypi.simple.v1+json"


def wheel(name, version="1.0"):
    """A wheel's bytes: its METADATA only, no compiled file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("{}-{}.dist-info/METADATA".format(name, version),
                   "Metadata-Version: 2.1\nName: {}\nVersion: {}\n".format(
                       name, version))
    return buf.getvalue()


def armv7(name):
    return "{}-1.0-py3-none-linux_armv7l.whl".format(name)


def only(pypi):
    """Options for ``pypi`` alone: a Pi target would add piwheels (its
    site here answers 404 for every project)."""
    return ("--piwheels-url", pypi.url + "/nopiw", "--index-url",
            pypi.index)


def simple_page(pypi, name, url, sha256="ab" * 32, filename=None):
    """``pypi`` answers project ``name`` with a PEP 691 page whose one
    file is at ``url``."""
    row = {"filename": filename or armv7(name), "url": url,
           "hashes": {"sha256": sha256}}
    pypi.faults[name] = answer(json.dumps({
        "meta": {"api-version": "1.0"}, "name": name,
        "files": [row]}).encode(), PEP691)


def piwheels_doc(server, name, data, file_url, platform="linux_armv7l"):
    """``server`` (a PiwheelsServer) lists one wheel of ``name`` at
    ``file_url`` and serves ``data`` at its own /simple/ path for it."""
    fn = "{}-1.0-py3-none-{}.whl".format(name, platform)
    server.add(name, {"package": name, "releases": {"1.0": {
        "released": "2024-01-01 00:00:00", "prerelease": False,
        "yanked": False, "skip_reason": "", "files": {fn: {
            "file_url": file_url.format(fn=fn),
            "filehash": hashlib.sha256(data).hexdigest(),
            "filesize": len(data), "builder_abi": "cp311",
            "file_abi_tag": "none", "platform": platform,
            "requires_python": None, "apt_dependencies": ["libc6"],
            "pip_dependencies": []}}}}})
    server.files.entries[name][0]["data"] = data
    return fn


def test_a_wheel_that_cannot_be_downloaded_is_exit_3(pypi, capsys):
    """The chosen wheel 404s: the package keeps its status, with a
    warning, and the run exits 3 (the answer is not confirmed)."""
    simple_page(pypi, "deepgone", pypi.url + "/gone/" + armv7("deepgone"))
    code, doc, _ = run_json(capsys, "--deep", "--no-cache", "--no-deps",
                            *PI, *only(pypi), "deepgone",
                            "annotated-types")
    pkgs = {p["name"]: p for p in doc["packages"]}
    gone = pkgs["deepgone"]
    assert gone["status"] == "ok" and gone["deep"] is None
    assert any(w.startswith("--deep: ") and "404" in w
               for w in gone["warnings"])
    assert pkgs["annotated-types"]["status"] == "ok"
    assert code == 3 and doc["exit_code"] == 3
    code, out, _ = run(capsys, "--deep", "--no-cache", "--no-deps", *PI,
                       *only(pypi), "deepgone")
    assert code == 3 and "  warning: --deep: " in out


@native_timing
def test_a_download_that_never_answers_follows_timeout(pypi, capsys):
    """A server that takes the connection and never answers: the
    download gives up within --timeout's budget (three times it), as a
    document does, not after minutes."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)
    try:
        url = "http://127.0.0.1:{}/{}".format(hole.getsockname()[1],
                                              armv7("deephole"))
        simple_page(pypi, "deephole", url)
        start = time.monotonic()
        code, doc, _ = run_json(capsys, "--deep", "--no-cache",
                                "--no-deps", "--timeout", "1", *PI,
                                *only(pypi), "deephole")
        took = time.monotonic() - start
    finally:
        hole.close()
    pkg = doc["packages"][0]
    assert any("no answer within 1 s" in w for w in pkg["warnings"])
    assert code == 3 and took < 5.5, took


def test_a_mirror_is_not_bypassed_by_the_urls_it_copied(fresh_server, pypi,
                                                        capsys):
    """--piwheels-url names a mirror whose JSON still gives another
    site's file_url: --deep downloads from the mirror, as pip would
    from the mirror's own simple page."""
    data = wheel("deepmirror")
    fn = piwheels_doc(fresh_server, "deepmirror", data,
                      pypi.url + "/simple/deepmirror/{fn}")
    code, doc, _ = run_json(capsys, "--deep", "--no-cache", "--no-deps",
                            *PI, "--piwheels-url", fresh_server.url,
                            "--index-url", fresh_server.index, "deepmirror")
    pkg = doc["packages"][0]
    assert pkg["deep"] is not None and pkg["status"] == "ok", pkg
    assert "/simple/deepmirror/" + fn in [p for _, p in
                                          fresh_server.arrivals]
    assert not [p for _, p in pypi.arrivals if p.endswith(".whl")]
    assert code == 0


def test_a_pure_python_wheel_is_said_to_need_no_reading(fresh_server,
                                                        capsys):
    data = wheel("deeppure")
    piwheels_doc(fresh_server, "deeppure", data,
                 fresh_server.url + "/simple/deeppure/{fn}", "any")
    args = ("--deep", "--no-cache", "--no-deps", *PI, "--piwheels-url",
            fresh_server.url, "--index-url", fresh_server.index, "deeppure")
    code, doc, _ = run_json(capsys, *args)
    assert doc["packages"][0]["deep"] is None and code == 0
    assert "--deep read no pure-Python wheel (platform any: no compiled " \
        "files, nothing to load): deeppure" in doc["target"]["notes"]
    code, out, _ = run(capsys, *args)
    assert "note: --deep read no pure-Python wheel" in out
    assert not [p for _, p in fresh_server.arrivals if p.endswith(".whl")]
    code, doc, _ = run_json(capsys, *args[1:])  # without --deep: no note
    assert not [n for n in doc["target"]["notes"] if "--deep" in n]


@pytest.mark.parametrize("site,given,wanted", [
    ("https://www.piwheels.org",
     "https://archive1.piwheels.org/simple/a/a.whl",
     "https://archive1.piwheels.org/simple/a/a.whl"),
    ("https://www.piwheels.org", "https://evil.example/simple/a/a.whl",
     "https://www.piwheels.org/simple/a/a.whl"),
    ("http://mirror.lan:8080/piw",
     "https://archive1.piwheels.org/simple/a/a.whl",
     "http://mirror.lan:8080/piw/simple/a/a.whl"),
    ("http://mirror.lan:8080", "http://mirror.lan:8080/x/a.whl",
     "http://mirror.lan:8080/x/a.whl"),
])
def test_the_file_url_downloaded(site, given, wanted):
    from piwcheck.indexes.piwheels import PiwheelsIndex
    from piwcheck.model import File

    f = File("a-1.0-py3-none-any.whl", given, None, None, None, False,
             site + "/simple", None, None, None, None, None, frozenset())
    assert PiwheelsIndex(site).file_url(f) == wanted
