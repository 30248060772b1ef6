#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark: --matrix (every default Raspberry Pi OS kind) against one
target (--pi bookworm-32) on the same 40-requirement project (60
packages with dependencies, bench_check's), served by a piwheels fake
(armv7l and armv6l wheels for four ABIs) and a PyPI fake (an sdist and
a cp311 aarch64 wheel of every release, with PEP 658 metadata), each
adding a delay to every answer.  Documents are fetched once for all the
targets, so the matrix should cost at most 1.5 times one target.
Prints figures and the requests each run made; asserts nothing.

    python3 bench/bench_matrix.py [--delay 0.1] [--runs 3]
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from bench_check import make_data, piwcheck, pypi_twin, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from piwserver import PiwheelsServer

    folder = tempfile.mkdtemp(prefix="piwcheck-bench-")
    try:
        req = make_data(folder)
        server = PiwheelsServer(folder, delay=args.delay).start()
        pypi = pypi_twin(server, args.delay)
        try:
            common = ["--json", "--no-cache", "--isolated",
                      "--piwheels-url", server.url, "--index-url",
                      pypi.index, "--extra-index-url", server.index,
                      "-r", req]
            runs = (("one target (--pi bookworm-32)",
                     ["--pi", "bookworm-32"]),
                    ("--matrix (6 kinds)", ["--matrix"]))
            times = {label: [] for label, _ in runs}
            seen = {}
            for _ in range(args.runs):  # in turns: the load on the
                for label, extra in runs:  # machine hits both alike
                    server.reset_log()
                    pypi.reset_log()
                    took, _, proc = timed(piwcheck(*extra, *common), 1)
                    times[label].append(took)
                    doc = json.loads(proc.stdout)
                    seen[label] = (server.count() + pypi.count(), sum(
                        len(p["cells"]) for p in doc["packages"])
                        if "matrix_version" in doc else len(doc["packages"]))
            for label, _ in runs:
                print("{:32} {:6.2f} s (median {:.2f}), {} requests, {} "
                      "cells".format(label, min(times[label]),
                                     statistics.median(times[label]),
                                     *seen[label]))
            one, matrix = (min(t) for t in times.values())
            print("server: {} s added to every answer; matrix / one target:"
                  " {:.2f}  (target <= 1.5)".format(args.delay, matrix / one))
        finally:
            server.stop()
            pypi.stop()
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
