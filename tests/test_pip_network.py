# SPDX-License-Identifier: BSD-3-Clause
"""pip's network settings (cert, client-cert, trusted-host, proxy,
timeout, retries) from a pip.conf, PIP_* variables and the command line,
against real local servers: TLS with a CA and certificates made here by
openssl, a client certificate the server requires, a forward and
CONNECT proxy, a stalled server, a failing one."""

import json
import os
import shutil
import subprocess
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import pkgs, piw, run
from piwcheck.net import options

#: A Pi, one package, no dependencies, the JSON document.
BASE = ["--abi", "cp311", "--platform", "linux_armv7l", "--no-deps",
        "--json"]


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA; a server certificate for 127.0.0.1 and a client one, both
    signed by it; another CA that signed neither.  Paths by name."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("pki")
    p = {name: str(d / name) for name in (
        "ca.pem", "ca.key", "other.pem", "other.key", "server.pem",
        "server.key", "client.pem", "client.key", "client-both.pem",
        "server.ext", "client.ext")}
    # the extensions Python 3.13's strict verification asks for
    for ca in ("ca", "other"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                 "2", "-subj", "/CN=piwcheck test " + ca, "-keyout",
                 p[ca + ".key"], "-out", p[ca + ".pem"], "-addext",
                 "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign")
    for who, usage in (("server", "serverAuth"), ("client", "clientAuth")):
        with open(p[who + ".ext"], "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage={}\nsubjectKeyIdentifier=hash\n"
                    "authorityKeyIdentifier=keyid\n{}".format(
                        usage, "subjectAltName=IP:127.0.0.1\n"
                        if who == "server" else ""))
    for who, cn in (("server", "127.0.0.1"), ("client", "a Pi")):
        csr = str(d / (who + ".csr"))
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
                 "/CN=" + cn, "-keyout", p[who + ".key"], "-out", csr)
        _openssl("x509", "-req", "-in", csr, "-CA", p["ca.pem"], "-CAkey",
                 p["ca.key"], "-CAcreateserial", "-days", "2",
                 "-out", p[who + ".pem"], "-extfile", p[who + ".ext"])
    with open(p["client-both.pem"], "w") as out:
        for name in ("client.key", "client.pem"):
            with open(p[name]) as f:
                out.write(f.read())
    return p


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No CA or proxy variables of this machine (CI sets
    REQUESTS_CA_BUNDLE); a pip.conf of the test's own (``write``)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY",
                 "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    conf = tmp_path / "pip.conf"

    def write(text):
        conf.write_text("[global]\n" + text)
        monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
        return str(conf)
    return write


@pytest.fixture
def tls(pki):
    """A piwheels fake over HTTPS with the CA's server certificate."""
    from piwserver import PiwheelsServer
    server = PiwheelsServer().start(tls=(pki["server.pem"],
                                         pki["server.key"]))
    yield server
    server.stop()


def check(capsys, server_url, *extra):
    """numpy from the piwheels site at ``server_url``: (exit code,
    numpy's entry or None, stderr, seconds)."""
    start = time.monotonic()
    code, out, err = run(capsys, *BASE, *piw(server_url), *extra, "numpy")
    took = time.monotonic() - start
    found = pkgs(json.loads(out)).get("numpy") if out else None
    return code, found, err, took


@pytest.mark.parametrize("how", ["pip.conf", "PIP_CERT", "--cert"])
def test_cert(pki, tls, clean_env, capsys, monkeypatch, how):
    code, numpy, err, _ = check(capsys, tls.url)
    assert code == 3 and "certificate verify failed" in numpy["reason"]
    extra = []
    if how == "pip.conf":
        clean_env("cert = {}\n".format(pki["ca.pem"]))
    elif how == "PIP_CERT":
        monkeypatch.setenv("PIP_CERT", pki["ca.pem"])
    else:
        extra = ["--cert", pki["ca.pem"]]
    code, numpy, err, _ = check(capsys, tls.url, *extra)
    assert code == 0, err
    assert numpy["version"] == "2.1.3"


def test_cert_layers_and_isolated(pki, tls, clean_env, capsys,
                                  monkeypatch):
    """pip.conf < PIP_CERT < --cert; --isolated reads neither the
    variable nor the user's files (PIP_CONFIG_FILE still counts, as in
    pip)."""
    clean_env("cert = {}\n".format(pki["other.pem"]))
    assert check(capsys, tls.url)[0] == 3
    monkeypatch.setenv("PIP_CERT", pki["ca.pem"])
    assert check(capsys, tls.url)[0] == 0
    assert check(capsys, tls.url, "--cert", pki["other.pem"])[0] == 3
    assert check(capsys, tls.url, "--isolated")[0] == 3
    clean_env("cert = {}\n".format(pki["ca.pem"]))
    monkeypatch.setenv("PIP_CERT", pki["other.pem"])
    assert check(capsys, tls.url, "--isolated")[0] == 0


@pytest.mark.parametrize("cert,bundle,works", [
    ("other.pem", "ca.pem", True),
    ("ca.pem", "other.pem", False),
    (None, "ca.pem", True),
])
def test_requests_ca_bundle_wins_over_cert_as_in_pip(
        pki, tls, clean_env, capsys, monkeypatch, cert, bundle, works):
    """pip 26.3 lets REQUESTS_CA_BUNDLE win over --cert (requests reads
    it per request); the judge's pip is asked the same when present."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", pki[bundle])
    extra = ["--cert", pki[cert]] if cert else []
    code, numpy, err, _ = check(capsys, tls.url, *extra)
    assert (code == 0) == works, err
    judge = os.environ.get("PIWCHECK_JUDGE_PYTHON")
    if judge:
        assert _pip_fetches(judge, tls, extra) == works


def _pip_fetches(python, server, extra):
    """Whether the judge's pip downloads RPi.GPIO from ``server``."""
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    proc = subprocess.run(
        [python, "-m", "pip", "download", "-q", "--no-deps",
         "--no-cache-dir", "--retries", "0", "--timeout", "5",
         "--only-binary", ":all:", "--platform", "linux_armv7l",
         "--python-version", "3.11", "--implementation", "cp", "--abi",
         "cp311", "-d", os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                     "piwcheck-judge-{}".format(
                                         os.getpid())),
         "--index-url", server.index, *extra, "rpi.gpio"],
        capture_output=True, text=True, env=env, timeout=120)
    return proc.returncode == 0


def test_client_cert_required_by_the_server(pki, clean_env, capsys):
    from piwserver import PiwheelsServer
    server = PiwheelsServer().start(
        tls=(pki["server.pem"], pki["server.key"]), client_ca=pki["ca.pem"])
    try:
        code, numpy, err, _ = check(capsys, server.url, "--cert",
                                    pki["ca.pem"])
        assert code == 3 and numpy["status"] == "error"
        assert server.count("numpy") == 0
        clean_env("cert = {}\nclient-cert = {}\n".format(
            pki["ca.pem"], pki["client-both.pem"]))
        code, numpy, err, _ = check(capsys, server.url)
        assert code == 0, err
        assert server.count("numpy") == 1
    finally:
        server.stop()


def test_trusted_host_skips_verification(pki, tls, clean_env, capsys):
    port = tls.url.rsplit(":", 1)[1]
    clean_env("trusted-host = 127.0.0.1:1\n")
    assert check(capsys, tls.url)[0] == 3
    for hosts in ("127.0.0.1", "example.org 127.0.0.1:" + port):
        clean_env("trusted-host = {}\n".format(hosts))
        code, numpy, err, _ = check(capsys, tls.url)
        assert code == 0 and numpy["version"] == "2.1.3", err
        assert err == ""
    clean_env("trusted-host = 127.0.0.1:1\n")  # the option adds to it
    assert check(capsys, tls.url, "--trusted-host", "127.0.0.1")[0] == 0


def test_proxy_takes_every_request(pki, tls, server, clean_env, capsys,
                                   monkeypatch):
    """proxy= sends HTTPS through a CONNECT tunnel, even to 127.0.0.1
    (no_proxy names it) and despite a dead HTTPS_PROXY."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    clean_env("proxy = {}\ncert = {}\n".format(server.url, pki["ca.pem"]))
    code, numpy, err, _ = check(capsys, tls.url)
    assert code == 0, err
    assert server.tunnels >= 1 and tls.count("numpy") == 1
    server.reset_log()
    code, numpy, err, _ = check(capsys, tls.url, "--proxy",
                                "http://127.0.0.1:9")
    assert code == 3 and "through the proxy" in numpy["reason"]
    assert server.tunnels == 0


def test_http_index_needs_trusted_host(server, clean_env, capsys):
    """pip ignores an http:// index on a host neither this machine nor
    trusted; trusted, it is read (here through the proxy)."""
    url = "http://piwheels.invalid"
    code, out, err = run(capsys, *BASE, *piw(url), "--proxy", server.url,
                         "numpy")
    assert code == 2 and server.proxied == 0
    assert "index http://piwheels.invalid/simple is not read" in err
    assert "--trusted-host piwheels.invalid" in err
    clean_env("proxy = {}\ntrusted-host = piwheels.invalid\n".format(
        server.url))
    code, numpy, err, _ = check(capsys, url)
    assert code == 0 and numpy["version"] == "2.1.3", err
    assert server.proxied >= 1 and err == ""
    server.reset_log()  # beside a readable index: a warning, as pip's
    code, numpy, err, _ = check(capsys, server.url, "--extra-index-url",
                                "http://mirror.invalid/simple")
    assert code == 0 and numpy["version"] == "2.1.3"
    assert err == "piwcheck: warning: index http://mirror.invalid/simple " \
        "is not read: pip ignores an http:// index on a host it does not " \
        "trust (--trusted-host mirror.invalid trusts it)\n"


def test_trusted_host_in_a_requirements_file(server, tmp_path, capsys):
    """pip trusts a requirements file's --trusted-host for the run: its
    http:// index is read."""
    req = tmp_path / "req.txt"
    req.write_text("-i http://piwheels.invalid/simple\n"
                   "--trusted-host piwheels.invalid\nnumpy\n")
    args = [*BASE, "--piwheels-url", "http://piwheels.invalid", "--proxy",
            server.url, "-r", str(req)]
    code, out, err = run(capsys, *args)
    assert code == 0 and err == "", err
    assert pkgs(json.loads(out))["numpy"]["version"] == "2.1.3"
    req.write_text("-i http://piwheels.invalid/simple\n"
                   "--trusted-host piwheels.invalid/x\nnumpy\n")
    code, out, err = run(capsys, *args)
    assert code == 2 and err == "piwcheck: error: {}:2: --trusted-host " \
        "piwheels.invalid/x: not a host or host:port\n".format(req)


def test_timeout_in_pip_conf_bounds_a_stalled_server(server, clean_env,
                                                     capsys):
    server.faults["numpy"] = "hang"
    clean_env("timeout = 1\nretries = 0\n")
    code, numpy, err, took = check(capsys, server.url)
    assert code == 3 and "no answer within 1 s" in numpy["reason"]
    assert took < 2.5, took


@pytest.mark.parametrize("retries,tries", [("0", 1), ("1", 2), (None, 4)])
def test_retries_count_the_tries(server, clean_env, capsys, retries, tries):
    server.faults["numpy"] = "500"
    if retries is not None:
        clean_env("[install]\nretries = {}\n".format(retries))
    code, numpy, err, _ = check(capsys, server.url, "--timeout", "5")
    assert code == 3 and "HTTP 500" in numpy["reason"]
    assert server.count("numpy") == tries


@pytest.mark.parametrize("key,value,words", [
    ("timeout", "abc", "not a number of seconds"),
    ("timeout", "-1", "give seconds from 0.05 to 3600"),
    ("default-timeout", "1e300", "give seconds from 0.05 to 3600"),
    ("timeout", "nan", "give seconds from"),
    ("retries", "-1", "give a whole number from 0 to 100"),
    ("retries", "99999999999", "give a whole number from 0 to 100"),
    ("retries", "two", "give a whole number"),
    ("proxy", "socks5://127.0.0.1:1080", "an http:// or https:// proxy"),
    ("proxy", "http://host:port", "the port is not a number"),
    ("trusted-host", "a/b", "not a host or host:port"),
    ("cert", "/nonexistent/ca.pem", "no such file"),
    ("client-cert", "/nonexistent/me.pem", "no such file"),
])
@pytest.mark.parametrize("where", ["pip.conf", "env", "option"])
def test_bad_values_are_one_line_exit_2(server, clean_env, capsys,
                                        monkeypatch, key, value, words,
                                        where):
    extra = []
    if where == "pip.conf":
        named = clean_env("{} = {}\n".format(key, value))
    elif where == "env":
        named = "$PIP_" + key.upper().replace("-", "_")
        monkeypatch.setenv(named[1:], value)
    else:
        named, extra = "--" + key, ["--{}={}".format(key, value)]
    code, out, err = run(capsys, *BASE, *piw(server.url), *extra, "numpy")
    assert code == 2 and out == ""
    if where == "option" and key not in ("cert", "client-cert"):
        assert err.startswith("usage:")  # argparse's
    else:
        assert err.startswith("piwcheck: error: ") and \
            err.count("\n") == 1
    assert words in err and named in err
    assert "Traceback" not in err
    assert server.count() == 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_numbers_are_checked_for_any_text(text):
    """Any text is a value in range or a ValueError, never another
    exception."""
    for check_value, (low, high) in ((options.timeout_value,
                                      options.TIMEOUT_RANGE),
                                     (options.retries_value,
                                      options.RETRIES_RANGE)):
        try:
            value = check_value(text)
        except ValueError:
            continue
        assert low <= value <= high


@pytest.mark.parametrize("url,trusted,reads", [
    ("https://pypi.org/simple", (), True),
    ("http://127.0.0.5:8080/simple", (), True),
    ("http://localhost/simple", (), True),
    ("http://[::1]:3141/simple", (), True),
    ("http://mirror.lan/simple", (), False),
    ("http://mirror.lan/simple", ("mirror.lan",), True),
    ("http://MIRROR.lan:3141/simple", ("mirror.lan",), True),
    ("http://mirror.lan:3141/simple", ("mirror.lan:3141",), True),
    ("http://mirror.lan:3141/simple", ("mirror.lan:80",), False),
    ("http://10.0.0.2/simple", ("10.0.0.2",), True),
    ("/srv/wheels", (), True),
])
def test_which_http_indexes_pip_reads(url, trusted, reads):
    net = options.NetOptions(trusted_hosts=trusted)
    assert net.reads(url) is reads


def test_pip_conf_is_read_once_a_run(server, clean_env, capsys, monkeypatch,
                                     pi_python):
    """A check for an interpreter here takes pip's options (the index)
    and its network settings (the timeout, the retries) from one
    reading of each pip.conf, not one reading for each."""
    from piwcheck import pipconf

    conf = clean_env("index-url = {}/simple\ntimeout = 7\n[install]\n"
                     "retries = 0\n".format(server.url))
    server.faults["numpy"] = "500"
    reads = []
    real = pipconf.read_file

    def counted(path, *args, **kwargs):
        reads.append(path)
        return real(path, *args, **kwargs)
    monkeypatch.setattr(pipconf, "read_file", counted)
    code, out, err = run(capsys, "--python", pi_python(), "--piwheels-url",
                         server.url, "--json", "--no-deps", "numpy")
    numpy = pkgs(json.loads(out))["numpy"]
    assert code == 3 and "HTTP 500" in numpy["reason"], err
    assert server.count("numpy") == 1  # pip.conf's index, retries = 0
    assert reads.count(conf) == 1, reads
