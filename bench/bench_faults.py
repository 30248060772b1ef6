#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every network fault the test server can play, against piwcheck with its
default options: the status, the reason and how long the run took.  One
healthy package rides along in each run to show its result survives.

    python3 bench/bench_faults.py [FAULT...]
"""

import json
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from faults import FAULTS  # noqa: E402
from piwserver import PiwheelsServer  # noqa: E402


def run(url, *extra):
    cmd = [sys.executable, "-m", "piwcheck", "--json", "--no-cache",
           "--abi", "cp311", "--platform", "linux_armv7l", "--no-deps",
           "--piwheels-url", url, "--index-url", url + "/simple"] + \
        list(extra) + ["numpy", "RPi.GPIO"]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    took = time.monotonic() - start
    pkgs = {p["name"]: p for p in json.loads(proc.stdout)["packages"]}
    return proc.returncode, pkgs, took, proc.stderr


def show(label, code, pkgs, took, err):
    numpy, other = pkgs["numpy"], pkgs["rpi-gpio"]
    print("{:<16} exit {}  {:5.1f} s  numpy: {:<6} rpi-gpio: {:<3} | {}"
          .format(label, code, took, numpy["status"], other["status"],
                  numpy["reason"] or "-"))
    if "Traceback" in err:
        print("  TRACEBACK on stderr")


def main(argv):
    names = argv or sorted(FAULTS) + ["refused"]
    server = PiwheelsServer().start()
    try:
        for name in names:
            if name == "refused":
                sock = socket.socket()
                sock.bind(("127.0.0.1", 0))
                url = "http://127.0.0.1:{}".format(sock.getsockname()[1])
                sock.close()
                show(name, *run(url))
                continue
            server.faults.clear()
            server.reset_log()
            server.faults["numpy"] = name
            show(name, *run(server.url))
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
