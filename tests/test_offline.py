# SPDX-License-Identifier: BSD-3-Clause
"""A cached body that does not parse is dropped and fetched again,
whole."""

import hashlib
import os

from helpers import run_pi

def _http_entries():
    root = os.path.join(os.environ["XDG_CACHE_HOME"], "piwcheck", "http")
    return [os.path.join(root, f) for f in os.listdir(root)]


def test_a_damaged_cached_body_is_fetched_again(server, capsys):
    """A cached entry whose body no longer parses (the entry itself
    still reads): revalidating it would bring a 304 and the same bytes,
    so it is dropped and fetched whole."""
    code, warm, _ = run_pi(capsys, server, "--no-deps", "numpy")
    [path] = _http_entries()
    with open(path, "rb") as f:
        data = f.read()
    assert data.count(b'"releases"') == 1
    with open(path, "wb") as f:  # same length: the entry still decodes
        f.write(data.replace(b'"releases"', b'"releasez"'))
    server.reset_log()
    code, again, err = run_pi(capsys, server, "--no-deps", "numpy")
    assert code == 0 and again == warm and err == ""
    assert server.statuses == {304: 1, 200: 1}
    refetch = server.log[-1][3]
    assert "If-None-Match" not in refetch and \
        "If-Modified-Since" not in refetch
    server.reset_log()
    run_pi(capsys, server, "--no-deps", "numpy")
    assert server.statuses == {304: 1}  # and cached again


def test_a_bad_body_then_a_good_one_with_the_same_etag(fresh_server,
                                                         capsys):
    """A server answers a bad body once, with the good body's ETag:
    that run's error; the next run's 304 brings back the cached bad
    bytes, which are dropped and fetched again: ok."""
    good = fresh_server.documents["colorzero"]
    etag = '"{}"'.format(hashlib.sha1(good).hexdigest()[:16])
    served = []

    def bad_once(h, name):
        if served:
            return False
        served.append(1)
        h.send_body(200, b'{"releases": "broken"}',
                    headers={"ETag": etag, "Cache-Control": "max-age=0"},
                    name=name)
    fresh_server.faults["colorzero"] = bad_once
    code, pkgs, _ = run_pi(capsys, fresh_server, "--no-deps", "colorzero")
    assert code == 3 and pkgs[0]["status"] == "error"
    assert "'releases' is str" in pkgs[0]["reason"]
    # offline, the same answer as the run before
    assert run_pi(capsys, fresh_server, "--offline", "--no-deps",
                  "colorzero")[:2] == (code, pkgs)
    fresh_server.reset_log()
    code, pkgs, err = run_pi(capsys, fresh_server, "--no-deps", "colorzero")
    assert code == 0 and pkgs[0]["status"] == "ok", err
    assert fresh_server.statuses == {304: 1, 200: 1}


def test_a_body_that_stays_bad_is_the_packages_error(fresh_server,
                                                       capsys):
    """Fetched again once, the fresh body fails too: that package's
    error, said as the reader says it."""
    fresh_server.add("colorzero", b'{"releases": []}')
    first = run_pi(capsys, fresh_server, "--no-deps", "colorzero")
    assert first[0] == 3 and first[1][0]["status"] == "error"
    assert "'releases' is list" in first[1][0]["reason"]
    fresh_server.reset_log()
    again = run_pi(capsys, fresh_server, "--no-deps", "colorzero")
    assert again == first
    assert fresh_server.statuses == {304: 1, 200: 1}
