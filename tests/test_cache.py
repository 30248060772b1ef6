# SPDX-License-Identifier: BSD-3-Clause
"""The cache's own files (piwcheck.net.cache): HTTP entries and parsed
models, on a real directory."""

import json
import os
import pickle
import subprocess
import sys

import pytest

from helpers import load, run_pi
from piwcheck.net.cache import DirCache, ModelCache

URL = "https://www.piwheels.org/project/numpy/json/"


def test_model_round_trip(tmp_path):
    models = ModelCache(str(tmp_path))
    project = load("numpy")
    key = models.body_key(b"the body")
    models.set(URL, key, project)
    again = models.get(URL, key)
    assert again == project and again is not project
    assert models.get(URL, models.body_key(b"another body")) is None
    assert models.get(URL.replace("numpy", "scipy"), key) is None


def _entry(tmp_path):
    models = ModelCache(str(tmp_path))
    key = models.body_key(b"the body")
    models.set(URL, key, load("numpy"))
    path = os.path.join(models.directory, os.listdir(models.directory)[0])
    return models, key, path


@pytest.mark.parametrize("damage", [
    lambda data: b"",
    lambda data: data[:len(data) // 2],
    lambda data: data[:-10] + b"0123456789",  # payload no longer matches
    lambda data: b"piwcheck-model 0000000000000000" + data[31:],  # stamp
    lambda data: b"\x00\xff" * 1000,
], ids=["empty", "truncated", "flipped", "other-version", "garbage"])
def test_damaged_model_is_a_miss(tmp_path, damage):
    models, key, path = _entry(tmp_path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(damage(data))
    assert models.get(URL, key) is None


class _Remove:
    """A pickle that removes a file when loaded."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.remove, (self.path,)


def test_model_entry_builds_only_model_classes(tmp_path):
    """Even an entry with a valid checksum cannot run anything."""
    models, key, path = _entry(tmp_path)
    victim = tmp_path / "victim"
    victim.write_text("still here")
    payload = pickle.dumps(_Remove(str(victim)))
    import hashlib
    with open(path, "rb") as f:
        stamp = f.readline()
    with open(path, "wb") as f:
        f.write(stamp + key + b"\n" +
                hashlib.sha256(payload).hexdigest().encode() + b"\n" +
                payload)
    assert models.get(URL, key) is None
    assert victim.read_text() == "still here"


def test_dircache_set_get_delete(tmp_path):
    cache = DirCache(str(tmp_path))
    assert cache.get("k") is None
    cache.set("k", b"value")
    assert cache.get("k") == b"value"
    cache.delete("k")
    cache.delete("k")  # twice is fine
    assert cache.get("k") is None
    assert not [f for f in os.listdir(cache.directory)
                if f.startswith(".tmp-")]


def test_unchanged_documents_are_not_parsed_again(server, capsys,
                                                  monkeypatch):
    import piwcheck.indexes.piwheels as piwheels
    parsed = []
    real = piwheels.parse_project
    monkeypatch.setattr(piwheels, "parse_project",
                        lambda doc, name, index="": parsed.append(name) or
                        real(doc, name, index))
    code, first, _ = run_pi(capsys, server, "cryptography", "numpy")
    assert len(parsed) == 4
    del parsed[:]
    server.reset_log()
    code, second, err = run_pi(capsys, server, "cryptography", "numpy")
    assert second == first and err == ""
    assert server.statuses == {304: 4}
    assert parsed == []  # every model came from the cache


def test_models_are_good_in_another_process(server, tmp_path):
    """Tags hash differently in each process (PYTHONHASHSEED): a model
    written by one process must select the same wheels in another."""
    cmd = [sys.executable, "-m", "piwcheck", "--json", "--abi", "cp311",
           "--platform", "linux_armv7l", *server.only,
           "--cache-dir", str(tmp_path / "c"), "numpy", "cryptography",
           "RPi.GPIO"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outs = []
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run(cmd, capture_output=True, env=env, cwd=root)
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout)["packages"])
    assert outs[0] == outs[1] == outs[2]
    assert all(p["status"] == "ok" for p in outs[2])
    assert len(os.listdir(tmp_path / "c" / "model")) == 5  # cffi, pycparser


def test_each_model_is_read_once_on_a_warm_run(server, capsys,
                                               monkeypatch):
    """Read early to follow dependencies, a model is not read again when
    its document comes back unchanged."""
    import piwcheck.net.cache as cache
    run_pi(capsys, server, "cryptography")
    loads = []
    real = cache._ModelUnpickler.load
    monkeypatch.setattr(cache._ModelUnpickler, "load",
                        lambda self: loads.append(1) or real(self))
    server.reset_log()
    server.delay = 0.3  # the early reads are done before answers come
    code, pkgs, err = run_pi(capsys, server, "cryptography")
    assert code == 0 and err == ""
    assert server.statuses == {304: 3}
    assert len(loads) == 3


def test_not_found_entry(tmp_path):
    """A 404 kept for a URL replaces its model, and a model replaces it;
    neither is the other, and a damaged one is neither."""
    models = ModelCache(str(tmp_path))
    assert models.not_found(URL) is None
    models.set(URL, models.body_key(b"the body"), load("numpy"))
    models.set_not_found(URL, URL + " answered 404")
    assert models.not_found(URL) == URL + " answered 404"
    assert models.latest(URL) is None
    assert models.get(URL, b"not-found") is None
    models.set(URL, models.body_key(b"the body"), load("numpy"))
    assert models.not_found(URL) is None and models.latest(URL)
    models.set_not_found(URL, "gone")
    path = os.path.join(models.directory, os.listdir(models.directory)[0])
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-1] + b"x")
    assert models.not_found(URL) is None and models.latest(URL) is None
    models.drop(URL)
    models.drop(URL)  # twice is fine
    assert os.listdir(models.directory) == []


def test_a_disk_that_takes_no_write_is_one_warning(server, tmp_path):
    """Every write to a file fails (RLIMIT_FSIZE 0: EFBIG), the cache's,
    /tmp's and CacheControl's buffer of each body alike, as on a Pi
    whose one SD card is full: one warning, and every package checked
    without the cache."""
    import resource

    def no_writes():
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep +
               os.environ.get("PYTHONPATH", ""),
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("DEBUG", None)
    p = subprocess.run(
        [sys.executable, "-m", "piwcheck", "--json", "-j", "1",
         "--platform", "linux_armv7l", "--abi", "cp311", *server.only,
         "numpy", "rpi-gpio", "gpiozero"], env=env, cwd=str(tmp_path),
        capture_output=True, text=True, timeout=120, preexec_fn=no_writes)
    doc = json.loads(p.stdout)
    assert {x["name"]: x["status"] for x in doc["packages"]
            if x["name"] in ("numpy", "rpi-gpio", "gpiozero")} == \
        {"numpy": "ok", "rpi-gpio": "ok", "gpiozero": "ok"}, p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "piwcheck: warning: the cache cannot be written ("), p.stderr
    assert lines[0].endswith("); the check went on without it")
    assert p.returncode == 0


def test_a_304_that_changes_nothing_leaves_the_entry(server, pypi, capsys,
                                                     tmp_path):
    """A document that comes back 304, never fresh (max-age=0) and with
    the same validators, is not written again (CacheControl rewrote the
    whole entry on each 304); a 304 that makes it fresh (max-age=600) is
    stored, and the next run asks nothing."""
    from helpers import PI, run_json

    args = [*PI, "--index-url", pypi.index, "--piwheels-url", server.url,
            "--cache-dir", str(tmp_path / "c"), "--no-deps", "numpy"]
    http = tmp_path / "c" / "http"

    def entries():  # a write replaces the file: a new inode
        return {p.name: p.stat().st_ino for p in http.iterdir()}

    code, first, _ = run_json(capsys, *args)
    before = entries()
    pypi.reset_log()
    code, second, err = run_json(capsys, *args)
    assert code == 0 and second == first, err
    assert pypi.statuses == {304: 1}
    assert entries() == before
    pypi.max_age = 600
    try:
        pypi.reset_log()
        code, third, err = run_json(capsys, *args)
        assert pypi.statuses == {304: 1} and third == first, err
        assert entries() != before
        pypi.reset_log()
        code, fourth, err = run_json(capsys, *args)
        assert pypi.statuses == {} and fourth == first, err
    finally:
        pypi.max_age = 0
