# SPDX-License-Identifier: BSD-3-Clause
"""piwcheck against the catalogue of hostile answers (tests/hostile.py):
each in a child process under a 1 GB address-space limit, two projects a
run (the hostile one and a good one on the same index): never a
traceback, the hostile one's one-line error (exit 3) or, where pip skips
the bad files, the good file chosen; the good project reported; under
200 MB of peak RSS and 10 s each."""

import json
import os
import subprocess
import sys

import pytest

import hostile
import piwcheck
from hostile import CATALOGUE
from piwserver import PiwheelsServer
from pypiserver import PypiServer

from helpers import native_timing  # noqa: E402

pytestmark = native_timing

OPTIONS = ["--json", "--no-deps", "--timeout", "2",
           "--platform", "linux_armv7l", "--abi", "cp311"]
#: The good project beside the hostile one, on each kind of index.
GOOD = {"piwheels": "rpi-gpio", "simple": "annotated-types",
        "stats": "rpi-gpio"}
MAX_RSS_MB = 200
MAX_SECONDS = 10


def name_of(entry):
    return "evil-" + entry.id


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """{id: result} of every entry of the catalogue (also written to the
    file $HOSTILE_DUMP names, if set, to look at)."""
    piw, pypi = PiwheelsServer().start(), PypiServer().start()
    servers = [piw, pypi]
    jobs = []
    for entry in CATALOGUE:
        name = name_of(entry)
        if entry.site == "piwheels":
            piw.faults[name] = entry.play
            only = piw.only
        elif entry.site == "simple":
            pypi.faults[name] = entry.play
            only = ["--piwheels-url", piw.url] + pypi.only
        else:  # the site's /packages.json
            stats = PiwheelsServer().start()
            stats.faults["packages.json"] = entry.play
            servers.append(stats)
            only = stats.only
        jobs.append([entry.id, OPTIONS + only + [name, GOOD[entry.site]]])
    # this piwcheck, whether installed or not
    root = os.path.dirname(os.path.dirname(piwcheck.__file__))
    path = os.pathsep.join([root] + [p for p in [
        os.environ.get("PYTHONPATH")] if p])
    env = dict(os.environ, PYTHONPATH=path,
               no_proxy="127.0.0.1,localhost",
               NO_PROXY="127.0.0.1,localhost", PIP_CONFIG_FILE=os.devnull,
               PIWCHECK_PIWHEELS_URL="http://127.0.0.1:9",
               XDG_CACHE_HOME=str(tmp_path_factory.mktemp("cache")))
    for key in list(env):
        if key.startswith("PIP_") and key != "PIP_CONFIG_FILE" or \
                key in ("VIRTUAL_ENV", "DEBUG"):
            del env[key]
    try:
        proc = subprocess.run(
            [sys.executable, hostile.__file__], input=json.dumps(jobs),
            capture_output=True, text=True, env=env, timeout=600)
    finally:
        for server in servers:
            server.stop()
    assert proc.returncode == 0, proc.stderr
    if os.environ.get("HOSTILE_DUMP"):
        with open(os.environ["HOSTILE_DUMP"], "w") as f:
            f.write(proc.stdout)
    return json.loads(proc.stdout)


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e.id for e in CATALOGUE])
def test_hostile_answer(results, entry):
    got = results[entry.id]
    err = got["stderr"]
    assert "Traceback" not in err and got["code"] in (0, 1, 3), err
    assert got["rss_kb"] / 1024 < MAX_RSS_MB, got["rss_kb"]
    assert got["seconds"] < MAX_SECONDS, got["seconds"]
    pkgs = {p["name"]: p for p in json.loads(got["stdout"])["packages"]}
    assert pkgs[GOOD[entry.site]]["status"] == "ok", pkgs
    evil = pkgs[name_of(entry)]
    if entry.status == "error":
        assert got["code"] == 3
        assert evil["status"] == "error", evil
        words = entry.words if isinstance(entry.words, tuple) else (
            entry.words,)
        assert any(w in evil["reason"] for w in words), evil["reason"]
        assert "\n" not in evil["reason"]
        assert err.count("\n") == 1 and err.startswith(
            "piwcheck: {}: ".format(name_of(entry))), err
    elif entry.status is not None:
        assert evil["status"] == entry.status, evil
        if entry.words:
            assert evil["version"] == entry.words
    assert len(err) < 500, err


def test_the_catalogue_is_counted(results):
    """How many hostile documents the suite serves (reported by -v)."""
    sites = {e.site for e in CATALOGUE}
    assert len(results) == len(CATALOGUE) >= 50 and sites == set(GOOD)
