#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark: start-up, as ratios to ``python3 -c pass``: ``piwcheck
--version``, ``--help`` and a warm one-package ``--no-deps`` check
against a local piwheels-format server (no delay), and the import of
the libraries that check needs (its floor), in interleaved rounds.
Prints figures and the issue's targets; asserts nothing.

    python3 bench/bench_startup.py [--rounds 7]
    python3 bench/bench_startup.py --root /var/tmp/piwcheck-roots/bookworm-armhf

piwcheck runs from a copy of this tree compiled to .pyc first, as an
installed package is (a tree run under PYTHONDONTWRITEBYTECODE would
otherwise compile every module at each start).  --root runs everything
in an emulated ARM root built by tests/pi/pi_check.py (its Python and
libraries, this tree's piwcheck); -X importtime's ten largest imports
of the warm check are printed too.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TESTS = os.path.join(ROOT, "tests")

#: (label, target ratio to python3 -c pass or None)
CASES = (("python3 -c pass", None), ("piwcheck --version", 2.0),
         ("piwcheck --help", 3.0), ("warm one-package check", 3.0),
         ("its libraries' import", None))

#: What a warm one-package check cannot start without: importing these
#: alone is the floor of any check written with them.
LIBRARIES = ("import requests, cachecontrol, resolvelib, packaging.tags, "
             "packaging.requirements, dataclasses")


class Runner:
    """Runs Python here, or in an emulated root (``root``), with
    piwcheck from a compiled copy of this tree."""

    def __init__(self, root=None):
        self.root = root
        base = os.path.join(root, "tmp") if root else None
        self.folder = tempfile.mkdtemp(prefix="piwcheck-startup-", dir=base)
        src = os.path.join(self.folder, "src")
        shutil.copytree(os.path.join(ROOT, "piwcheck"),
                        os.path.join(src, "piwcheck"))
        self.src = self.path(src)
        subprocess.run(self.python("-m", "compileall", "-q", self.path(
            os.path.join(src, "piwcheck"))), check=True, cwd=self.folder)

    def path(self, host_path):
        """``host_path`` as the Python that runs sees it."""
        return "/" + os.path.relpath(host_path, self.root) if self.root \
            else host_path

    def python(self, *args):
        env = ["env", "PYTHONPATH=" + self.src, "PIP_CONFIG_FILE=/dev/null",
               "XDG_CACHE_HOME=" + self.path(self.folder) + "/xdg"]
        if self.root:
            return ["chroot", self.root] + env + ["python3"] + list(args)
        return env + [sys.executable] + list(args)

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def run(cmd, cwd):
    """Wall time of ``cmd`` run in ``cwd`` (not this tree: ``-m`` would
    import its uncompiled piwcheck), and its process."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=cwd)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit("failed: {}\n{}".format(" ".join(cmd), proc.stderr.decode()))
    return took, proc


def largest_imports(stderr, count=10):
    """The ``count`` largest top-level imports of -X importtime's output,
    as (cumulative ms, module)."""
    rows = []
    for line in stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        if not name.startswith("  "):  # one space: imported by __main__
            rows.append((int(cumulative) / 1000, name.strip()))
    return sorted(rows, reverse=True)[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--root", metavar="DIR",
                        help="run in this emulated ARM root (built by "
                             "tests/pi/pi_check.py)")
    args = parser.parse_args()
    sys.path.insert(0, TESTS)
    from piwserver import PiwheelsServer

    runner = Runner(args.root)
    server = PiwheelsServer().start()
    try:
        check = ["-m", "piwcheck", "--isolated", "--pi", "bookworm-32",
                 "--piwheels-url", server.url, "--index-url",
                 server.url + "/simple", "--no-deps", "gpiozero"]
        cmds = [runner.python("-c", "pass"),
                runner.python("-m", "piwcheck", "--version"),
                runner.python("-m", "piwcheck", "--help"),
                runner.python(*check), runner.python("-c", LIBRARIES)]
        run(cmds[3], runner.folder)  # fills the cache: later checks are warm
        times = [[] for _ in cmds]
        for _ in range(args.rounds):
            for i, cmd in enumerate(cmds):
                times[i].append(run(cmd, runner.folder)[0])
        _, proc = run(runner.python("-X", "importtime", *check),
                      runner.folder)
    finally:
        server.stop()
        runner.close()
    where = "emulated root " + args.root if args.root else \
        "natively ({})".format(sys.executable)
    print("start-up, {}: median and min of {} interleaved rounds".format(
        where, args.rounds))
    print("  {:24} {:>9} {:>7}  {:>6} {:>6}".format(
        "", "median", "min", "ratio", "(mins)"))
    base = statistics.median(times[0])
    for (label, target), got in zip(CASES, times):
        med = statistics.median(got)
        print("  {:24} {:7.3f} s {:7.3f}  {:5.2f}x {:5.2f}x{}".format(
            label, med, min(got), med / base, min(got) / min(times[0]),
            "  (target <= {:g}x)".format(target) if target else ""))
    print("  the check less its libraries' import: {:.2f}x ({:.2f}x)".format(
        (statistics.median(times[3]) - statistics.median(times[4])) / base,
        (min(times[3]) - min(times[4])) / min(times[0])))
    print("  largest imports of the warm check (-X importtime, one run, "
          "cumulative ms):")
    for ms, name in largest_imports(proc.stderr):
        print("    {:8.1f}  {}".format(ms, name))


if __name__ == "__main__":
    main()
