# SPDX-License-Identifier: BSD-3-Clause
"""Small helpers shared by the tests: running the command as
``piwcheck.cli.main([...])`` with its output captured, test projects
through the real parsers, and targets."""

import json
import os

import pytest

from distfiles import DATA
from piwcheck.cli import main
from piwcheck.described import described_target
from piwcheck.indexes.piwheels import parse_project
from piwcheck.target import local_target

__all__ = ["DATA", "PI", "run", "run_json", "run_pi", "pkgs", "load",
           "load_pypi", "both", "pi", "piw"]

#: piwcheck's options for a Raspberry Pi: 32-bit, Python 3.11.
PI = ["--platform", "linux_armv7l", "--abi", "cp311"]


def run(capsys, *args):
    """``piwcheck args``: (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args):
    """``piwcheck --json args``: (exit code, the document, stderr)."""
    code, out, err = run(capsys, "--json", *args)
    return code, json.loads(out), err


def run_pi(capsys, server, *args):
    """``piwcheck --json`` for a Pi (:data:`PI`) with ``server`` as the
    only index: (exit code, the document's packages, stderr)."""
    code, doc, err = run_json(capsys, *PI, *server.only, *args)
    return code, doc["packages"], err


def pkgs(doc):
    """A JSON document's packages by name."""
    return {p["name"]: p for p in doc["packages"]}


def load(name):
    """A project from tests/data/projects, through the real parser."""
    with open(os.path.join(DATA, "projects", name + ".json")) as f:
        return parse_project(json.load(f), name,
                             "https://www.piwheels.org/simple")


def load_pypi(name, index="https://pypi.org/simple"):
    """A project from tests/data/pypi, through the simple API's model."""
    from piwcheck.indexes.simple import project_from_rows

    with open(os.path.join(DATA, "pypi", name + ".json")) as f:
        entries = json.load(f)["files"]
    rows = [{"filename": e["filename"], "url": index + "/x/" + e["filename"],
             "sha256": None, "size": None,
             "requires_python": e.get("requires_python"),
             "yanked": bool(e.get("yanked"))} for e in entries]
    return project_from_rows(name, rows, index)


def both(name):
    """``name`` from PyPI, then piwheels: Raspberry Pi OS's order."""
    return [load_pypi(name), load(name)]


def pi(abi="cp311", platform="linux_armv7l"):
    """A described Raspberry Pi target."""
    return described_target(abi, [platform], local_target())


def piw(url):
    """piwcheck's options for the piwheels site at ``url`` as the only
    index."""
    return ["--piwheels-url", url, "--index-url", url + "/simple"]


def site_python(tmp_path, site):
    """An executable that answers ``--installed --python``'s question as a
    Python whose only package folder is ``site`` would; its path."""
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\nprintf '%s\\n' '{}'\n".format(
        json.dumps([str(site)])))
    python.chmod(0o755)
    return python


#: For tests whose bounds are wall-clock times or signal timing windows
#: set for a native CPU: skipped in the emulated Raspberry Pi OS root
#: (tests/pi/pi_suite.py sets PIWCHECK_EMULATED), whose CPU is ten to
#: thirty times slower; CI runs them natively on both library sets.
native_timing = pytest.mark.skipif(
    bool(os.environ.get("PIWCHECK_EMULATED")),
    reason="wall-clock bounds set for a native CPU (emulated root)")


class ThreadPeak:
    """The most threads this process ran at once while in the ``with``
    block: ``peak``, and their names then, ``names``.  Left out: the fake
    servers' own, the sampler, and any thread an earlier test left
    running (a run ended by a signal or a deadline leaves its workers to
    finish their requests); kept: the main thread and the watchdogs'
    clock, whenever started.  Sampled every 5 ms."""

    def __enter__(self):
        import threading

        self.peak = 0
        self.names: list = []
        self._before = {t for t in threading.enumerate()
                        if t is not threading.main_thread()
                        and t.name != "piwcheck-watchdog"}
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self):
        import threading
        import time

        while not self._done.is_set():
            mine = [t for t in threading.enumerate()
                    if not _servers_own(t) and t is not self._sampler
                    and t not in self._before]
            if len(mine) > self.peak:
                self.peak = len(mine)
                self.names = sorted(t.name for t in mine)
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._done.set()
        self._sampler.join()

    def __repr__(self):
        return "{} threads: {}".format(self.peak, ", ".join(self.names))


def _servers_own(t) -> bool:
    from fakeindex import SERVER_THREAD

    target = getattr(t, "_target", None)
    return t.name == SERVER_THREAD or getattr(target, "__name__", "") in (
        "process_request_thread", "serve_forever")


#: Seconds a fake index waits before each answer where a test needs
#: every worker busy at once: longer in the emulated root, whose CPU
#: makes the requests ten to thirty times more slowly.
SLOW_ANSWER = 3.0 if os.environ.get("PIWCHECK_EMULATED") else 0.3

