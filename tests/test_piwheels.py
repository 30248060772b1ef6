# SPDX-License-Identifier: BSD-3-Clause
"""The piwheels JSON reader (piwcheck.indexes.piwheels) over the shared
transport."""

import copy
import json
import os
import socket

import pytest

from helpers import DATA, load
from piwcheck.errors import DataError, FetchError, InputError, NotFound
from piwcheck.indexes.piwheels import (PiwheelsIndex, normalise_site_url,
                                       parse_project)
from piwcheck.names import canonical_name
from piwcheck.net import Transport


def Client(url, timeout=10.0):
    """The piwheels reader for ``url`` over a transport of its own."""
    return PiwheelsIndex(url, Transport(timeout=timeout))


def raw(name):
    with open(os.path.join(DATA, "projects", name + ".json")) as f:
        return json.load(f)


def test_every_test_document_parses():
    for fn in os.listdir(os.path.join(DATA, "projects")):
        project = load(fn[:-5])
        assert project.name


def test_model_fields():
    p = load("cryptography")
    rel = {r.version: r for r in p.releases}["44.0.0"]
    f = {f.filename: f for f in rel.files}[
        "cryptography-44.0.0-cp39-abi3-linux_armv7l.whl"]
    assert f.builder_abi == "cp39" and f.file_abi_tag == "abi3"
    assert f.platform == "linux_armv7l" and f.size == 1700000
    assert f.apt_dependencies == ("libc6", "libssl1.1")
    assert f.pip_dependencies == ("cffi",)
    assert f.requires_python == "!=3.9.0,!=3.9.1,>=3.7"
    assert {str(t) for t in f.tags} == {"cp39-abi3-linux_armv7l"}


def test_missing_pip_dependencies_is_none():
    f = load("legacy-tool").releases[0].files[0]
    assert f.pip_dependencies is None


def test_unknown_fields_ignored():
    doc = raw("rpi-gpio")
    doc["new_top_field"] = {"x": 1}
    rel = doc["releases"]["0.7.1"]
    rel["downloads"] = 5
    next(iter(rel["files"].values()))["signature"] = "abc"
    assert parse_project(doc, "rpi-gpio").name == "RPi.GPIO"


def _broken(mutate):
    doc = copy.deepcopy(raw("numpy"))
    rel = doc["releases"]["2.1.3"]
    f = rel["files"]["numpy-2.1.3-cp311-cp311-linux_armv7l.whl"]
    mutate(doc, rel, f)
    return doc


@pytest.mark.parametrize("mutate,message", [
    (lambda d, r, f: f.update(filesize="12"), "'filesize' is str"),
    (lambda d, r, f: f.update(filesize=True), "'filesize' is bool, not int"),
    (lambda d, r, f: f.pop("builder_abi"), "missing field 'builder_abi'"),
    (lambda d, r, f: f.update(apt_dependencies="libc6"), "apt_dependencies"),
    (lambda d, r, f: f.update(apt_dependencies=[1]), "non-string"),
    (lambda d, r, f: r.update(files=[]), "'files' is list"),
    (lambda d, r, f: r.update(yanked="no"), "'yanked' is str"),
    (lambda d, r, f: d.update(releases=[]), "'releases' is list"),
    (lambda d, r, f: d.pop("releases"), "missing field 'releases'"),
    (lambda d, r, f: d["releases"].update({"3.0": None}), "not an object"),
])
def test_wrong_shapes(mutate, message):
    with pytest.raises(DataError, match=message):
        parse_project(_broken(mutate), "numpy")


@pytest.mark.parametrize("doc", [[], "x", 1, None])
def test_not_a_document(doc):
    with pytest.raises(DataError, match="not a project document"):
        parse_project(doc, "x")


@pytest.mark.parametrize("name,canon", [("RPi.GPIO", "rpi-gpio"),
                                        ("Flask_SocketIO", "flask-socketio"),
                                        ("PyYAML", "pyyaml")])
def test_canonical_name(name, canon):
    assert canonical_name(name) == canon


@pytest.mark.parametrize("name", ["../etc", "a/b", "x?y=1", "", "-x", "a b",
                                  "x#", "%2e%2e"])
def test_names_that_cannot_reach_a_url(name):
    with pytest.raises(InputError):
        canonical_name(name)


@pytest.mark.parametrize("url,norm", [
    ("https://www.piwheels.org/simple", "https://www.piwheels.org"),
    ("https://www.piwheels.org/simple/", "https://www.piwheels.org"),
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
])
def test_index_url(url, norm):
    assert normalise_site_url(url) == norm


def test_bad_index_url():
    with pytest.raises(InputError):
        normalise_site_url("ftp://x")


def test_fetch(server):
    p = Client(server.url).fetch("RPi.GPIO")
    assert p.name == "RPi.GPIO"
    assert server.log[-1][0] == "/project/rpi-gpio/json/"


def test_site_redirects_without_slash(server):
    import requests
    r = requests.get(server.url + "/project/numpy/json", timeout=5)
    assert r.status_code == 200 and r.history[0].status_code == 301


def test_fetch_404(server):
    with pytest.raises(NotFound, match="answered 404"):
        Client(server.url).fetch("no-such-project")


def test_fetch_500(server):
    server.faults["numpy"] = "500"
    with pytest.raises(FetchError, match="HTTP 500"):
        Client(server.url, timeout=0.5).fetch("numpy")


def test_fetch_html_is_captive_portal(server):
    server.faults["numpy"] = "html"
    with pytest.raises(DataError, match="captive portal"):
        Client(server.url).fetch("numpy")


def test_fetch_invalid_json(server):
    server.faults["numpy"] = "not-json"
    with pytest.raises(DataError, match="not JSON"):
        Client(server.url).fetch("numpy")


def test_fetch_empty(server):
    server.faults["numpy"] = "empty"
    with pytest.raises(DataError, match="empty answer"):
        Client(server.url).fetch("numpy")


def test_fetch_connection_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError, match="cannot reach"):
        Client("http://127.0.0.1:{}".format(port), timeout=0.5).fetch(
            "numpy")
