#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Time piwcheck --installed over a site-packages of 500 compiled modules
(20 distributions of 25, each module needing a bundled library and
libc/libm), the size of numpy, scipy and opencv together; prints the
best and median wall time of a whole run.  With --root DIR (as root),
the modules are armhf ones from Debian's cross compiler and the check is
this tree's piwcheck run by the Python of that emulated ARM root (from
tests/pi/pi_check.py, which leaves piwcheck's dependencies installed), a
CPU about as slow as a Pi's.

    python3 bench/bench_installed.py [--runs N] [--modules N] [--root DIR]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(folder, modules, cc="gcc", seen_as=None):
    """The site-packages in ``folder``; ``seen_as`` is where the checked
    interpreter sees ``folder`` (inside a root)."""
    src = os.path.join(folder, "m.c")
    with open(src, "w") as f:
        f.write("#include <math.h>\ndouble f(double x) { return sin(x); }\n")
    lib = os.path.join(folder, "libbench.so.1")
    subprocess.run([cc, "-shared", "-fPIC", "-o", lib, src,
                    "-Wl,-soname,libbench.so.1", "-lm"], check=True)
    mod = os.path.join(folder, "mod.so")
    subprocess.run([cc, "-shared", "-fPIC", "-o", mod, src,
                    "-Wl,--no-as-needed,--enable-new-dtags,-rpath,"
                    "$ORIGIN/../bench.libs", lib, "-lm"], check=True)
    site = os.path.join(folder, "site-packages")
    per = 25
    for d in range((modules + per - 1) // per):
        name = "dist{:02d}".format(d)
        rows = []
        os.makedirs(os.path.join(site, name))
        os.makedirs(os.path.join(site, "bench.libs"), exist_ok=True)
        shutil.copy(lib, os.path.join(site, "bench.libs"))
        for i in range(min(per, modules - d * per)):
            rel = "{}/_m{}.cpython-311-x86_64-linux-gnu.so".format(name, i)
            shutil.copy(mod, os.path.join(site, rel))
            rows.append(rel + ",,\n")
        info = os.path.join(site, name + "-1.0.dist-info")
        os.makedirs(info)
        with open(os.path.join(info, "RECORD"), "w") as f:
            f.writelines(rows)
    python = os.path.join(folder, "python")
    shown = os.path.join(seen_as, "site-packages") if seen_as else site
    with open(python, "w") as f:
        f.write("#!/bin/sh\nprintf '%s\\n' '{}'\n".format(
            json.dumps([shown])))
    os.chmod(python, 0o755)
    return os.path.join(seen_as, "python") if seen_as else python


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modules", type=int, default=500)
    parser.add_argument("--root", metavar="DIR",
                        help="an emulated ARM root with piwcheck's "
                             "dependencies installed")
    args = parser.parse_args()
    if args.root:
        folder = tempfile.mkdtemp(dir=os.path.join(args.root, "tmp"))
        inside = "/tmp/" + os.path.basename(folder)
        python = build(folder, args.modules, "arm-linux-gnueabihf-gcc",
                       inside)
        shutil.copytree(os.path.join(ROOT, "piwcheck"),
                        os.path.join(folder, "src", "piwcheck"))
        # compiled once, as the package's py3compile does at install
        subprocess.run(["chroot", args.root, "python3", "-m", "compileall",
                        "-q", inside + "/src"], check=True)
        cmd = ["chroot", args.root, "env", "PYTHONPATH=" + inside + "/src",
               "python3", "-m", "piwcheck", "--installed", "--json",
               "--python", python]
    else:
        folder = tempfile.mkdtemp()
        python = build(folder, args.modules)
        cmd = [sys.executable, "-m", "piwcheck", "--installed", "--json",
               "--python", python]
    try:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  cwd=ROOT)
            times.append(time.perf_counter() - start)
        try:
            doc = json.loads(proc.stdout)
        except ValueError:
            sys.exit("piwcheck printed no JSON: " + proc.stderr[-500:])
        modules = sum(d["modules"] for d in doc["distributions"])
        print("--installed over {} compiled modules in {} distributions{}: "
              "{:.2f} s (median {:.2f}){}".format(
                  modules, len(doc["distributions"]),
                  " in " + args.root if args.root else "", min(times),
                  statistics.median(times),
                  "" if args.root else "  (target <= 1 s)"))
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
