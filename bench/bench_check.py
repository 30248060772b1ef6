#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark: one package vs a 40-requirement project (~60 packages with
dependencies) against a local piwheels-format server that adds a delay to
every answer; the same project with a cold and a warm cache, on latency
alone and on a modelled slow link, with the floor any warm run has; peak
RSS and start-up time.  Prints figures; asserts nothing.

    python3 bench/bench_check.py [--delay 0.1] [--runs 3] [--bandwidth 2]
    sudo python3 bench/bench_check.py --root /var/tmp/piwcheck-roots/bookworm-armhf

--root runs the cache figures in an emulated ARM root built by
tests/pi/pi_check.py (its Python and libraries, this tree's piwcheck): a
Pi-like CPU, where decoding documents costs what it costs on a Pi.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER = os.path.join(ROOT, "tests", "piwserver.py")  # imported by main

ROOTS, MIDS, LEAVES = 40, 14, 6  # 60 packages in all


def _file(name, version, abi, plat, builder, apt, deps):
    fn = "{}-{}-{}-{}-{}.whl".format(name.replace("-", "_"), version,
                                     abi if abi != "cp37m" else "cp37",
                                     abi, plat)
    return fn, {
        "file_url": "https://www.piwheels.org/simple/{}/{}".format(name, fn),
        "filehash": hashlib.sha256(fn.encode()).hexdigest(),
        "filesize": 123456, "builder_abi": abi, "file_abi_tag": abi,
        "platform": plat, "requires_python": ">=3.7",
        "apt_dependencies": apt, "pip_dependencies": deps}


def _document(name, deps, releases=25):
    """A document the size of a busy real project: many releases, each
    built for four ABIs on two platforms."""
    rels = {}
    for r in range(releases):
        version = "1.{}.0".format(r)
        files = {}
        for abi in ("cp37m", "cp39", "cp311", "cp313"):
            for plat in ("linux_armv7l", "linux_armv6l"):
                fn, f = _file(name, version, abi, plat, abi,
                              ["libc6", "libgcc-s1", "zlib1g"], deps)
                files[fn] = f
        rels[version] = {"released": "2024-01-01 00:00:00",
                         "prerelease": False, "yanked": False,
                         "skip_reason": "", "files": files}
    return {"package": name, "summary": "benchmark project " + name,
            "pypi_url": "", "piwheels_url": "", "releases": rels}


def make_data(folder):
    """60 projects: 40 roots, each depending on one of 14 mid-level
    projects, each of those on one of 6 leaves; returns the file path."""
    mids = ["mid-{:02d}".format(i) for i in range(MIDS)]
    leaves = ["leaf-{:02d}".format(i) for i in range(LEAVES)]
    roots = ["root-{:02d}".format(i) for i in range(ROOTS)]
    for i, name in enumerate(roots):
        deps = [mids[i % MIDS]]
        with open(os.path.join(folder, name + ".json"), "w") as f:
            json.dump(_document(name, deps), f)
    for i, name in enumerate(mids):
        with open(os.path.join(folder, name + ".json"), "w") as f:
            json.dump(_document(name, [leaves[i % LEAVES]]), f)
    for name in leaves:
        with open(os.path.join(folder, name + ".json"), "w") as f:
            json.dump(_document(name, []), f)
    req = os.path.join(folder, "requirements.txt")
    with open(req, "w") as f:
        f.write("# 40 requirements\n")
        f.writelines("{}>=1.0\n".format(n) for n in roots)
    return req


class Runner:
    """Runs piwcheck here, or in an emulated root (``root``)."""

    def __init__(self, root=None):
        self.root = root
        if root:
            self.src = os.path.join(root, "tmp", "piwcheck-bench-src")
            shutil.rmtree(self.src, ignore_errors=True)
            shutil.copytree(os.path.join(ROOT, "piwcheck"),
                            os.path.join(self.src, "piwcheck"))

    def folder(self):
        """A scratch folder both sides see."""
        base = os.path.join(self.root, "tmp") if self.root else None
        return tempfile.mkdtemp(prefix="piwcheck-bench-", dir=base)

    def path(self, host_path):
        """``host_path`` as piwcheck sees it."""
        return "/" + os.path.relpath(host_path, self.root) if self.root \
            else host_path

    def cmd(self, *args):
        if not self.root:
            return piwcheck(*args)
        return ["chroot", self.root, "env", "PYTHONPATH=" + self.path(
            self.src), "python3", "-m", "piwcheck"] + list(args)

    def close(self):
        if self.root:
            shutil.rmtree(self.src, ignore_errors=True)


def cache_run(server, runner, req, common, folder, runs, label, jobs=16):
    """Cold and warm cache runs of the 40-requirement file, and the floor
    of a warm run: start-up, plus one delay for each round of ``jobs``
    conditional requests (every document is revalidated)."""
    cache = os.path.join(folder, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    base = [a for a in common if a != "--no-cache"]
    args = base + ["--cache-dir", runner.path(cache)]
    req = runner.path(req)
    server.reset_log()
    cold, _, _ = timed(runner.cmd(*args, "-r", req), 1)
    cold_counts = dict(server.statuses)
    server.reset_log()
    warm, warm_med, _ = timed(runner.cmd(*args, "-r", req), runs)
    warm_counts = {k: v // runs for k, v in server.statuses.items()}
    # start-up: the same run with a cache that has nothing, offline
    empty = runner.path(os.path.join(folder, "empty-cache"))
    start, _, _ = timed(runner.cmd(*base, "--cache-dir", empty, "--offline",
                                   "-r", req), runs, codes=(3,))
    rounds = math.ceil(sum(warm_counts.values()) / jobs)
    floor = start + rounds * server.delay
    print("cache, 40 requirements, {}: cold {:.2f} s, warm {:.2f} s "
          "(median {:.2f}); warm/cold {:.2f}  (target <= 0.5)".format(
              label, cold, warm, warm_med, warm / cold))
    print("  answers: cold run {}; warm run {} (per run)".format(
        _counts(cold_counts), _counts(warm_counts)))
    print("  warm floor: start-up {:.2f} s + {} rounds of {} requests x "
          "{:g} s = {:.2f} s; best possible warm/cold {:.2f}".format(
              start, rounds, jobs, server.delay, floor, floor / cold))
    print("  warm / floor {:.2f}  (target <= 1.15); warm - floor {:.0f} ms"
          .format(warm / floor, (warm - floor) * 1000))


def _counts(statuses):
    return ", ".join("{} x {}".format(n, code)
                     for code, n in sorted(statuses.items())) or "none"


def piwcheck(*args):
    return [sys.executable, "-m", "piwcheck"] + list(args)


def timed(cmd, runs, codes=(0, 1)):
    """Best and median wall time of ``cmd`` over ``runs`` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if proc.returncode not in codes:
            sys.exit("failed: {}\n{}".format(" ".join(cmd),
                                             proc.stderr.decode()))
    return min(times), statistics.median(times), proc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bandwidth", type=float, default=2.0,
                        help="MB/s of the modelled link for the cache runs "
                             "(a Pi Zero W on Wi-Fi manages about this)")
    parser.add_argument("--root", metavar="DIR",
                        help="run the cache figures in this emulated ARM "
                             "root (built by tests/pi/pi_check.py)")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(SERVER))
    from piwserver import PiwheelsServer

    runner = Runner(args.root)
    folder = runner.folder()
    try:
        req = make_data(folder)
        server = PiwheelsServer(folder, delay=args.delay).start()
        try:
            if args.root:
                emulated(server, runner, req, args, folder)
            else:
                run(server, runner, req, args, folder)
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder)
        runner.close()


def emulated(server, runner, req, args, folder):
    common = ["--json", "--abi", "cp311", "--platform", "linux_armv7l",
              "--piwheels-url", server.url, "--index-url", server.index]
    print("emulated root {}; server: {} s added to every answer".format(
        args.root, args.delay))
    cache_run(server, runner, req, common, folder, args.runs,
              "latency only")


def _max_rss(cmd):
    """Peak RSS (MB) of ``cmd`` alone, measured in a child of its own."""
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe] + cmd,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return int(out.split()[-1]) / 1024


def pypi_twin(server, delay):
    """A started PyPI fake listing, for each of ``server``'s projects, an
    sdist and an aarch64 wheel of every release, with the same
    dependencies (with specifiers) in both indexes' metadata."""
    from pypiserver import PypiServer

    pypi = PypiServer(None, delay=delay).start()
    for name, body in server.documents.items():
        stem = name.replace("-", "_")
        releases = json.loads(body)["releases"]
        deps = next(iter(next(iter(releases.values()))["files"]
                         .values()))["pip_dependencies"]
        requires = ["{}>=1.0,<1.{}".format(d, len(releases) - 5)
                    for d in deps]
        pypi.files.add(name, [
            {"filename": f, "requires_python": ">=3.7",
             "requires_dist": requires}
            for v in releases
            for f in ("{}-{}.tar.gz".format(stem, v),
                      "{}-{}-cp311-cp311-manylinux_2_17_aarch64."
                      "manylinux2014_aarch64.whl".format(stem, v))])
        for e in server.files.entries[name]:  # the same metadata
            e["requires_dist"] = requires
    # real indexes serve stored pages; the fakes make them on first use
    for files in (pypi.files, server.files):
        for name in files.entries:
            for kind in ("json", "html"):
                files.page(kind, name, "", True)
    return pypi


def two_indexes(server, req, args):
    """(a) and (b) again with PyPI as the index and piwheels as the extra
    one, as on Raspberry Pi OS: every project on both, PyPI listing an
    sdist and an aarch64 wheel of each release, every dependency with a
    real specifier in both indexes' metadata; then real pip's dry run of
    the same tree against the same servers."""
    pypi = pypi_twin(server, args.delay)
    try:
        both = ["--json", "--abi", "cp311", "--platform", "linux_armv7l",
                "--python-version", "3.11.2", "--only-binary", ":all:",
                "--piwheels-url", server.url, "--index-url", pypi.index,
                "--extra-index-url", server.index, "--no-cache", "--isolated"]
        a, a_med, _ = timed(piwcheck(*both, "leaf-00"), args.runs)
        b, b_med, proc = timed(piwcheck(*both, "-r", req), args.runs)
        found = json.loads(proc.stdout)["packages"]
        print("two indexes (PyPI + piwheels, {} s each), dependencies with "
              "specifiers:".format(args.delay))
        print("(a2) one package:                {:6.2f} s (median {:.2f})"
              .format(a, a_med))
        print("(b2) 40 requirements, {} packages: {:6.2f} s (median {:.2f})"
              .format(len(found), b, b_med))
        print("ratio (b2)/(a2): {:.2f}  (target <= 3)".format(b / a))
        print("peak RSS of (b2): {:.1f} MB  (target <= 60)".format(
            _max_rss(piwcheck(*both, "-r", req))))
        judge = os.environ.get("PIWCHECK_JUDGE_PYTHON")
        if not judge:
            print("pip's dry run: skipped (set PIWCHECK_JUDGE_PYTHON to a "
                  "python with pip >= 24.2)")
            return
        cmd = [judge, "-m", "pip", "install", "--dry-run", "--report",
               os.devnull, "--only-binary", ":all:", "--isolated",
               "--ignore-installed", "--no-cache-dir", "-q",
               "--disable-pip-version-check", "--index-url", pypi.index,
               "--extra-index-url", server.index, "--python-version",
               "3.11.2", "--implementation", "cp", "--abi", "cp311",
               "--platform", "linux_armv7l", "-r", req]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        took = time.perf_counter() - start
        if proc.returncode != 0:
            print("pip's dry run failed: " + proc.stderr[-300:])
            return
        print("pip install --dry-run --report, the same tree: {:.2f} s; "
              "(b2)/pip {:.3f}  (target <= 0.1)".format(took, b / took))
    finally:
        pypi.stop()


def run(server, runner, req, args, folder):
    url = server.url
    common = ["--json", "--abi", "cp311", "--platform", "linux_armv7l",
              "--piwheels-url", url, "--index-url", server.index,
              "--no-cache"]
    size = os.path.getsize(os.path.join(os.path.dirname(req),
                                        "root-00.json"))
    print("server: {} s added to every answer; documents {:.0f} kB each"
          .format(args.delay, size / 1000))
    a, a_med, _ = timed(piwcheck(*common, "leaf-00"), args.runs)
    b, b_med, proc = timed(piwcheck(*common, "-r", req), args.runs)
    found = len(json.loads(proc.stdout)["packages"])
    c, c_med, _ = timed(piwcheck(*common, "-j", "1", "-r", req), 1)
    print("(a) one package:                {:6.2f} s (median {:.2f})".format(
        a, a_med))
    print("(b) 40 requirements, {} packages: {:6.2f} s (median {:.2f})"
          .format(found, b, b_med))
    print("(c) the same, concurrency 1:    {:6.2f} s".format(c))
    print("ratio (b)/(a): {:.2f}  (target <= 3)".format(b / a))
    print("ratio (c)/(b): {:.2f}  (what concurrency saves)".format(c / b))
    two_indexes(server, req, args)
    for bandwidth in (None, args.bandwidth):
        server.bandwidth = bandwidth and bandwidth * 1e6
        cache_run(server, runner, req, common, folder, args.runs,
                  "latency only" if bandwidth is None else
                  "latency + a {:g} MB/s link".format(bandwidth))
    server.bandwidth = None
    print("peak RSS of a piwcheck process, (b): {:.1f} MB".format(
        _max_rss(piwcheck(*common, "-r", req))))
    bare, _, _ = timed([sys.executable, "-c", "pass"], 10)
    version, _, _ = timed(piwcheck("--version"), 10)
    print("start-up: python3 -c pass {:.0f} ms, piwcheck --version {:.0f} ms"
          " ({:.1f}x)".format(bare * 1000, version * 1000, version / bare))
    imports = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "piwcheck", "--version"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        cwd=ROOT).stderr.splitlines()
    heavy = [line.split("|")[-1].strip() for line in imports
             if line.startswith("import time:") and any(
                 m in line for m in ("requests", "urllib3", "distro",
                                     "concurrent", "packaging.tags"))]
    print("heavy modules imported by --version: {}".format(
        ", ".join(sorted(set(h.split(".")[0] for h in heavy))) or "none"))


if __name__ == "__main__":
    main()
