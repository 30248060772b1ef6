#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark: piwcheck vs ``pip install --dry-run --report`` vs ``uv pip
compile`` on the same work: three realistic install sets for a 64-bit
Bookworm Pi, resolved against the recorded real-index corpus
(tests/data/corpus/, served by tests/corpusindex.py) with a delay added
to every answer, cold (fresh cache dirs each run) and warm (each tool's
own cache dir, filled once), with pages that carry Cache-Control max-age
and with pages that carry only an ETag (max-age=0: revalidate).  Runs
alternate tool by tool; medians of ``--runs``.  Checks first that the
three tools pick the same versions (a line when they do not: a finding,
not a failure).  Prints figures; asserts nothing.

    python3 -m venv /var/tmp/uvbench && /var/tmp/uvbench/bin/pip install uv
    /usr/bin/python3 bench/bench_uv.py --uv /var/tmp/uvbench/bin/uv \\
        --pip-python /work/venvs/judge/bin/python [--delay 0.1] [--runs 5]

A tool whose program is missing is skipped with the reason printed.
piwcheck is given an empty piwheels fake with the same delay, as the
corpus judge does (with --index-url it asks only that index).  Compiled
modules are kept for every run (PYTHONDONTWRITEBYTECODE is dropped): an
installed piwcheck or pip has them.
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]

#: The bench's temporary folder, once made.
ROOT_TMP = [tempfile.gettempdir()]

SETS = [["numpy<2", "opencv-python-headless"],
        ["matplotlib", "pandas"],
        ["aiohttp", "flask", "cryptography", "pydantic"]]

PI = "bookworm-64"
PYTHON, ABI, RELEASE, MACHINE = "3.11.2", "cp311", "bookworm", "aarch64"

from test_corpus_judge import RUN_PIP  # noqa: E402  pip, markers as a Pi's

MARKERS = {"implementation_name": "cpython", "os_name": "posix",
           "platform_machine": MACHINE, "platform_system": "Linux",
           "platform_python_implementation": "CPython",
           "sys_platform": "linux", "platform_release": "6.12.25+rpt",
           "platform_version": "#1 SMP PREEMPT",
           "implementation_version": PYTHON, "python_full_version": PYTHON,
           "python_version": "3.11"}


def _env(pycache):
    """The tools' environment: no pip/uv/piwcheck settings, and compiled
    modules kept (in ``pycache``, not in the tree) as an installed
    program has them, even where PYTHONDONTWRITEBYTECODE is set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "UV_", "PIWCHECK_"))
           and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PIP_CONFIG_FILE=os.devnull, PYTHONPATH=ROOT,
               PYTHONPYCACHEPREFIX=pycache)
    return env


class Tool:
    """One program's command for a set, and its answer {name: version}."""

    name = ""

    def __init__(self, program):
        self.program = program

    def command(self, index, piwheels, cache, reqfile):
        raise NotImplementedError

    def versions(self, out, folder):
        raise NotImplementedError


class Piwcheck(Tool):
    name = "piwcheck"

    def command(self, index, piwheels, cache, reqfile):
        return [self.program, "-m", "piwcheck", "--pi", PI, "--isolated",
                "--index-url", index, "--piwheels-url", piwheels,
                "--only-binary", ":all:", "--json", "--cache-dir", cache,
                "-r", reqfile]

    def versions(self, out, folder):
        from packaging.utils import canonicalize_name
        return {canonicalize_name(p["name"]): p.get("version")
                for p in json.loads(out)["packages"]}


class Pip(Tool):
    name = "pip"

    def command(self, index, piwheels, cache, reqfile):
        from piwcheck.target import pi_platforms

        cmd = [self.program, "-c", RUN_PIP, json.dumps(MARKERS), "install",
               "--dry-run", "--report",
               os.path.join(os.path.dirname(cache), "report.json"),
               "--isolated", "--ignore-installed", "--no-input",
               "--disable-pip-version-check", "-q", "--index-url", index,
               "--cache-dir", cache, "--only-binary", ":all:",
               "--python-version", PYTHON, "--implementation", "cp",
               "--abi", ABI]
        for p in pi_platforms(RELEASE, MACHINE):
            cmd += ["--platform", p]
        return cmd + ["-r", reqfile]

    def versions(self, out, folder):
        from packaging.utils import canonicalize_name
        with open(os.path.join(folder, "report.json")) as f:
            doc = json.load(f)
        return {canonicalize_name(i["metadata"]["name"]):
                i["metadata"]["version"] for i in doc["install"]}


class Uv(Tool):
    name = "uv"

    def command(self, index, piwheels, cache, reqfile):
        return [self.program, "pip", "compile", "--no-config",
                "--python-platform", "aarch64-manylinux_2_36",
                "--python-version", "3.11", "--only-binary", ":all:",
                "--index-url", index, "--cache-dir", cache, "--no-header",
                "--no-annotate", "--quiet", reqfile]

    def versions(self, out, folder):
        from packaging.utils import canonicalize_name
        found = {}
        for line in out.splitlines():
            line = line.split("#")[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                found[canonicalize_name(name.split("[")[0])] = \
                    version.split(";")[0].strip()
        return found


def run(tool, index, piwheels, folder, cache, reqfile):
    """(wall seconds, stdout, exit code) of one run."""
    cmd = tool.command(index, piwheels, cache, reqfile)
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env=_env(os.path.join(ROOT_TMP[0], "pycache")),
                          cwd=folder, timeout=600)
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1) or (
            tool.name != "piwcheck" and proc.returncode):
        sys.stderr.write("{} exit {}: {}\n".format(
            tool.name, proc.returncode, proc.stderr.strip()[-400:]))
    return wall, proc.stdout, proc.returncode


def tools(args):
    """The tools that can run, and a line for each that cannot."""
    found = [Piwcheck(sys.executable)]
    for cls, program, flag in ((Pip, args.pip_python, "--pip-python"),
                               (Uv, args.uv, "--uv")):
        if not program or not shutil.which(program):
            print("skipped {}: no program at {!r} (give {} PATH)".format(
                cls.name, program, flag))
            continue
        found.append(cls(program))
    return found


def bench_set(found, servers, reqs, folder, runs, count):
    """{(mode, temp): {tool: median seconds}} for one set."""
    reqfile = os.path.join(folder, "requirements.txt")
    with open(reqfile, "w") as f:
        f.write("\n".join(reqs) + "\n")
    piwheels = servers["piwheels"].url
    # agreement, on the revalidating server, cold
    answers = {}
    for tool in found:
        sub = tempfile.mkdtemp(dir=folder)
        _, out, code = run(tool, servers["revalidate"].index, piwheels, sub,
                           os.path.join(sub, "cache"), reqfile)
        try:
            answers[tool.name] = tool.versions(out, sub)
        except (ValueError, KeyError, OSError) as e:
            answers[tool.name] = "no answer ({}, exit {})".format(e, code)
    first = answers[found[0].name]
    for name, answer in answers.items():
        if answer != first:
            print("  DISAGREE on {}: {} {} vs piwcheck {}".format(
                " ".join(reqs), name, answer, first))
    print("  {}: {} packages{}".format(
        " ".join(reqs), len(first) if isinstance(first, dict) else 0,
        ", all tools agree" if all(a == first for a in answers.values())
        else ""))
    times = {}
    for mode in ("max-age", "revalidate"):
        server = servers[mode]
        warm = {}
        for tool in found:  # fill each tool's own warm cache once
            sub = tempfile.mkdtemp(dir=folder)
            warm[tool.name] = (sub, os.path.join(sub, "cache"))
            run(tool, server.index, piwheels, sub, warm[tool.name][1],
                reqfile)
        cold = {t.name: [] for t in found}
        hot = {t.name: [] for t in found}
        reqs_seen = {t.name: [] for t in found}
        reqs_warm = {t.name: [] for t in found}
        for i in range(runs):
            order = found[i % len(found):] + found[:i % len(found)]
            for tool in order:
                sub = tempfile.mkdtemp(dir=folder)
                before = count()
                wall, _, _ = run(tool, server.index, piwheels, sub,
                                 os.path.join(sub, "cache"), reqfile)
                reqs_seen[tool.name].append(count() - before)
                cold[tool.name].append(wall)
                shutil.rmtree(sub)
            for tool in order:
                sub, cache = warm[tool.name]
                before = count()
                wall, _, _ = run(tool, server.index, piwheels, sub, cache,
                                 reqfile)
                reqs_warm[tool.name].append(count() - before)
                hot[tool.name].append(wall)
        for temp, got in (("cold", cold), ("warm", hot)):
            times[mode, temp] = {n: statistics.median(v)
                                 for n, v in got.items()}
        for temp, got in (("cold", reqs_seen), ("warm", reqs_warm)):
            times[mode, temp, "requests"] = {
                n: statistics.median(v) for n, v in got.items()}
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", default=shutil.which("uv"),
                        help="the uv program (default: uv on PATH)")
    parser.add_argument("--pip-python", default=os.environ.get(
        "PIWCHECK_JUDGE_PYTHON"), help="a Python with pip (default: "
        "$PIWCHECK_JUDGE_PYTHON)")
    parser.add_argument("--delay", type=float, default=0.1,
                        help="seconds added to every answer (default 0.1)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-age", type=int, default=600,
                        help="max-age of the caching server (default 600)")
    parser.add_argument("--set", action="append", default=None,
                        help="one set, space-separated (repeatable; "
                        "default: the three realistic sets)")
    args = parser.parse_args(argv)

    from corpusindex import CorpusServer
    from piwserver import PiwheelsServer

    found = tools(args)
    folder = tempfile.mkdtemp(prefix="piwcheck-uvbench-")
    ROOT_TMP[0] = folder
    empty = os.path.join(folder, "empty-piwheels")
    os.mkdir(empty)
    servers = {"max-age": CorpusServer(), "revalidate": CorpusServer(),
               "piwheels": PiwheelsServer(empty)}
    servers["max-age"].max_age = args.max_age
    for server in servers.values():
        server.delay = args.delay
        server.start()

    def count():
        return len(servers["max-age"].log) + len(
            servers["revalidate"].log)

    sets = [s.split() for s in args.set] if args.set else SETS
    print("{} runs each, alternating; {:.0f} ms added to every answer; "
          "tools: {}".format(args.runs, args.delay * 1000,
                             ", ".join(t.name for t in found)))
    rows = []
    try:
        for reqs in sets:
            times = bench_set(found, servers, reqs, folder, args.runs,
                              count)
            rows.append((reqs, times))
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    names = [t.name for t in found]
    print()
    head = "{:<38} {:<5} {:<10}".format("set", "cache", "headers")
    head += "".join(" {:>8}".format(n) for n in names)
    head += " {:>8} {:>8}".format("piw/uv", "pip/piw")
    head += "  index requests " + "/".join(names)
    print(head)
    for reqs, times in rows:
        for mode in ("max-age", "revalidate"):
            for temp in ("cold", "warm"):
                t = times[mode, temp]
                line = "{:<38} {:<5} {:<10}".format(
                    " ".join(reqs)[:38], temp, mode)
                line += "".join(" {:>7.2f}s".format(t[n]) for n in names)
                line += " {:>8} {:>8}".format(
                    "{:.2f}".format(t["piwcheck"] / t["uv"])
                    if "uv" in t else "-",
                    "{:.2f}".format(t["pip"] / t["piwcheck"])
                    if "pip" in t else "-")
                line += "  " + "/".join(
                    "{:.0f}".format(times[mode, temp, "requests"][n])
                    for n in names)
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
