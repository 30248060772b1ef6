# SPDX-License-Identifier: BSD-3-Clause
"""The simple-API reader (piwcheck.indexes.simple) against the PyPI fake,
and pip's configuration (piwcheck.pipconf)."""

import os

import pytest

from piwcheck.errors import DataError, FetchError, InputError, NotFound
from piwcheck.indexes.simple import SimpleIndex
from piwcheck.pipconf import PYPI, config_files, load
from piwcheck.net import Transport


def read(env, isolated=False, prefix=None):
    """pip's options from its files and variables, as the command line
    reads them."""
    return load(env, isolated, prefix).options()


def index(pypi, timeout=10.0):
    return SimpleIndex(pypi.index, Transport(timeout=timeout))


def test_json_page(pypi):
    p = index(pypi).fetch("numpy")
    assert pypi.log[-1][3]["Accept"].startswith(
        "application/vnd.pypi.simple.v1+json")
    versions = {r.version: r for r in p.releases}
    assert "2.1.3" in versions and "2.2.0rc1" in versions
    f = {f.filename: f for f in versions["2.1.3"].files}[
        "numpy-2.1.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_"
        "aarch64.whl"]
    assert f.requires_python == ">=3.10" and f.size and len(f.sha256) == 64
    assert f.url.startswith(pypi.index + "/numpy/")
    assert f.apt_dependencies is None and f.index == pypi.index
    assert versions["2.1.2"].yanked  # every file of it is yanked


def test_html_page(pypi, monkeypatch):
    monkeypatch.setattr(pypi, "simple_json", False)
    p = index(pypi).fetch("numpy")
    files = {f.filename: f for r in p.releases for f in r.files}
    assert files["numpy-2.1.2.tar.gz"].yanked
    assert files["numpy-2.1.3.tar.gz"].requires_python == ">=3.10"
    assert len(files["numpy-2.1.3.tar.gz"].sha256) == 64


def test_non_canonical_name_is_canonical_in_the_url(pypi):
    import requests
    p = index(pypi).fetch("Pydantic_Core")
    assert {r.version for r in p.releases} == {"2.27.1", "2.27.2"}
    assert pypi.log[-1][0] == "/simple/pydantic-core/"
    r = requests.get(pypi.index + "/Pydantic_Core/", timeout=5)
    assert r.history[0].status_code == 301 and r.status_code == 200


def test_unknown_project(pypi):
    with pytest.raises(NotFound, match="has no such project"):
        index(pypi).fetch("no-such-project")


@pytest.mark.parametrize("fault,error,match", [
    ("500", FetchError, "HTTP 500"),
    ("html", DataError, "captive portal"),
    ("not-json", DataError, "not JSON"),
])
def test_faults(pypi, fault, error, match):
    pypi.faults["numpy"] = fault
    with pytest.raises(error, match=match):
        index(pypi, timeout=0.3).fetch("numpy")


def test_pypi_is_named_pypi():
    assert SimpleIndex("https://pypi.org/simple/").label == "PyPI"
    assert SimpleIndex("https://x.org/simple").label == "https://x.org/simple"


def _conf(path, text):
    path.write_text(text)
    return str(path)


#: Raspberry Pi OS's /etc/pip.conf.
PI_OS_CONF = "[global]\nextra-index-url=https://www.piwheels.org/simple\n"


def _env(tmp_path, **more):
    """A variables mapping naming no file of this machine (the conftest
    points pipconf.SITE_FILE, /etc/pip.conf, at a file of the test's)."""
    return dict({"HOME": str(tmp_path / "home"),
                 "XDG_CONFIG_DIRS": str(tmp_path / "xdg"),
                 "XDG_CONFIG_HOME": str(tmp_path / "config")}, **more)


def _site_file(tmp_path, monkeypatch, text):
    """The machine-wide file (/etc/pip.conf) holds ``text``."""
    etc = tmp_path / "etc"
    etc.mkdir()
    monkeypatch.setattr("piwcheck.pipconf.SITE_FILE",
                        _conf(etc / "pip.conf", text))


def test_raspberry_pi_os_pip_conf(tmp_path, monkeypatch):
    _site_file(tmp_path, monkeypatch, PI_OS_CONF)
    opts = read(_env(tmp_path))
    assert opts.index_urls == [PYPI, "https://www.piwheels.org/simple"]
    assert opts.sources == (str(tmp_path / "etc" / "pip.conf"),)


def test_no_file_of_this_machine_is_read(tmp_path):
    """The suite runs on Raspberry Pi OS too: its /etc/pip.conf is not
    among the files a test reads."""
    assert "/etc/pip.conf" not in config_files(_env(tmp_path), False, None)
    assert read(_env(tmp_path)).index_urls == [PYPI]


def test_install_section_beats_global_and_env_beats_files(tmp_path):
    conf = _conf(tmp_path / "pip.conf", "[install]\nindex-url = https://a/\n"
                 "[global]\nindex-url = https://b/\nprefer_binary = yes\n"
                 "only-binary = :all:\n")
    env = _env(tmp_path, PIP_CONFIG_FILE=conf)
    opts = read(env)
    assert opts.index_url == "https://a/" and opts.prefer_binary
    assert opts.only_binary == {":all:"}
    env["PIP_INDEX_URL"] = "https://c/"
    env["PIP_NO_BINARY"] = "numpy"
    opts = read(env)
    assert opts.index_url == "https://c/"
    assert opts.no_binary == {"numpy"} and opts.only_binary == {":all:"}


def test_isolated_ignores_user_files_and_variables(tmp_path, monkeypatch):
    user = tmp_path / "home" / ".config" / "pip"
    user.mkdir(parents=True)
    _conf(user / "pip.conf", "[global]\nindex-url = https://user/\n")
    env = _env(tmp_path, PIP_EXTRA_INDEX_URL="https://env/")
    del env["XDG_CONFIG_HOME"]  # ~/.config, then
    assert read(env).index_urls == ["https://user", "https://env"]
    assert read(env, isolated=True).index_urls == [PYPI]
    # as pip's --isolated, the machine-wide file is still read
    _site_file(tmp_path, monkeypatch, PI_OS_CONF)
    assert read(env, isolated=True).index_urls == [
        PYPI, "https://www.piwheels.org/simple"]


def test_devnull_reads_no_file(tmp_path):
    assert config_files({"PIP_CONFIG_FILE": os.devnull}, False, "/x") == []


def test_venv_pip_conf_is_read(tmp_path):
    _conf(tmp_path / "pip.conf", "[global]\nno-index = true\n")
    assert read(_env(tmp_path), prefix=str(tmp_path)).index_urls == []


def test_bad_boolean_is_an_input_error(tmp_path):
    conf = _conf(tmp_path / "pip.conf", "[global]\npre = maybe\n")
    with pytest.raises(InputError, match="pre"):
        read(_env(tmp_path, PIP_CONFIG_FILE=conf))


def test_local_target_uses_pips_configuration(server, pypi, capsys,
                                               tmp_path, monkeypatch):
    import json

    from piwcheck.cli import main
    conf = _conf(tmp_path / "pip.conf", "[global]\nindex-url = {}\n"
                 "extra-index-url = {}\n".format(pypi.index, server.index))
    monkeypatch.setenv("PIP_CONFIG_FILE", conf)
    code = main(["--json", "--no-cache", "--piwheels-url", server.url,
                 "pypi-only"])
    doc = json.loads(capsys.readouterr().out)
    assert [i["url"] for i in doc["indexes"]] == [pypi.index, server.index]
    assert code == 0 and doc["packages"][0]["status"] == "ok"
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", pypi.index)
    main(["--json", "--no-cache", "--piwheels-url", server.url, "numpy"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["indexes"] == [{"name": pypi.index, "url": pypi.index}]
    assert any("does not use piwheels" in n for n in doc["target"]["notes"])


@pytest.mark.parametrize("base", [
    "https://pypi.org/simple/numpy/", "http://127.0.0.1:8000/simple/x/",
    "https://host", "https://host/a/b?q=1", "https://host/a/b#frag",
    "https://h/simple/numpy/index.html"])
@pytest.mark.parametrize("href", [
    "numpy-2.1.3.tar.gz", "numpy-2.1.3.tar.gz#sha256=00ff",
    "numpy-1!2.0-py3-none-any.whl", "../../packages/n/numpy-1.0.tar.gz",
    "/packages/numpy-1.0.tar.gz", "https://files.example/numpy.whl",
    "//cdn.example/numpy.whl", "./numpy-1.0.zip", "numpy%2B1.0.zip",
    "sub/numpy-1.0.zip", "numpy-1.0.zip?x=1", "numpy-1.0+local.zip",
    "mailto:x", "", "#top"])
def test_links_join_as_urljoin_joins_them(base, href):
    from urllib.parse import urljoin

    from piwcheck.indexes.simple import _join
    assert _join(base, href) == urljoin(base, href)
