# SPDX-License-Identifier: BSD-3-Clause
"""Flaky networks and hostile answers, one test per fault, against the
real test server: status, message, and a bounded duration."""

import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from helpers import piw, pkgs, run, run_pi
from piwcheck.cli import main

#: --timeout 1: each document then has a 3 s budget (3 x timeout).
FAST = ["--timeout", "1", "--abi", "cp311", "--platform", "linux_armv7l",
        "--no-deps", "--json"]


def check(capsys, server, *names, extra=()):
    """``names`` on ``server`` with FAST: (exit code, the packages by
    name, stderr, seconds taken)."""
    start = time.monotonic()
    code, out, err = run(capsys, *FAST, *extra, *server.only, *names)
    took = time.monotonic() - start
    return code, pkgs(json.loads(out)), err, took


# fault, the reason's words, the longest it may take (s)
FAULTS = [
    ("500", "answered HTTP 500 (3 tries)", 3.5),
    ("reset", "the connection was reset", 3.5),
    ("hang", "no answer within 1 s", 3.5),
    ("trickle", "the answer took longer than 3 s", 4.0),
    ("trickle-headers", "the answer took longer than 3 s", 4.0),
    ("endless", "the answer is larger than 64 MB", 3.5),
    ("truncated", "the answer was cut short", 3.5),
    ("bad-gzip", "bad gzip data", 1.0),
    ("not-json", "answer is not JSON", 1.0),
    ("html", "not JSON (got text/html: a captive portal or proxy?)", 1.0),
    ("empty", "empty answer", 1.0),
    ("redirect-loop", "too many redirects", 2.0),
    ("429-long", "asked to wait 120 s, more than the", 1.0),
]


@pytest.mark.parametrize("fault,words,limit", FAULTS,
                         ids=[f[0] for f in FAULTS])
def test_fault(server, capsys, fault, words, limit):
    server.faults["numpy"] = fault
    code, pkgs, err, took = check(capsys, server, "numpy", "RPi.GPIO")
    assert code == 3
    assert pkgs["numpy"]["status"] == "error"
    assert words in pkgs["numpy"]["reason"], pkgs["numpy"]["reason"]
    assert pkgs["rpi-gpio"]["status"] == "ok"  # the others are intact
    assert err.count("\n") == 1 and err.startswith("piwcheck: numpy: ")
    assert "Traceback" not in err
    assert took < limit, took


def test_503_then_ok_is_retried(server, capsys):
    server.faults["numpy"] = "503-once"
    code, pkgs, err, took = check(capsys, server, "numpy")
    assert code == 0 and pkgs["numpy"]["status"] == "ok"
    assert [e[2] for e in server.log] == [503, 200]
    assert 0.4 < took < 2


def test_429_retry_after_is_honoured(server, capsys):
    server.faults["numpy"] = "429"
    code, pkgs, err, took = check(capsys, server, "numpy")
    assert code == 0 and pkgs["numpy"]["status"] == "ok"
    assert [e[2] for e in server.log] == [429, 200]
    assert 1.0 <= took < 2.5


def test_404_is_not_retried(server, capsys):
    code, pkgs, err, took = check(capsys, server, "nope")
    assert code == 1 and pkgs["nope"]["status"] == "not-found"
    assert server.count("nope") == 1


def test_connection_refused_is_bounded_and_said_once(capsys):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    start = time.monotonic()
    code, out, err = run(capsys, *FAST, "-j", "1", *piw(
        "http://127.0.0.1:{}".format(port)), "numpy", "scipy")
    took = time.monotonic() - start
    found = pkgs(json.loads(out))
    assert code == 3 and took < 3.5
    site = "http://127.0.0.1:{}".format(port)
    # the same fact for both, naming the site, not another package's URL
    assert found["numpy"]["reason"].startswith("cannot reach {}: Connection "
                                              "refused".format(site))
    assert found["scipy"]["status"] == "error"
    assert found["scipy"]["reason"] == found["numpy"]["reason"]
    assert "/project/" not in found["scipy"]["reason"]
    # and said once on stderr
    assert err.count("\n") == 1 and err.startswith(
        "piwcheck: 2 packages (numpy, scipy): cannot reach " + site)


@pytest.mark.parametrize("doc,words", [
    ([], "not a project document (list at the top)"),
    ({"releases": {"1.0": {"files": {"x-1.0-py3-none-any.whl": {
        "file_url": "u", "filehash": "h", "filesize": "12",
        "builder_abi": "cp311", "file_abi_tag": "none", "platform": "any",
        "apt_dependencies": []}}}}}, "field 'filesize' is str, not int"),
    ({"releases": {"1.0": {"files": {"x-1.0-py3-none-any.whl": {
        "file_url": "u", "filehash": "h", "filesize": 1,
        "file_abi_tag": "none", "platform": "any",
        "apt_dependencies": []}}}}}, "missing field 'builder_abi'"),
    ({"package": "x"}, "missing field 'releases'"),
    ({"releases": {"1.0": []}}, "release 1.0: not an object"),
])
def test_wrong_shapes_are_errors(fresh_server, capsys, doc, words):
    fresh_server.add("x", doc)
    code, pkgs, err, took = check(capsys, fresh_server, "x", "RPi.GPIO")
    assert code == 3
    assert pkgs["x"]["status"] == "error" and words in pkgs["x"]["reason"]
    assert pkgs["rpi-gpio"]["status"] == "ok"


def test_http_proxy(server, capsys, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    code, out, err = run(capsys, *FAST, *piw("http://piwheels.invalid"),
                         "--trusted-host", "piwheels.invalid", "numpy")
    assert code == 0, err
    assert server.proxied == 1


def test_no_proxy_is_honoured(server, capsys, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    code, _, _ = run(capsys, *FAST, *server.only, "numpy")  # no_proxy set
    assert code == 0
    assert server.proxied == 0


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)
    return str(cert), str(key)


def test_tls_failure_and_custom_ca_bundle(certificate, capsys, monkeypatch):
    from piwserver import PiwheelsServer
    server = PiwheelsServer().start(tls=certificate)
    try:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        code, pkgs, err, took = check(capsys, server, "numpy")
        assert code == 3
        assert "TLS failed: certificate verify failed" in \
            pkgs["numpy"]["reason"]
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
        code, pkgs, err, took = check(capsys, server, "numpy")
        assert code == 0 and pkgs["numpy"]["version"] == "2.1.3"
    finally:
        server.stop()


# The cache


def test_second_run_sends_only_conditional_requests(server, capsys):
    code, first, _ = run_pi(capsys, server, "cryptography", "numpy")
    assert set(server.statuses) == {200}
    server.reset_log()
    code, second, _ = run_pi(capsys, server, "cryptography", "numpy")
    assert second == first
    assert server.statuses == {304: 4}
    assert all("If-None-Match" in e[3] for e in server.log)


def test_changed_document_is_fetched_again(fresh_server, capsys):
    run_pi(capsys, fresh_server, "--no-deps", "numpy")
    doc = json.loads(fresh_server.documents["numpy"])
    del doc["releases"]["2.1.3"]
    fresh_server.add("numpy", doc)
    fresh_server.reset_log()
    code, pkgs, _ = run_pi(capsys, fresh_server, "--no-deps", "numpy")
    assert pkgs[0]["version"] == "1.26.4"
    assert fresh_server.statuses == {200: 1}


def test_offline_after_a_warm_run(server, capsys):
    code, warm, _ = run_pi(capsys, server, "cryptography", "numpy")
    server.reset_log()
    code, offline, err = run_pi(capsys, server, "--offline", "cryptography",
                             "numpy")
    assert code == 0 and offline == warm
    assert server.count() == 0


def test_offline_names_what_it_lacks(server, capsys):
    run_pi(capsys, server, "numpy")
    server.reset_log()
    code, pkgs, err = run_pi(capsys, server, "--offline", "numpy", "gpiozero")
    assert code == 3
    by_name = {p["name"]: p for p in pkgs}
    assert by_name["numpy"]["status"] == "ok"
    assert by_name["gpiozero"]["status"] == "error"
    assert by_name["gpiozero"]["reason"] == "not in cache"
    assert server.count() == 0


def _cache_files():
    root = os.path.join(os.environ["XDG_CACHE_HOME"], "piwcheck", "http")
    return [os.path.join(root, f) for f in os.listdir(root)]


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty"])
def test_damaged_cache_is_survived(server, capsys, damage):
    code, warm, _ = run_pi(capsys, server, "cryptography")
    files = _cache_files()
    assert len(files) == 3
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write({"garbage": b"cc=4,\x00\xffnot msgpack" * 10,
                     "truncate": data[:len(data) // 2],
                     "empty": b""}[damage])
    server.reset_log()
    code, again, err = run_pi(capsys, server, "cryptography")
    assert code == 0 and again == warm and err == ""
    assert server.statuses == {200: 3}  # refetched whole
    server.reset_log()
    run_pi(capsys, server, "cryptography")
    assert server.statuses == {304: 3}  # and cached again


def test_no_cache_and_cache_dir(server, capsys, tmp_path):
    run_pi(capsys, server, "--no-cache", "numpy")
    assert not os.path.exists(os.path.join(os.environ["XDG_CACHE_HOME"],
                                           "piwcheck"))
    run_pi(capsys, server, "--cache-dir", str(tmp_path / "c"), "numpy")
    assert len(os.listdir(tmp_path / "c" / "http")) == 1


def test_unwritable_cache_is_a_warning(server, capsys, tmp_path,
                                       monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    code, pkgs, err = run_pi(capsys, server, "numpy")
    assert code == 0
    assert err.startswith("piwcheck: warning: cache ")
    assert "going on without it" in err


def test_offline_with_no_cache_is_a_usage_error(capsys):
    assert main(["--offline", "--no-cache", "numpy"]) == 2


def test_two_processes_share_one_cache(server, tmp_path):
    """Racing processes on one cache both succeed, run after run."""
    import sys
    server.delay = 0.02
    cache = str(tmp_path / "shared-cache")
    cmd = [sys.executable, "-m", "piwcheck", "--json", "--abi", "cp311",
           "--platform", "linux_armv7l", "--cache-dir", cache,
           *server.only, "numpy", "cryptography", "pillow",
           "gpiozero", "scipy<1.14"]
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = []
    for _ in range(3):
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=root)
                 for _ in range(2)]
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            # piwheels alone: pip takes pillow 10.4.0
            assert proc.returncode == 0, err
            assert err == b""
            results.append(json.loads(out)["packages"])
    assert all(r == results[0] for r in results)
    assert 304 in server.statuses


def test_https_proxy_with_custom_ca(certificate, server, capsys,
                                    monkeypatch):
    """HTTPS through an HTTPS_PROXY (a CONNECT tunnel), trusting the
    server's certificate through REQUESTS_CA_BUNDLE."""
    from piwserver import PiwheelsServer
    tls = PiwheelsServer().start(tls=certificate)
    try:
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", server.url)
        monkeypatch.setenv("https_proxy", server.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
        code, pkgs, err, took = check(capsys, tls, "numpy")
        assert code == 0 and pkgs["numpy"]["status"] == "ok", err
        assert server.tunnels >= 1
        assert tls.count("numpy") == 1
    finally:
        tls.stop()


def test_dead_proxy_is_one_line(capsys, monkeypatch):
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    start = time.monotonic()
    code, out, err = run(capsys, *FAST, *piw("http://piwheels.invalid"),
                         "--trusted-host", "piwheels.invalid", "numpy")
    assert code == 3 and time.monotonic() - start < 3.5
    reason = json.loads(out)["packages"][0]["reason"]
    assert "through the proxy" in reason
    assert err.count("\n") == 1


@pytest.mark.parametrize("route", ["http-proxy", "https", "https-proxy"])
def test_slow_headers_bounded_on_every_route(certificate, server, capsys,
                                             monkeypatch, route):
    """The whole-answer bound holds through proxies and TLS too, where
    urllib3 makes its connections in other pools."""
    from piwserver import PiwheelsServer
    tls = PiwheelsServer().start(tls=certificate)
    try:
        if route != "https":  # no_proxy (set for the tests) would skip it
            for name in ("no_proxy", "NO_PROXY"):
                monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
        if route == "http-proxy":
            monkeypatch.setenv("http_proxy", server.url)
            monkeypatch.setenv("HTTP_PROXY", server.url)
            target = server
            url = "http://piwheels.invalid"
        else:
            if route == "https-proxy":
                monkeypatch.setenv("https_proxy", server.url)
                monkeypatch.setenv("HTTPS_PROXY", server.url)
            target = tls
            url = tls.url
        target.faults["numpy"] = "trickle-headers"
        start = time.monotonic()
        code, out, err = run(capsys, *FAST, *piw(url), "numpy", "RPi.GPIO",
                             "--trusted-host", "piwheels.invalid")
        took = time.monotonic() - start
        found = pkgs(json.loads(out))
        assert code == 3
        assert "the answer took longer than 3 s" in found["numpy"]["reason"]
        assert found["rpi-gpio"]["status"] == "ok"
        assert took < 4.0, took
        if route == "https-proxy":
            assert server.tunnels >= 1
        if route == "http-proxy":
            assert server.proxied >= 1
    finally:
        tls.stop()


def test_warm_run_asks_for_dependencies_at_once(server, capsys):
    """With a warm cache, a dependency's revalidation does not wait for
    its parent's: cryptography -> cffi -> pycparser go out together."""
    run_pi(capsys, server, "cryptography")
    server.reset_log()
    server.delay = 0.5
    code, pkgs, err = run_pi(capsys, server, "cryptography")
    assert code == 0 and err == ""
    assert [p["name"] for p in pkgs] == ["cryptography", "cffi", "pycparser"]
    assert server.statuses == {304: 3}
    times = [t for t, path in server.arrivals]
    assert len(times) == 3
    assert max(times) - min(times) < 0.4  # not one delay after another


def test_a_changed_tree_is_followed_not_the_cached_one(fresh_server,
                                                       capsys):
    """Early fetches come from the cached documents; the report follows
    the fresh ones."""
    run_pi(capsys, fresh_server, "cryptography")
    doc = json.loads(fresh_server.documents["cryptography"])
    for release in doc["releases"].values():
        for f in release["files"].values():
            f["pip_dependencies"] = ["pycparser"]
    fresh_server.add("cryptography", doc)
    code, pkgs, err = run_pi(capsys, fresh_server, "cryptography")
    assert code == 0 and err == ""
    assert [p["name"] for p in pkgs] == ["cryptography", "pycparser"]
    assert pkgs[1]["required_by"] == ["cryptography"]


def test_tls_errors_are_one_readable_line(tmp_path, capsys, monkeypatch):
    """#13.8: a self-signed certificate, and a CA bundle whose certificate
    names no subjectAltName: a whole, short reason, no urllib3 warning and
    no raw connection-pool text."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    from piwserver import PiwheelsServer
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    server = PiwheelsServer().start(tls=(str(cert), str(key)))
    try:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        code, pkgs, err, took = check(capsys, server, "numpy")
        reason = pkgs["numpy"]["reason"]
        assert code == 3 and reason.endswith(
            "TLS failed: certificate verify failed: self-signed "
            "certificate"), reason
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        code, pkgs, err, took = check(capsys, server, "numpy")
        # urllib3 1.26.5 (bullseye) refuses it, later ones take the CN
        assert "Warning" not in err, err
        if code != 0:
            reason = pkgs["numpy"]["reason"]
            assert code == 3 and "TLS failed:" in reason
            assert "HTTPSConnectionPool" not in reason and "Max retries" \
                not in reason and "(_ssl" not in reason, reason
            assert err.count("\n") == 1, err
    finally:
        server.stop()


def test_ctrl_c_stops_within_a_second(tmp_path):
    """#13.2: SIGINT to a real process checking a 64-line file against a
    server that answers after 5 s: 'interrupted', exit 130, within a
    second, not after the queue drains.  The child gets SIGINT's default
    disposition, unblocked, whatever this process has (a suite run with
    SIGINT ignored, by nohup or `cmd &` in a script, would pass it on:
    Python then installs no KeyboardInterrupt handler)."""
    import signal
    import sys

    def sigint_default():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])

    from piwserver import PiwheelsServer
    server = PiwheelsServer(delay=5.0).start()
    try:
        req = tmp_path / "req.txt"
        req.write_text("".join("pkg-{}\n".format(i) for i in range(64)))
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        proc = subprocess.Popen(
            [sys.executable, "-m", "piwcheck", "--no-cache", "-j", "4",
             "--abi", "cp311", "--platform", "linux_armv7l"] +
            piw(server.url) + ["-r", str(req)], cwd=root, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=sigint_default)
        deadline = time.monotonic() + 20
        while server.count() < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # until it is waiting on answers
        assert server.count() >= 4
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - start
    finally:
        server.stop()
    assert proc.returncode == 130, err
    assert err.decode().strip().endswith("piwcheck: interrupted")
    assert "Traceback" not in err.decode()
    assert took < 1.0, took


def test_debug_shows_the_traceback_of_a_failing_index(server, capsys,
                                                      monkeypatch):
    """DEBUG=1: the traceback of the failed fetch on stderr, once, as
    well as the usual line; the report is the same."""
    monkeypatch.setenv("DEBUG", "1")
    server.faults["numpy"] = "reset"
    code, pkgs, err, took = check(capsys, server, "numpy", "RPi.GPIO")
    assert code == 3 and pkgs["numpy"]["status"] == "error"
    assert "the connection was reset" in pkgs["numpy"]["reason"]
    assert pkgs["rpi-gpio"]["status"] == "ok"
    assert "Traceback (most recent call last)" in err
    assert err.count("\npiwcheck.errors.FetchError: ") == 1, err
    assert err.splitlines()[-1].startswith("piwcheck: numpy: ")
