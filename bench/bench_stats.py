#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark: piwheels' download statistics at their real size.  A
packages.json of ~600,000 rows, served by the piwheels fake; the time
and peak RSS of building the index (``piwcheck --stats``, fetch
included, and the build alone), of a repeat run (a 304), and of a
lookup and a "did you mean" in the built index.  With --root DIR (as
root) the build alone also runs in that emulated ARM root (built by
tests/pi/pi_check.py): a CPU about as slow as a Pi's.  Prints figures;
asserts nothing.

    python3 bench/bench_stats.py [--rows 600000] [--runs 3] [--root DIR]
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

PARTS = ["py", "num", "lib", "data", "net", "web", "django", "flask", "test",
         "cli", "aws", "sdk", "api", "tools", "core", "gpio", "pi", "rpi",
         "open", "cv", "tensor", "torch", "ml", "text", "json", "yaml",
         "http", "async", "io", "db", "sql", "adafruit", "circuitpython"]


def make_list(rows: int) -> bytes:
    """A list shaped as piwheels writes it: compact, names such as PyPI's,
    download counts with a long tail, in no order."""
    rng = random.Random(15)
    names = {"numpy", "opencv-python", "rpi-gpio", "gpiozero", "pillow"}
    while len(names) < rows:
        names.add("-".join(rng.choice(PARTS) + (
            str(rng.randint(0, 99)) if rng.random() < 0.3 else "")
            for _ in range(rng.randint(1, 4))))
    listing = [[n, int(rng.paretovariate(1.2)) - 1,
                int(rng.paretovariate(1.1) * 10)] for n in sorted(names)]
    # piwheels' query groups by name, so its order is the database's:
    # none to count on, and the slower case for an index
    rng.shuffle(listing)
    listing.insert(0, ["numpy", 1234567, 98765432])
    return json.dumps(listing, separators=(",", ":")).encode()


def child(cmd, env=None):
    """(wall seconds, peak RSS in MB, output) of ``cmd`` in a child."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter();"
             " p = subprocess.run(sys.argv[1:], capture_output=True, "
             "text=True); w = time.perf_counter() - t; "
             "print(w, resource.getrusage(resource.RUSAGE_CHILDREN)"
             ".ru_maxrss, p.returncode); print(p.stdout + p.stderr)")
    out = subprocess.run([sys.executable, "-c", probe] + cmd,
                         capture_output=True, text=True, env=env,
                         cwd=ROOT).stdout
    first, _, rest = out.partition("\n")
    wall, rss, code = first.split()
    if code not in ("0", "1"):
        sys.exit("failed: {}\n{}".format(" ".join(cmd), rest))
    return float(wall), int(rss) / 1024, rest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=600000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", metavar="DIR",
                        help="also build in this emulated ARM root")
    args = parser.parse_args()
    from piwserver import PiwheelsServer

    folder = tempfile.mkdtemp(prefix="piwcheck-bench-")
    server = PiwheelsServer(None).start()
    try:
        body = make_list(args.rows)
        server.packages_json = body
        src = os.path.join(folder, "packages.json")
        with open(src, "wb") as f:
            f.write(body)
        print("packages.json: {:,} rows, {:.1f} MB".format(
            args.rows, len(body) / 1e6))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP")}
        env["PIP_CONFIG_FILE"] = os.devnull
        runs = []
        for i in range(args.runs):
            cache = os.path.join(folder, "cache{}".format(i))
            runs.append(child([sys.executable, "-m", "piwcheck", "--stats",
                               "--piwheels-url", server.url, "--cache-dir",
                               cache, "numpy"], env))
        walls = [r[0] for r in runs]
        print("piwcheck --stats numpy, cold (fetch and build): best "
              "{:.2f} s, median {:.2f} s; peak RSS {:.1f} MB  (target <= 3 s,"
              " <= 50 MB)".format(min(walls), statistics.median(walls),
                                  max(r[1] for r in runs)))
        again = [child([sys.executable, "-m", "piwcheck", "--stats",
                        "--piwheels-url", server.url, "--cache-dir",
                        os.path.join(folder, "cache0"), "numpy"], env)[0]
                 for _ in range(args.runs)]
        print("the same again, the list unchanged (a 304): best {:.2f} s"
              .format(min(again)))
        code = ("import sys, time; sys.path.insert(0, {!r}); "
                "from piwcheck.stats.listing import build; "
                "t = time.perf_counter(); "
                "build({!r}, {!r}); print(time.perf_counter() - t)")
        alone = [child([sys.executable, "-c", code.format(
            ROOT, src, os.path.join(folder, "alone.sqlite3"))], env)
            for _ in range(args.runs)]
        print("the build alone, from the file: best {:.2f} s, median {:.2f} "
              "s; peak RSS {:.1f} MB".format(
                  min(float(a[2]) for a in alone),
                  statistics.median(float(a[2]) for a in alone),
                  max(a[1] for a in alone)))
        lookups(os.path.join(folder, "alone.sqlite3"))
        if args.root:
            emulated(args.root, src)
    finally:
        server.stop()
        shutil.rmtree(folder)


def lookups(path):
    """A lookup as a run makes it (open the index, one name), and a
    'did you mean', in milliseconds."""
    from piwcheck.stats.table import DownloadsTable

    opened = []
    for _ in range(50):
        t = time.perf_counter()
        index = DownloadsTable(path)
        index.get("numpy")
        opened.append(time.perf_counter() - t)
        index.close()
    index = DownloadsTable(path)
    times = {}
    for name in ("nump", "rpigpio", "opencv", "cv2", "zzzzzzzzzzzz"):
        ts = []
        for _ in range(20):
            t = time.perf_counter()
            index.suggest(name)
            ts.append(time.perf_counter() - t)
        times[name] = statistics.median(ts) * 1000
    index.close()
    print("lookup (open the index, one name): median {:.2f} ms  (target "
          "<= 20 ms)".format(statistics.median(opened) * 1000))
    print("did you mean: " + ", ".join("{} {:.1f} ms".format(n, t)
                                       for n, t in times.items()))


def emulated(root, src):
    """The build alone in the emulated root, on its Python and sqlite."""
    inside = tempfile.mkdtemp(prefix="piwcheck-bench-",
                              dir=os.path.join(root, "tmp"))
    try:
        shutil.copytree(os.path.join(ROOT, "piwcheck"),
                        os.path.join(inside, "piwcheck"))
        shutil.copy(src, inside)
        seen = "/" + os.path.relpath(inside, root)
        code = ("import sys, time; sys.path.insert(0, {0!r}); "
                "from piwcheck.stats.listing import build; "
                "t = time.perf_counter(); "
                "build({0!r} + '/packages.json', {0!r} + '/i.sqlite3'); "
                "print(time.perf_counter() - t)").format(seen)
        out = subprocess.run(["chroot", root, "python3", "-c", code],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print("emulated root {}: failed: {}".format(root,
                                                        out.stderr[-300:]))
            return
        print("the build alone in the emulated root {}: {:.1f} s".format(
            root, float(out.stdout.split()[-1])))
    finally:
        shutil.rmtree(inside)


if __name__ == "__main__":
    main()
