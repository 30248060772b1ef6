#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run the test suite on the target platform: the README's test command
(apt installs, a venv, pytest) on this checkout inside an emulated
Raspberry Pi OS-like root (tests/pi/pi_check.py's roots: debootstrap,
qemu-user via binfmt_misc), as root, with Raspberry Pi OS's
/etc/pip.conf in place.

    sudo python3 tests/pi/pi_suite.py [--judge] [--dir DIR] [ROOT...]

ROOT defaults to bookworm-armhf.  The suite runs on a throwaway overlay
of the root, so the root is left as it was.  apt reaches Debian's
archive (the root's sources.list); --judge also makes a venv with pip
>= 24.2 from PyPI for tests/test_pip_judge.py and
tests/test_reqfile_pip.py, which skip without it.  Tests that need
compilers (x86 and cross gcc are not in the root) skip.  Prints the
time taken; exits with the suite's status.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pi_check import (ROOTS, Failed, Mounts, build_root,  # noqa: E402
                      debian_mirror, ensure_binfmt, ensure_tools, log, sh)

CHECKOUT = os.path.dirname(os.path.dirname(HERE))
#: Raspberry Pi OS's /etc/pip.conf.
PI_OS_PIP_CONF = "[global]\nextra-index-url=https://www.piwheels.org/simple\n"
#: Where the checkout goes inside the root.
SRC = "/root/piwcheck-src"
JUDGE = "/root/judge"
#: This machine's CA certificates (Debian's ca-certificates).
HOST_CA = "/etc/ssl/certs/ca-certificates.crt"
#: No step may take longer (the suite with --judge takes about 7 minutes
#: emulated on 2 shared x86 cores).
TIMEOUT = 45 * 60


def readme_test_command():
    """The README's second ``sudo apt update ...`` command (the first
    installs piwcheck, the second runs the tests), as .ci/run reads it."""
    with open(os.path.join(CHECKOUT, "README.rst"), encoding="utf-8") as f:
        commands = [line.strip() for line in f
                    if line.startswith("    sudo apt update")]
    if len(commands) < 2:
        raise Failed("no test command in README.rst")
    return commands[1]


def copy_checkout(target):
    """This checkout's files (tracked and untracked, not ignored; no .git,
    no .venv) into ``target``."""
    proc = subprocess.run(["git", "-C", CHECKOUT, "ls-files", "-z",
                           "--cached", "--others", "--exclude-standard"],
                          stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        shutil.copytree(CHECKOUT, target, symlinks=True,
                        ignore=shutil.ignore_patterns(
                            ".git", ".venv", "__pycache__", "*.pyc",
                            ".pytest_cache", ".hypothesis", "build"))
        return
    for name in sorted(set(proc.stdout.decode().split("\0")) - {""}):
        source = os.path.join(CHECKOUT, name)
        if not os.path.lexists(source):
            continue  # deleted, not yet committed
        dest = os.path.join(target, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(source, dest, follow_symlinks=False)


class Overlay:
    """``root`` seen through an overlay whose writes land in a temporary
    folder, removed on exit."""

    def __init__(self, root):
        self.root = root
        self.top = None

    def __enter__(self):
        self.top = tempfile.mkdtemp(prefix=".suite-",
                                    dir=os.path.dirname(self.root))
        for name in ("upper", "work", "merged"):
            os.mkdir(os.path.join(self.top, name))
        self.path = os.path.join(self.top, "merged")
        sh("mount", "-t", "overlay", "overlay", "-o",
           "lowerdir={},upperdir={},workdir={}".format(
               self.root, os.path.join(self.top, "upper"),
               os.path.join(self.top, "work")), self.path)
        return self

    def __exit__(self, *exc):
        subprocess.run(["umount", "-l", self.path])
        shutil.rmtree(self.top, ignore_errors=True)


def run_in(root, script, env=None):
    """bash -c ``script`` as root in ``root`` (a ``sudo`` function, as a
    minimal root has no sudo), output as it comes; its exit status.  The
    whole process group ends when it outlasts TIMEOUT or on a signal."""
    env = dict({"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"},
               **(env or {}))
    cmd = ["chroot", root, "/bin/bash", "-c",
           'sudo() { "$@"; }; set -e; cd ' + SRC + '; eval "$1"', "bash",
           script]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    try:
        return proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        log("  timed out after {} s".format(TIMEOUT))
        return 124
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def make_judge(root):
    """A venv with pip >= 24.2 from PyPI in ``root`` (python3-venv from
    Debian first), for PIWCHECK_JUDGE_PYTHON; reads no pip.conf, trusts
    this machine's CA certificates (its network may re-sign TLS)."""
    cert = ""
    if os.path.exists(HOST_CA):
        shutil.copy(HOST_CA, os.path.join(root, "tmp/host-ca.crt"))
        cert = "--cert /tmp/host-ca.crt "
    code = run_in(root, "apt-get update -q >/dev/null && apt-get install "
                  "-y -q --no-install-recommends python3-venv >/dev/null && "
                  "python3 -m venv {0} && PIP_CONFIG_FILE=/dev/null "
                  "{0}/bin/pip install -q --disable-pip-version-check {1}"
                  "'pip>=24.2' 'setuptools>=70.1' wheel && "
                  "{0}/bin/python -m pip --version".format(JUDGE, cert))
    if code != 0:
        raise Failed("could not make the judge venv (exit {})".format(code))
    return JUDGE + "/bin/python"


def run_suite(name, roots, mirror, judge):
    suite, arch, qemu = ROOTS[name]
    path = os.path.join(roots, name)
    ensure_binfmt(qemu)
    build_root(path, suite, arch, mirror)
    command = readme_test_command()
    times = {}
    with Overlay(path) as overlay, Mounts(overlay.path):
        with open(os.path.join(overlay.path, "etc/pip.conf"), "w") as f:
            f.write(PI_OS_PIP_CONF)
        copy_checkout(overlay.path + SRC)
        # tests bounded by a native CPU's wall-clock times skip here
        env = {"PYTEST_ADDOPTS": "-rs --durations=10",
               "PIWCHECK_EMULATED": "qemu-" + qemu}
        if judge:
            t = time.monotonic()
            env["PIWCHECK_JUDGE_PYTHON"] = make_judge(overlay.path)
            times["judge"] = time.monotonic() - t
        log("  " + command)
        t = time.monotonic()
        code = run_in(overlay.path, command, env)
        times["suite"] = time.monotonic() - t
    log("  {}: exit {}; {}".format(name, code, ", ".join(
        "{} {:.0f} s".format(k, v) for k, v in times.items())))
    return code


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", metavar="ROOT",
                        help="which roots (default: bookworm-armhf; any "
                             "of {})".format(", ".join(ROOTS)))
    parser.add_argument("--dir", default="/var/tmp/piwcheck-roots",
                        help="where the roots live (default: %(default)s)")
    parser.add_argument("--judge", action="store_true",
                        help="make a judge pip (>= 24.2) from PyPI")
    args = parser.parse_args(argv)
    for name in args.roots:
        if name not in ROOTS:
            parser.error("unknown root {!r}".format(name))
    if os.geteuid() != 0:
        sys.exit("run as root: it uses chroot and mount")
    # SIGTERM/SIGHUP unwind like ^C, so the mounts are undone.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    ensure_tools()
    mirror = debian_mirror()
    os.makedirs(args.dir, exist_ok=True)
    failed = []
    for name in args.roots or ["bookworm-armhf"]:
        log("=== test suite in {}".format(name))
        try:
            if run_suite(name, args.dir, mirror, args.judge) != 0:
                failed.append(name)
        except (Failed, subprocess.CalledProcessError) as exc:
            log("  FAILED:", exc)
            failed.append(name)
    if failed:
        log("FAILED:", " ".join(failed))
        return 1
    log("the suite passed in", ", ".join(args.roots or ["bookworm-armhf"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
