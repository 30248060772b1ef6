#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark: peak RSS of piwcheck and of pip on 16 real projects of Home
Assistant's core (their FULL PyPI pages: ~20 MB, ~43,000 file entries),
both with --no-deps (every page is read; no dependency is followed).
Prints figures; asserts nothing.

    python3 bench/bench_memory.py [--data DIR] [--pip /work/venvs/judge/bin/python]

The pages are recorded once from https://pypi.org/simple/ into --data
(kept; delete the folder to record again) and served from 127.0.0.1 as
recorded (each answer after --delay, sent at --rate, so the pages
arrive together and in pieces as from a real index), but with each file's URL pointing at the local server.  pip
needs the chosen wheel's METADATA: a wheel asked for is fetched once
from PyPI's file host into --data and served from there, with range
requests.  piwheels is a local server that knows nothing (404).
"""

import argparse
import gzip
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
NAMES = ["aiohttp", "zeroconf", "dbus-fast", "multidict", "yarl",
         "frozenlist", "aiosignal", "attrs", "propcache", "async-timeout",
         "orjson", "cryptography", "cffi", "pycparser", "voluptuous",
         "bleak"]
#: What a bookworm-64 Pi (glibc 2.36, aarch64) accepts; pip does not
#: widen an explicit --platform.
PLATFORMS = [a for p in ["manylinux_2_{}_aarch64".format(v)
                         for v in range(36, 16, -1)] +
             ["manylinux2014_aarch64", "linux_aarch64"]
             for a in ("--platform", p)]
FILES_HOST = "https://files.pythonhosted.org"


def record(data):
    """The 16 pages, fetched once into ``data``/simple."""
    os.makedirs(os.path.join(data, "simple"), exist_ok=True)
    os.makedirs(os.path.join(data, "files"), exist_ok=True)
    for name in NAMES:
        path = os.path.join(data, "simple", name + ".json")
        if os.path.exists(path):
            continue
        req = urllib.request.Request("https://pypi.org/simple/{}/".format(
            name), headers={"Accept": JSON_TYPE})
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
        with open(path + ".tmp", "wb") as f:
            f.write(body)
        os.replace(path + ".tmp", path)


def serve(data, delay=0.0, rate=0.0):
    """(URL of the index, URL of an empty piwheels, server list)."""
    pages = {}
    for name in NAMES:
        with open(os.path.join(data, "simple", name + ".json"), "rb") as f:
            doc = json.load(f)
        for e in doc["files"]:
            if e["url"].startswith(FILES_HOST):
                e["url"] = "/files" + e["url"][len(FILES_HOST):]
        # gzipped, as PyPI sends them
        pages[name] = gzip.compress(json.dumps(doc).encode(), 6)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, code, body, ctype="application/octet-stream",
                  extra=()):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD":
                return
            # a real link's pace: the body arrives in pieces, over time
            step = 16384
            for at in range(0, len(body), step):
                self.wfile.write(body[at:at + step])
                if rate:
                    time.sleep(step / rate)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            time.sleep(delay)
            m = re.fullmatch(r"/simple/([^/]+)/", self.path)
            if m and m.group(1) in pages:
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    return self._send(200, pages[m.group(1)], JSON_TYPE,
                                      [("Content-Encoding", "gzip")])
                return self._send(200, gzip.decompress(pages[m.group(1)]),
                                  JSON_TYPE)
            if self.path.startswith("/files/") and ".." not in self.path:
                return self._file()
            return self._send(404, b"not found", "text/plain")

        def _file(self):
            if self.path.endswith(".metadata"):
                return self._send(404, b"not found", "text/plain")
            local = os.path.join(data, "files",
                                 self.path.rsplit("/", 1)[-1])
            with lock:
                if not os.path.exists(local):
                    with urllib.request.urlopen(
                            FILES_HOST + self.path[len("/files"):],
                            timeout=120) as r:
                        body = r.read()
                    with open(local + ".tmp", "wb") as f:
                        f.write(body)
                    os.replace(local + ".tmp", local)
            with open(local, "rb") as f:
                body = f.read()
            rng = re.fullmatch(r"bytes=(\d*)-(\d*)",
                               self.headers.get("Range", ""))
            if not rng:
                return self._send(200, body, extra=[("Accept-Ranges",
                                                     "bytes")])
            a, b = rng.groups()
            n = len(body)
            start, end = (n - int(b), n - 1) if not a else \
                (int(a), min(int(b), n - 1) if b else n - 1)
            start = max(start, 0)
            return self._send(206, body[start:end + 1], extra=[
                ("Accept-Ranges", "bytes"),
                ("Content-Range", "bytes {}-{}/{}".format(start, end, n))])

    class Empty(Handler):
        def do_GET(self):
            time.sleep(delay)
            self._send(404, b"not found", "text/plain")

    servers = []
    for cls in (Handler, Empty):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), cls)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    index = "http://127.0.0.1:{}/simple".format(servers[0].server_port)
    piw = "http://127.0.0.1:{}/".format(servers[1].server_port)
    return index, piw, servers


def peak(cmd, env=None):
    """(exit code, peak RSS in MB, stdout) of ``cmd``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status) \
        if hasattr(os, "waitstatus_to_exitcode") else status >> 8
    if proc.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace")[-2000:])
    return proc.returncode, usage.ru_maxrss / 1024, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/var/tmp/piwcheck-bench-memory")
    ap.add_argument("--pip", default="/work/venvs/judge/bin/python",
                    help="the Python whose pip is measured")
    ap.add_argument("--python", default=sys.executable,
                    help="the Python that runs piwcheck")
    ap.add_argument("--delay", type=float, default=0.3,
                    help="seconds before each answer, as a real index's "
                    "latency: the pages arrive together (default 0.3)")
    ap.add_argument("--rate", type=float, default=2.0,
                    help="MB/s each answer is sent at (default 2; 0: "
                    "at once)")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve_until_eof(args.data, args.delay, args.rate * 1e6)
    # The servers run in a process of their own: a child's ru_maxrss
    # starts at its parent's RSS when it is forked, so the measuring
    # process must stay small.
    server = subprocess.Popen([sys.executable, __file__, "--serve",
                               "--data", args.data, "--delay",
                               str(args.delay), "--rate", str(args.rate)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        index, piw, total, entries = server.stdout.readline().split()
        measure(args, index.decode(), piw.decode())
    finally:
        server.stdin.close()
        server.wait()


def serve_until_eof(data, delay, rate):
    """Record, serve, say where (and how large), until stdin closes."""
    record(data)
    total = sum(os.path.getsize(os.path.join(data, "simple", n + ".json"))
                for n in NAMES)
    entries = 0
    for n in NAMES:
        with open(os.path.join(data, "simple", n + ".json")) as f:
            entries += len(json.load(f)["files"])
    index, piw, servers = serve(data, delay, rate)
    print(index, piw, total, entries, flush=True)
    sys.stderr.write("{} projects, pages {:.1f} MB, {} file entries\n"
                     .format(len(NAMES), total / 1e6, entries))
    sys.stdin.read()
    for srv in servers:
        srv.shutdown()


def measure(args, index, piw):
    env = dict(os.environ, PYTHONPATH=ROOT, PIP_CONFIG_FILE=os.devnull)
    pip = [args.pip, "-m", "pip", "install", "--dry-run", "--report", "-",
           "--quiet", "--ignore-installed", "--only-binary=:all:"] + \
        PLATFORMS + [
           "--implementation", "cp",
           "--python-version", "3.11", "--no-deps", "--no-cache-dir",
           "--disable-pip-version-check", "--index-url", index] + NAMES
    code, rss, out = peak(pip, env)
    chosen = sorted(i["download_info"]["url"].rsplit("/", 1)[-1]
                    for i in json.loads(out)["install"]) if code == 0 else []
    print("pip (cold, no cache):       {:6.1f} MB  exit {}".format(rss, code))
    cache = tempfile.mkdtemp(prefix="bench-memory-")
    try:
        pw = [args.python, "-m", "piwcheck", "--pi", "bookworm-64",
              "--isolated", "--index-url", index, "--piwheels-url", piw,
              "--no-deps", "--format", "json", "--cache-dir", cache] + NAMES
        for label in ("cold", "warm"):
            code, rss, out = peak(pw, env)
            print("piwcheck ({}):             {:6.1f} MB  exit {}".format(
                label, rss, code))
            if label == "cold" and out:
                mine = sorted(_filenames(json.loads(out)))
                if mine == chosen:
                    print("  the same {} files as pip".format(len(mine)))
                else:
                    print("  files differ: pip {} / piwcheck {}".format(
                        chosen, mine))
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _filenames(doc):
    """The wheel file names in piwcheck's JSON report."""
    found = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("filename", "file") and isinstance(v, str) and \
                        v.endswith(".whl"):
                    found.append(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    return set(found)


if __name__ == "__main__":
    main()
