# SPDX-License-Identifier: BSD-3-Clause
"""--offline after an online run gives that run's answers: documents,
404s and metadata (PEP 658 files, release JSON, "no such release") all
come back from the cache; and a cached body that does not parse is
dropped and fetched again, whole."""

import hashlib
import os

from helpers import PI, run_json, run_pi

#: Dependencies on both indexes (cryptography -> cffi -> pycparser;
#: pydantic -> pydantic-core, ...), projects piwheels lacks but PyPI has
#: (pydantic, pypi-only), one no index has, and a release chosen from
#: piwheels whose dependencies come from PyPI's metadata (numpy).
NAMES = ["cryptography", "pydantic", "pypi-only", "gpiozero", "numpy",
         "no-such-project"]


def test_offline_repeats_the_online_run(both, server, pypi, capsys):
    code, online, err = run_json(capsys, *PI, *both, *NAMES)
    assert code == 1, err  # one project is not found
    statuses = {p["name"]: p["status"] for p in online["packages"]}
    assert statuses["pypi-only"] == statuses["pydantic"] == "ok"
    assert statuses["no-such-project"] == "not-found"
    server.reset_log()
    pypi.reset_log()
    code2, offline, err2 = run_json(capsys, *PI, *both, "--offline", *NAMES)
    assert code2 == code
    assert offline["packages"] == online["packages"]
    assert "not in cache" not in err2
    assert server.count() == pypi.count() == 0


def test_offline_metadata_piece_missing_is_said_once(both, server, pypi,
                                                      capsys):
    """Documents cached by a --no-deps run, metadata never read: said
    once, not once per place it was looked for; and its dependencies
    unread, the package is no "ok" (an error, exit 3)."""
    run_json(capsys, *PI, *both, "--no-deps", "pydantic")
    code, doc, _ = run_json(capsys, *PI, *both, "--offline", "pydantic")
    pydantic = doc["packages"][0]
    assert not [w for w in pydantic["warnings"] if "metadata" in w]
    assert pydantic["status"] == "error" and code == 3
    assert pydantic["reason"] == \
        "its dependencies could not be read: not in cache"


def test_a_404_is_asked_again_online(fresh_server, capsys):
    """A remembered 404 answers --offline only: online asks again, and a
    project that has appeared since is found (offline too, after)."""
    code, pkgs, _ = run_pi(capsys, fresh_server, "--no-deps", "late")
    assert pkgs[0]["status"] == "not-found"
    code, offline, _ = run_pi(capsys, fresh_server, "--offline",
                              "--no-deps", "late")
    assert offline == pkgs
    fresh_server.add("late", fresh_server.documents["colorzero"].replace(
        b"colorzero", b"late"))
    fresh_server.reset_log()
    code, pkgs, _ = run_pi(capsys, fresh_server, "--no-deps", "late")
    assert fresh_server.count("late") == 1
    assert pkgs[0]["status"] == "ok"
    code, offline, _ = run_pi(capsys, fresh_server, "--offline",
                              "--no-deps", "late")
    assert offline == pkgs


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
