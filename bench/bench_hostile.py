#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""An audit of issue 20: every reproduction the issue lists (apt names,
bad documents, memory and time bombs, a healthy site marked down, trust
in index data, streams, locales and signals, requirements files as pip
reads them, the target platform's test suite, wrong or misleading
answers), each run against piwcheck from a tree as a child process of
its own, with the fake servers of tests/ serving the crafted answers.

One line per reproduction: its name, the exit code (``sigN``: killed by
signal N, ``T/O``: killed at the time limit), wall time, the child's
peak RSS (from wait4), whether stderr holds a traceback, whether the
other (good) package was still reported, and PASS or FAIL against the
issue's rule (a one-line message: every stderr line starts with
"piwcheck:"; an exit code of {0, 1, 2, 3, 130} that fits the case;
within 10 s and under 200 MB; the good package still reported; for the
apt cases, an apt line of names apt reads as one package to install),
with the first cause of a FAIL.  Then ``N reproductions, P passed, F
failed, T tracebacks``.  The exit status is 1 when any failed.

Run from anywhere (the servers and builders come from this checkout's
tests/; piwcheck from --tree, put first on PYTHONPATH)::

    /usr/bin/python3 bench/bench_hostile.py                  # bookworm's libraries
    /usr/bin/python3 bench/bench_hostile.py --python /work/venvs/bullseye/bin/python
    /usr/bin/python3 bench/bench_hostile.py --tree /work/main --only gzip-bomb
    /usr/bin/python3 bench/bench_hostile.py --list

The bench itself needs the tests' libraries (pytest, packaging,
requests, cachecontrol, msgpack: /usr/bin/python3 on Debian 12 has
them); --python only changes the interpreter piwcheck runs under.
Each child is killed after --timeout seconds (30) or past 2 GB of RSS, so a hang or a bomb is a FAIL, not a stuck or
swapping machine.  Cases that need something absent (a C compiler for
the ELF cases, an ISO-8859-1 locale: emulated with PYTHONIOENCODING)
say so; a case that cannot run at all is SKIP with its reason.
"""

import argparse
import fnmatch
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
sys.path.insert(0, TESTS)
sys.path.insert(1, ROOT)

import hostile  # noqa: E402
from hostile import (PEP691, SHA, answer, entry, nested,  # noqa: E402
                     piw_doc, piw_extra, redirect)
from piwserver import PiwheelsServer  # noqa: E402
from pypiserver import PypiServer  # noqa: E402

CATALOGUE = {e.id: e for e in hostile.CATALOGUE}
#: The issue's bounds.
MAX_SECONDS = 10.0
MAX_RSS_MB = 200.0
DOCUMENTED = (0, 1, 2, 3, 130)
#: A child whose RSS passes this is killed (sampled every 10 ms): a bomb
#: that is expanded fails here rather than swapping the machine.  No
#: rlimit by default: RLIMIT_AS and RLIMIT_DATA fail threads early on a
#: 64-bit machine (glibc's arenas), which would be the bench's artefact.
KILL_RSS = 2 << 30
LIMIT_DATA = 0
#: A Raspberry Pi target, as the tests describe one.
PI = ["--platform", "linux_armv7l", "--abi", "cp311"]
OPTS = ["--no-deps", "--timeout", "2"] + PI
GOOD_PIW, GOOD_PYPI = "rpi-gpio", "annotated-types"
#: What apt reads as exactly one package to install: Debian's name
#: rules, an optional architecture, and no trailing '-', '+' or '.'
#: (remove, a modifier, or a regex apt tries when no package has the
#: name: `apt-get install -s lib1.` selects dozens of packages).
APT_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]*[a-z0-9](:[a-z0-9][a-z0-9-]*)?$")


# -- running a child ---------------------------------------------------------

class Run:
    """What one child did."""

    def __init__(self, code, out, err, seconds, rss_kb, timed_out,
                 threads):
        self.code, self.out, self.err = code, out, err
        self.seconds, self.rss_mb = seconds, rss_kb / 1024.0
        self.timed_out, self.threads = timed_out, threads

    @property
    def traceback(self):
        return "Traceback (most recent call last)" in self.err or \
            "Exception ignored" in self.err

    @property
    def shown_code(self):
        if self.timed_out:
            return "RSS!" if self.timed_out == "rss" else "T/O"
        return "sig{}".format(-self.code) if self.code < 0 else str(
            self.code)

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError:
            return None

    def packages(self):
        doc = self.json()
        if not isinstance(doc, dict):
            return {}
        return {p.get("name"): p for p in doc.get("packages") or ()}

    def last_error(self):
        lines = [line for line in self.err.splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


def _drain(stream, into, most=32 << 20):
    got = 0
    while True:
        data = stream.read(65536)
        if not data:
            break
        if got < most:
            into.append(data)
        got += len(data)
    stream.close()


def _sample(pid):
    """{Threads, VmHWM, VmRSS, VmData, VmSize} (kB) of a running process,
    from /proc: its VmHWM is its peak RSS since exec (wait4's ru_maxrss
    is not: it keeps the RSS of the bench that forked it)."""
    got = {}
    try:
        with open("/proc/{}/status".format(pid)) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("Threads", "VmHWM", "VmRSS", "VmData",
                           "VmSize"):
                    got[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return got


def spawn(cmd, env, timeout, stdin=subprocess.DEVNULL,
          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=None,
          limit_data="default", fsize=None, close_fds=(), ignore_sigint=False,
          signal_when=None):
    """Run ``cmd`` in a session of its own, with SIGINT's default
    disposition (or ignored), under ``limit_data``; kill its group at
    ``timeout``.  ``signal_when`` is (predicate(seconds), signal)."""
    if limit_data == "default":
        limit_data = LIMIT_DATA

    def pre():
        signal.signal(signal.SIGINT,
                      signal.SIG_IGN if ignore_sigint else signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK,
                               [signal.SIGINT, signal.SIGTERM])
        if limit_data:
            resource.setrlimit(resource.RLIMIT_DATA,
                               (limit_data, limit_data))
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        for fd in close_fds:
            os.close(fd)

    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=stdin,
                            stdout=stdout, stderr=stderr,
                            preexec_fn=pre, start_new_session=True)
    out, err, readers = [], [], []
    for stream, into in ((proc.stdout, out), (proc.stderr, err)):
        if stream is not None:
            t = threading.Thread(target=_drain, args=(stream, into),
                                 daemon=True)
            t.start()
            readers.append(t)
    timed_out, sent, peak = False, False, {}
    while True:
        info = os.waitid(os.P_PID, proc.pid,
                         os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None and info.si_pid:
            break
        now = time.monotonic() - start
        if signal_when and not sent and signal_when[0](now):
            os.kill(proc.pid, signal_when[1])
            sent = True
        if now > timeout:
            timed_out = True
            _killpg(proc.pid)
            break
        for key, value in _sample(proc.pid).items():
            peak[key] = max(peak.get(key, 0), value)
        if peak.get("VmRSS", 0) > KILL_RSS >> 10:
            timed_out = "rss"
            _killpg(proc.pid)
            break
        time.sleep(0.002 if signal_when and not sent else 0.01)
    took = time.monotonic() - start
    _killpg(proc.pid)  # what it left running (a --python that sleeps)
    os.wait4(proc.pid, 0)
    proc.returncode = -info.si_status if info is not None and \
        info.si_code in (os.CLD_KILLED, os.CLD_DUMPED) else (
        info.si_status if info is not None else -signal.SIGKILL)
    for t in readers:
        t.join(5)
    run = Run(proc.returncode, b"".join(out).decode("utf-8", "replace"),
               b"".join(err).decode("utf-8", "replace"), took,
               peak.get("VmHWM", 0), timed_out, peak.get("Threads", 0))
    run.peak = peak
    return run


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


# -- judging -------------------------------------------------------------------

class Verdict:
    def __init__(self, run=None, causes=(), good=None, skip=None):
        self.run, self.causes, self.good, self.skip = run, list(causes), \
            good, skip

    @property
    def ok(self):
        return not self.causes


class Skip(Exception):
    pass


def judge(r, codes, good=None, one_line=True, seconds=MAX_SECONDS,
          rss=MAX_RSS_MB, also=()):
    """The issue's rule for run ``r``: ``codes`` that fit the case,
    ``good`` a callable(r) -> (reported, why) or None, ``also`` further
    (ok, cause) pairs."""
    causes = []
    if r.timed_out == "rss":
        causes.append("killed at {} MB of RSS".format(KILL_RSS >> 20))
    elif r.timed_out:
        causes.append("killed after {:.0f} s".format(r.seconds))
    if r.traceback:
        causes.append("traceback: " + r.last_error()[:90])
    if not r.timed_out and r.code not in codes:
        causes.append("exit {} (wanted {})".format(
            r.shown_code, "/".join(map(str, codes))))
    if one_line:
        bad = [line for line in r.err.splitlines()
               if line.strip() and not line.startswith("piwcheck:")]
        if r.code == 2 and bad and bad[0].startswith("usage: "):
            bad = [line for line in bad[1:] if not line.startswith(" ")]
        if bad and not r.traceback:
            causes.append("stderr not one line: " + bad[0][:80])
    if seconds and r.seconds > seconds:
        causes.append("{:.1f} s".format(r.seconds))
    if rss and r.rss_mb > rss:
        causes.append("{:.0f} MB".format(r.rss_mb))
    reported = None
    if good is not None:
        reported, why = good(r)
        if not reported:
            causes.append(why)
    for ok, cause in also:
        if not ok:
            causes.append(cause)
    return Verdict(r, causes, reported)


def json_good(name, statuses=("ok",)):
    def check(r):
        if not isinstance(r.json(), dict):
            return False, "stdout is not JSON: {!r}".format(r.out[:50])
        p = r.packages().get(name)
        if p is None:
            return False, "{} not reported".format(name)
        if p.get("status") not in statuses:
            return False, "{} is {}: {}".format(name, p.get("status"),
                                                 (p.get("reason") or "")[:60])
        return True, ""
    return check


def text_good(name):
    def check(r):
        if re.search(r"^{} \S+: \S".format(re.escape(name)), r.out, re.M):
            return True, ""
        return False, "{} not reported".format(name)
    return check


def dists_good(name):
    def check(r):
        doc = r.json()
        names = [d.get("name") for d in (doc or {}).get(
            "distributions") or ()] if isinstance(doc, dict) else []
        return name in names, "{} not reported".format(name)
    return check


def evil_is(r, name, status=None, version=None):
    p = r.packages().get(name)
    if p is None:
        return False, "{} not reported".format(name)
    if status and p.get("status") != status:
        return False, "{} is {} ({}), not {}".format(
            name, p.get("status"), (p.get("reason") or "")[:50], status)
    if version and p.get("version") != version:
        return False, "{} chose {} {}".format(
            name, p.get("version"), (p.get("file") or {}).get("filename"))
    return True, ""


def apt_lines(text):
    return [line.split("apt install", 1)[1].split()
            for line in text.splitlines() if "sudo apt install" in line]


def apt_safe(r):
    """(ok, cause): every name of every `sudo apt install` line is one
    package to install."""
    bad = [n for names in apt_lines(r.out) for n in names
           if not APT_NAME.match(n) or n.endswith((".", "+", "-"))]
    return not bad, "apt line has {}".format(" ".join(bad)[:80])


# -- the bench ---------------------------------------------------------------

CASES = []


def case(name, group):
    def register(fn):
        CASES.append((name, group, fn))
        return fn
    return register


class Bench:
    def __init__(self, tree, python, timeout, verbose):
        self.tree, self.python = os.path.abspath(tree), python
        self.timeout, self.verbose = timeout, verbose
        self.top = tempfile.mkdtemp(prefix="piwcheck-bench-")
        self.piw = PiwheelsServer().start()
        self.pypi = PypiServer().start()
        self.servers = [self.piw, self.pypi]
        self._slow = None
        self._made = {}
        self.name = None

    def close(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.top, ignore_errors=True)

    # servers and folders
    def server(self, **kwargs):
        s = PiwheelsServer(**kwargs).start()
        self.servers.append(s)
        return s

    @property
    def slow(self):
        if self._slow is None:
            self._slow = self.server(delay=3.0)
        return self._slow

    def folder(self, name=None):
        path = os.path.join(self.top, name or self.name)
        os.makedirs(path, exist_ok=True)
        return path

    def once(self, key, make):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def env(self, cache=None, **extra):
        keep = {k: v for k, v in os.environ.items()
                if not (k.startswith(("PIP_", "LC_", "PYTHON")) or k in (
                    "VIRTUAL_ENV", "DEBUG", "LANG", "LANGUAGE"))}
        home = self.folder()
        keep.update(
            PYTHONPATH=self.tree, no_proxy="127.0.0.1,localhost",
            NO_PROXY="127.0.0.1,localhost", PIP_CONFIG_FILE=os.devnull,
            PIWCHECK_PIWHEELS_URL="http://127.0.0.1:9", LANG="C.UTF-8",
            XDG_CACHE_HOME=cache or os.path.join(home, "xdg-cache"),
            XDG_CONFIG_HOME=os.path.join(home, "config"),
            XDG_CONFIG_DIRS=os.path.join(home, "xdg"),
            PYTHONPYCACHEPREFIX=os.path.join(tempfile.gettempdir(),
                                             "piwcheck-bench-pycache"))
        keep.update(extra)
        return {k: v for k, v in keep.items() if v is not None}

    def run(self, argv, env=None, timeout=None, python=None, **kwargs):
        cmd = [python or self.python, "-m", "piwcheck"] + list(argv)
        return spawn(cmd, env or self.env(), timeout or self.timeout,
                     **kwargs)

    # the two kinds of index with a hostile project beside a good one
    def evil(self):
        return "evil-" + self.name

    def on_piwheels(self, play, extra=(), server=None):
        server = server or self.piw
        server.faults[self.evil()] = play
        return self.run(["--json"] + OPTS + server.only + list(extra) +
                        [self.evil(), GOOD_PIW])

    def on_simple(self, play, extra=()):
        self.pypi.faults[self.evil()] = play
        return self.run(["--json"] + OPTS + ["--piwheels-url", self.piw.url]
                        + self.pypi.only + list(extra) +
                        [self.evil(), GOOD_PYPI])

    def write(self, name, text, mode="w"):
        path = os.path.join(self.folder(), name)
        with open(path, mode) as f:
            f.write(text)
        return path


# -- 1. apt names -------------------------------------------------------------

BAD_APT = ["openssh-client-", "zlib1.+"]
MORE_APT = ["lib1.", "g++", "libc6=2.36-9", "libc6/bookworm", "lib*",
            "zlib1?", "-oAPT::Get::Assume-Yes=1", "$(reboot)", "libc6:any",
            "zlib|ssh", "^zlib", "~nssh", "libfoo;id", "libx\x1b[2J"]


@case("apt-remove-and-regex", "apt names")
def _(b):
    _serve_apt(b, ["libffi8"] + BAD_APT)
    r = b.run(["--pi", "bookworm-32", "--no-deps"] + b.piw.only +
              [b.evil(), GOOD_PIW])
    return judge(r, (0, 1), text_good(GOOD_PIW), also=[apt_safe(r)])


@case("apt-more-bad-names", "apt names")
def _(b):
    _serve_apt(b, ["libffi8"] + MORE_APT)
    r = b.run(["--pi", "bookworm-32", "--no-deps"] + b.piw.only +
              [b.evil(), GOOD_PIW])
    return judge(r, (0, 1), text_good(GOOD_PIW), also=[apt_safe(r)])


@case("apt-names-local-target", "apt names")
def _(b):
    """This machine as the target, with a dpkg database where none of
    the names is installed (apt: this machine's own)."""
    if not shutil.which("dpkg-query"):
        raise Skip("dpkg-query is not installed")
    from conftest import write_status
    admin = b.folder(b.name + "/dpkg")
    os.makedirs(os.path.join(admin, "info"), exist_ok=True)
    os.makedirs(os.path.join(admin, "updates"), exist_ok=True)
    write_status(os.path.join(admin, "status"),
                 [("libc6", None, "install ok installed")])
    _serve_apt(b, ["libffi8"] + BAD_APT + MORE_APT)
    r = b.run(["--no-deps"] + b.piw.only + [b.evil(), "colorzero"],
              env=b.env(DPKG_ADMINDIR=admin))
    return judge(r, (0, 1), text_good("colorzero"), also=[apt_safe(r)])


def armv7_wheel(name):
    """A wheel for the Pi's platform: --deep reads only wheels that are
    not for every platform."""
    return "{}-1.0-py3-none-linux_armv7l.whl".format(name.replace("-", "_"))


def simple_page(url, sha256=SHA):
    """A play: a PEP 691 page whose one file is the project's armv7l
    wheel at ``url`` (callable(name) or text)."""
    def make(name):
        row = {"filename": armv7_wheel(name),
               "url": url(name) if callable(url) else url,
               "hashes": {"sha256": sha256}}
        return json.dumps({"meta": {"api-version": "1.0"}, "name": name,
                           "files": [row]}).encode()
    return answer(make, PEP691)


def piw_armv7(**changes):
    """A play: a piwheels document whose one file is an armv7l wheel,
    its entry changed by ``changes``."""
    def make(name):
        fn = armv7_wheel(name)
        e = entry(name, fn, platform="linux_armv7l", **changes)
        return json.dumps({"package": name, "releases": {
            "1.0": {"files": {fn: e}}}}).encode()
    return answer(make)


def _serve_apt(b, names):
    b.piw.faults[b.evil()] = answer(piw_doc(apt_dependencies=names))


# -- 2. a bad document kills the whole run -----------------------------------

def _doc_case(name, site, play, codes=(0, 1, 3), evil=None, extra=(),
              group="bad documents"):
    @case(name, group)
    def _(b):
        r = (b.on_piwheels if site == "piwheels" else b.on_simple)(
            play, extra)
        good = GOOD_PIW if site == "piwheels" else GOOD_PYPI
        also = [evil_is(r, b.evil(), **evil)] if evil else []
        return judge(r, codes, json_good(good), also=also)


_doc_case("nested-json-piwheels", "piwheels",
          answer(lambda n: nested(200000)), (3,), {"status": "error"})
_doc_case("nested-json-pep691", "simple",
          answer(lambda n: b'{"files": ' + nested(200000), PEP691), (3,),
          {"status": "error"})
_doc_case("retry-after-superscript", "piwheels", answer(
    b"busy", "text/html", [("Retry-After", "\u00b2")], status=503), (3,),
    {"status": "error"})
_doc_case("version-5000-digits", "piwheels", CATALOGUE[
    "version-5000-digits"].play, (0, 1, 3))
_doc_case("wheel-tag-py3-dot-dot", "piwheels", answer(piw_doc(piw_extra(
    "{n}-1.0-py3..-none-any.whl", version="1.0"))), (0, 1, 3))
_doc_case("redirect-bad-ipv6", "piwheels", redirect("http://[::1"), (3,),
          {"status": "error"})


def _stats_case(name, play, stats_mode):
    @case(name, "bad documents")
    def _(b):
        stats = b.server()
        stats.faults["packages.json"] = play
        if stats_mode:  # --stats: nothing else to report
            r = b.run(["--stats", "--json"] + stats.only + ["numpy"])
            return judge(r, (3,))
        r = b.run(["--json"] + OPTS + stats.only + ["numpyy", GOOD_PIW])
        return judge(r, (1, 3), json_good(GOOD_PIW))


_stats_case("nested-json-packages.json-stats",
            answer(lambda n: nested(200000)), True)
_stats_case("nested-json-packages.json-did-you-mean",
            answer(lambda n: nested(200000)), False)


@case("provides-extra-a-b", "bad documents")
def _(b):
    """A wheel whose METADATA (PEP 658) says `Provides-Extra: a b`."""
    b.pypi.files.add(b.evil(), [{
        "filename": "{}-1.0-py3-none-any.whl".format(b.evil().replace(
            "-", "_")),
        "requires_dist": ['idna; extra == "a b"']}])
    r = b.run(["--json", "--timeout", "2"] + PI + ["--piwheels-url",
              b.piw.url] + b.pypi.only + [b.evil(), GOOD_PYPI])
    return judge(r, (0, 1, 3), json_good(GOOD_PYPI))


def _chain(b, top, depth):
    for i in range(top, top + depth):
        name = "chain-{}".format(i)
        b.pypi.files.add(name, [{
            "filename": "chain_{}-1.0-py3-none-any.whl".format(i),
            "requires_dist": ["chain-{}".format(i + 1)]
            if i < top + depth - 1 else []}])


def _chain_cold(b, top):
    """The chain's cold run, in the shared chain cache: its cause if it
    failed (the judged run is the one after it)."""
    _chain(b, 0, 1100)
    cache = b.folder("chain-cache")
    r = b.run(["--json", "--timeout", "5"] + PI + ["--piwheels-url",
              b.piw.url] + b.pypi.only + ["chain-{}".format(top),
                                          GOOD_PYPI],
              env=b.env(cache=cache), timeout=max(b.timeout, 180))
    v = judge(r, (0,), seconds=None, rss=None)
    return cache, ["cold run: " + v.causes[0]] if v.causes else []


@case("chain-600-warm", "bad documents")
def _(b):
    cache, cold = _chain_cold(b, 500)
    r = b.run(["--json", "--timeout", "5"] + PI + ["--piwheels-url",
              b.piw.url] + b.pypi.only + ["chain-500", GOOD_PYPI],
              env=b.env(cache=cache))
    v = judge(r, (0,), json_good(GOOD_PYPI),
              also=[(not cold, "; ".join(cold))])
    v.note = "{} threads, {} MB VmData at most".format(
        r.threads, r.peak.get("VmData", 0) >> 10)
    return v


@case("chain-1100-tree", "bad documents")
def _(b):
    cache, cold = _chain_cold(b, 0)
    r = b.run(["--tree", "--timeout", "5"] + PI + ["--piwheels-url",
              b.piw.url] + b.pypi.only + ["chain-0", GOOD_PYPI],
              env=b.env(cache=cache))
    v = judge(r, (0,), text_good(GOOD_PYPI),
              also=[(not cold, "; ".join(cold))])
    v.note = "{} threads, {} MB VmData at most".format(
        r.threads, r.peak.get("VmData", 0) >> 10)
    return v


# -- 3. memory and time bombs -------------------------------------------------

_doc_case("gzip-gzip-gzip-bomb", "piwheels", CATALOGUE["gzip-bomb"].play,
          (3,), {"status": "error"}, group="memory and time bombs")
_doc_case("27-million-tags", "piwheels", CATALOGUE["27-million-tags"].play,
          (0, 1, 3), group="memory and time bombs")


def _elf_corpus(b):
    def make():
        import pathlib
        try:
            from test_hostile_elf import build_corpus
        except ImportError as exc:
            raise Skip("cannot import tests/test_hostile_elf.py: {}".format(
                exc))
        objects = build_corpus(pathlib.Path(b.folder("elf-corpus")))
        if not objects:
            raise Skip("no C compiler is installed")
        return objects
    return b.once("corpus", make)


def _small_x86(corpus):
    import struct
    for data in corpus:
        if data[4] == 2 and struct.unpack_from("<H", data, 18)[0] == 62:
            return bytearray(data)
    raise Skip("no x86_64 object in the corpus")


def _wheel_file(path, members, name="lie"):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)
        z.writestr("{}-1.0.dist-info/WHEEL".format(name),
                   "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
                   "Tag: py3-none-any\n")
        z.writestr("{}-1.0.dist-info/METADATA".format(name),
                   "Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n"
                   .format(name))
    return path


def _good_wheel(b):
    """A wheel file with one real shared object: the good package of the
    wheel-file cases."""
    def make():
        obj = bytes(_small_x86(_elf_corpus(b)))
        return _wheel_file(os.path.join(b.folder("wheels"),
                                        "good-1.0-py3-none-any.whl"),
                           {"good/_m.so": obj}, "good")
    return b.once("good-wheel", make)


def _so_bomb(b, size=4 << 30):
    """A wheel whose .so member inflates to ``size`` bytes (an ELF
    header, then zeros): 4 GB are 18 MB on disk."""
    def make():
        head = bytes(_small_x86(_elf_corpus(b)))
        path = os.path.join(b.folder("wheels-{}".format(size)),
                            "sobomb-1.0-py3-none-any.whl")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                             compresslevel=1) as z:
            with z.open("sobomb/_bomb.so", "w", force_zip64=True) as f:
                f.write(head)
                left = size - len(head)
                block = bytes(1 << 24)
                while left > 0:
                    f.write(block[:left])
                    left -= len(block)
            z.writestr("sobomb-1.0.dist-info/WHEEL",
                       "Wheel-Version: 1.0\nTag: py3-none-any\n")
            z.writestr("sobomb-1.0.dist-info/METADATA",
                       "Metadata-Version: 2.1\nName: sobomb\nVersion: 1.0\n")
        return path
    return b.once(("so-bomb", size), make)


def _deep_bomb_case(name, size):
    @case(name, "memory and time bombs")
    def _(b):
        with open(_so_bomb(b, size), "rb") as f:
            data = f.read()
        project = "sobomb-{}".format(size)
        b.pypi.files.add(project, [{"filename": armv7_wheel(project),
                                    "data": data}])
        r = b.run(["--json", "--deep"] + OPTS + ["--piwheels-url",
                  b.piw.url] + b.pypi.only + [project, GOOD_PYPI])
        return judge(r, (0, 1, 3), json_good(GOOD_PYPI))


def _wheel_bomb_case(name, size):
    @case(name, "memory and time bombs")
    def _(b):
        r = b.run(["--json", _so_bomb(b, size), _good_wheel(b)])
        return judge(r, (0, 1, 3), dists_good("good"))


#: 4 GB (the issue's) and 1000 MB, just under the member cap of 1 GiB.
_deep_bomb_case("deep-so-member-4gb", 4 << 30)
_deep_bomb_case("deep-so-member-1000mb", 1000 * 1000 * 1000)
_wheel_bomb_case("wheel-arg-so-member-4gb", 4 << 30)
_wheel_bomb_case("wheel-arg-so-member-1000mb", 1000 * 1000 * 1000)


def _crafted_389(b):
    import struct
    head = _small_x86(_elf_corpus(b))[:389]
    struct.pack_into("<Q", head, 0x28, 64)          # e_shoff
    struct.pack_into("<HHH", head, 0x3a, 0, 0, 0)   # e_shentsize 0 ...
    struct.pack_into("<Q", head, 64 + 32, 1 << 32)  # section 0's sh_size
    return bytes(head)


@case("elf-389-bytes-shentsize-0", "memory and time bombs")
def _(b):
    path = _wheel_file(os.path.join(b.folder(), "lie-1.0-py3-none-any.whl"),
                       {"lie/m.so": _crafted_389(b)})
    r = b.run(["--json", path, _good_wheel(b)])
    return judge(r, (0, 1, 3), dists_good("good"))


def _fuzzed(b, count, seed):
    try:
        from test_hostile_elf import fuzz_inputs
    except ImportError as exc:
        raise Skip("cannot import tests/test_hostile_elf.py: {}".format(exc))
    return list(fuzz_inputs(_elf_corpus(b), count, seed=seed))


@case("elf-fuzzed-wheel", "memory and time bombs")
def _(b):
    members = {"lie/m{:04d}.so".format(i): d
               for i, d in enumerate(_fuzzed(b, 400, 2020))}
    path = _wheel_file(os.path.join(b.folder(), "lie-1.0-py3-none-any.whl"),
                       members)
    r = b.run(["--json", path, _good_wheel(b)])
    return judge(r, (0, 1, 3), dists_good("good"))


def _site(b, dists):
    """A site-packages of ``dists`` ({name: {relative path: bytes}}), and
    a --python that names it."""
    site = os.path.join(b.folder(), "site-packages")
    for name, files in dists.items():
        info = os.path.join(site, name + "-1.0.dist-info")
        os.makedirs(info, exist_ok=True)
        record = []
        for rel, data in files.items():
            path = os.path.join(site, rel.replace("\0", "_"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if data is None:
                if not os.path.exists(path):
                    os.mkfifo(path)
            else:
                with open(path, "wb") as f:
                    f.write(data)
            record.append(rel + ",,")
        with open(os.path.join(info, "RECORD"), "w") as f:
            f.write("\n".join(record) + "\n")
        with open(os.path.join(info, "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n"
                    .format(name))
    python = os.path.join(b.folder(), "python")
    with open(python, "w") as f:
        f.write("#!/bin/sh\nprintf '%s\\n' '{}'\n".format(json.dumps(
            [site])))
    os.chmod(python, 0o755)
    return python


def _good_site(b, extra=None):
    dists = {"good": {"good/m.so": bytes(_small_x86(_elf_corpus(b)))}}
    dists.update(extra or {})
    return _site(b, dists)


@case("elf-fuzzed-installed", "memory and time bombs")
def _(b):
    files = {"fuzz/m{:04d}.so".format(i): d
             for i, d in enumerate(_fuzzed(b, 300, 2021))}
    files["fuzz/shentsize0.so"] = _crafted_389(b)
    python = _good_site(b, {"fuzz": files})
    r = b.run(["--installed", "--json", "--python", python])
    return judge(r, (0, 1, 3), dists_good("good"))


@case("did-you-mean-8000-letters", "memory and time bombs")
def _(b):
    r = b.run(["--json"] + OPTS + b.piw.only + ["a" * 8000, GOOD_PIW])
    return judge(r, (1, 2), json_good(GOOD_PIW))


@case("jobs-100000000", "memory and time bombs")
def _(b):
    r = b.run(["--json", "-j", "100000000"] + OPTS + b.piw.only + [GOOD_PIW])
    return judge(r, (0, 2), json_good(GOOD_PIW) if r.code == 0 else None)


def _threads_case(name, jobs, codes):
    @case(name, "memory and time bombs")
    def _(b):
        return _threads_run(b, jobs, codes)


def _threads_run(b, jobs, codes):
    """As on a 32-bit Pi, whose 3 GB of address space hold about 380
    thread stacks of 8 MB: 3 GB of RLIMIT_DATA, which thread stacks
    count against (RLIMIT_AS on a 64-bit machine would count glibc's
    64 MB arena reservations too, which a 32-bit Pi does not have)."""
    path = b.write("req.txt", "".join("absent-{}\n".format(i)
                                      for i in range(400)) + GOOD_PIW + "\n")
    r = b.run(["--json", "-j", str(jobs)] + OPTS + [
        "--piwheels-url", b.piw.url, "--index-url", b.pypi.index,
        "--extra-index-url", b.piw.index, "--extra-index-url",
        b.pypi.url + "/simple/", "-r", path],
        limit_data=3 << 30)
    v = judge(r, codes, json_good(GOOD_PIW) if r.code != 2 else None)
    v.note = "{} threads, {} MB VmData, {} MB VmSize at most".format(
        r.threads, r.peak.get("VmData", 0) >> 10, r.peak.get("VmSize", 0)
        >> 10)
    return v


#: The issue's -j 200 (refused, exit 2, or run: exit 1), and the cap.
_threads_case("threads-400-reqs-j200-3-indexes", 200, (1, 2))
_threads_case("threads-400-reqs-j64-3-indexes", 64, (1,))


def _black_hole(b):
    """A port that accepts connections (the kernel's backlog) and never
    answers."""
    def make():
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        b.servers.append(type("Hole", (), {"stop": lambda self: sock.close()
                                           })())
        return "http://127.0.0.1:{}".format(sock.getsockname()[1])
    return b.once("black-hole", make)


@case("deep-download-ignores-timeout", "memory and time bombs")
def _(b):
    url = _black_hole(b) + "/" + armv7_wheel(b.evil())
    r = b.on_simple(simple_page(url), ["--deep"])
    return judge(r, (1, 3), json_good(GOOD_PYPI))


def _script(b, name, text):
    path = os.path.join(b.folder(), name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return path


@case("python-never-answers", "memory and time bombs")
def _(b):
    python = _script(b, "python", "#!/bin/sh\nexec sleep 300\n")
    r = b.run(["--python", python, "--no-deps"] + b.piw.only + [GOOD_PIW])
    return judge(r, (2,))


@case("installed-python-never-answers", "memory and time bombs")
def _(b):
    python = _script(b, "python", "#!/bin/sh\nexec sleep 300\n")
    r = b.run(["--installed", "--python", python])
    return judge(r, (2,))


@case("python-version-3.1000000", "memory and time bombs")
def _(b):
    r = b.run(["--json", "--python-version", "3.1000000", "--no-deps",
               "--platform", "linux_armv7l"] + b.piw.only + [GOOD_PIW])
    return judge(r, (1, 2), json_good(GOOD_PIW, ("ok", "no-wheel",
                                                  "no-match", "sdist"))
                 if r.code != 2 else None)


@case("abi-cp3999...9", "memory and time bombs")
def _(b):
    r = b.run(["--json", "--abi", "cp" + "3" + "9" * 20, "--no-deps",
               "--platform", "linux_armv7l"] + b.piw.only + [GOOD_PIW])
    return judge(r, (1, 2), json_good(GOOD_PIW, ("ok", "no-wheel",
                                                  "no-match", "sdist"))
                 if r.code != 2 else None)


@case("reqfile-80k-spaces", "memory and time bombs")
def _(b):
    path = b.write("req.txt", GOOD_PIW + " " * 80000 + "\nnumpy\n")
    r = b.run(["--json"] + OPTS + b.piw.only + ["-r", path])
    return judge(r, (0, 1), json_good(GOOD_PIW))


@case("reqfile-fifo", "memory and time bombs")
def _(b):
    path = os.path.join(b.folder(), "fifo")
    os.mkfifo(path)
    r = b.run(OPTS + b.piw.only + ["-r", path, GOOD_PIW])
    return judge(r, (2,))


@case("reqfile-dev-zero", "memory and time bombs")
def _(b):
    r = b.run(OPTS + b.piw.only + ["-r", "/dev/zero", GOOD_PIW])
    return judge(r, (2,))


@case("pip-config-file-dev-zero", "memory and time bombs")
def _(b):
    r = b.run(["--json"] + OPTS + b.piw.only + [GOOD_PIW],
              env=b.env(PIP_CONFIG_FILE="/dev/zero"))
    return judge(r, (0, 2), json_good(GOOD_PIW) if r.code == 0 else None)


# -- 4. one bad answer marks a healthy site down -----------------------------

def _down_case(name, play):
    @case(name, "site marked down")
    def _(b):
        b.piw.faults[b.evil()] = play
        r = b.run(["--json", "-j", "1"] + OPTS + b.piw.only +
                  [b.evil(), "numpy", GOOD_PIW])
        return judge(r, (3,), json_good(GOOD_PIW), also=[
            json_good("numpy")(r), evil_is(r, b.evil(), "error")])


_down_case("redirect-to-file-url", redirect("file:///etc/passwd"))
_down_case("duplicate-content-length",
           CATALOGUE["duplicate-content-length"].play)


def _namespace_ok():
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run(
        [unshare, "-m", "true"], capture_output=True).returncode == 0


@case("disk-full-cache-folder", "site marked down")
def _(b):
    """The cache on a full file system (a 64 kB tmpfs, filled, mounted
    in a mount namespace of the child's own): warnings at most, every
    project answered."""
    if not _namespace_ok():
        raise Skip("cannot mount a tmpfs (unshare -m refused)")
    cache = b.folder(b.name + "/cache")
    script = 'mount -t tmpfs -o size=64k tmpfs "$0" && { dd if=/dev/zero ' \
        'of="$0/fill" bs=4096 2>/dev/null; exec "$@"; }'
    cmd = ["unshare", "-m", "sh", "-c", script, cache, b.python, "-m",
           "piwcheck", "--json", "-j", "1"] + OPTS + b.piw.only + [
               "numpy", GOOD_PIW, "gpiozero"]
    r = spawn(cmd, b.env(cache=cache), b.timeout)
    return judge(r, (0,), json_good(GOOD_PIW), also=[
        json_good("numpy")(r), json_good("gpiozero")(r)])


@case("disk-full-everywhere", "site marked down")
def _(b):
    """Every write to a file fails (RLIMIT_FSIZE 0: EFBIG), /tmp's too,
    as on a Pi whose one SD card is full: warnings at most, every
    project answered."""
    r = b.run(["--json", "-j", "1"] + OPTS + b.piw.only +
              ["numpy", GOOD_PIW, "gpiozero"], fsize=0)
    return judge(r, (0,), json_good(GOOD_PIW), also=[
        json_good("numpy")(r), json_good("gpiozero")(r)])


# -- 5. trust in index data --------------------------------------------------

@case("deep-hash-is-a-path", "trust")
def _(b):
    planted = os.path.join(tempfile.gettempdir(), "planted")
    r = b.on_piwheels(piw_armv7(
        filehash="../../../../../../../../" + planted.lstrip("/"),
        apt_dependencies=None), ["--deep"])
    return judge(r, (3,), json_good(GOOD_PIW),
                 also=[evil_is(r, b.evil(), "error")])


def _trust_case(name, play, site="piwheels"):
    _doc_case(name, site, play, (0,), {"status": "ok", "version": "1.0"},
              group="trust")


_trust_case("files-of-another-project", CATALOGUE[
    "not-the-projects-name"].play)
_trust_case("files-of-another-release", CATALOGUE["other-release"].play)
_trust_case("readme-and-passwd-as-sdists", answer(piw_doc(piw_extra(
    "README", "/etc/passwd", "../../{n}-2.0.tar.gz", "{n}-2.0.exe"))))
_trust_case("simple-foreign-files", CATALOGUE["simple-foreign-files"].play,
            "simple")


# -- 6. streams, locales, signals -------------------------------------------

def _text_run(b, **kwargs):
    return b.run(OPTS + b.piw.only + ["numpy", GOOD_PIW, "gpiozero"],
                 **kwargs)


@case("stdout-pipe-closed", "streams and signals")
def _(b):
    """`| head -1` where head has gone: the read end closed first."""
    rd, wr = os.pipe()
    os.close(rd)
    try:
        r = _text_run(b, stdout=wr)
    finally:
        os.close(wr)
    return judge(r, DOCUMENTED, also=[(not r.err.strip() or
                                       r.err.count("\n") <= 1,
                                       "not quiet: " + r.last_error()[:60])])


@case("stdout-head-1", "streams and signals")
def _(b):
    rd, wr = os.pipe()
    head = subprocess.Popen(["head", "-1"], stdin=rd,
                            stdout=subprocess.DEVNULL)
    os.close(rd)
    try:
        r = b.run(["-v"] + OPTS + b.piw.only + ["numpy", GOOD_PIW,
                                                "gpiozero"], stdout=wr)
    finally:
        os.close(wr)
        head.wait()
    return judge(r, DOCUMENTED)


@case("help-pipe-closed", "streams and signals")
def _(b):
    rd, wr = os.pipe()
    os.close(rd)
    try:
        r = b.run(["--help"], stdout=wr)
    finally:
        os.close(wr)
    return judge(r, DOCUMENTED)


@case("stdout-closed", "streams and signals")
def _(b):
    r = _text_run(b, stdout=None, close_fds=(1,))
    return judge(r, (2,))


@case("stdout-dev-full", "streams and signals")
def _(b):
    with open("/dev/full", "wb") as full:
        r = _text_run(b, stdout=full)
    return judge(r, (2,))


@case("stdin-closed-r-dash", "streams and signals")
def _(b):
    r = b.run(OPTS + b.piw.only + ["-r", "-"], stdin=None, close_fds=(0,))
    return judge(r, (2,))


@case("stderr-closed-exit-3", "streams and signals")
def _(b):
    b.piw.faults[b.evil()] = "500"
    r = b.run(["--json"] + OPTS + b.piw.only + [b.evil(), GOOD_PIW],
              stderr=None, close_fds=(2,))
    return judge(r, (3,), json_good(GOOD_PIW))


def _latin1_locale():
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True,
                             text=True).stdout.split()
    except OSError:
        return None
    for name in ("en_GB", "en_GB.iso88591", "en_GB.ISO-8859-1"):
        if name in out:
            return name
    return None


def _latin1(b):
    """(environment, how) for raspi-config's en_GB (ISO-8859-1): made
    with localedef in a folder of the bench's (LOCPATH), else the
    system's, else emulated with PYTHONIOENCODING."""
    def make():
        folder = b.folder("locale")
        if shutil.which("localedef"):
            subprocess.run(["localedef", "-i", "en_GB", "-f", "ISO-8859-1",
                            os.path.join(folder, "en_GB")],
                           capture_output=True)
            if os.path.isdir(os.path.join(folder, "en_GB")):
                return {"LOCPATH": folder, "LC_ALL": "en_GB"}, \
                    "LC_ALL=en_GB, ISO-8859-1, by localedef"
        loc = _latin1_locale()
        if loc:
            return {"LC_ALL": loc}, "LC_ALL=" + loc
        return {"PYTHONIOENCODING": "latin-1"}, \
            "no ISO-8859-1 locale: PYTHONIOENCODING=latin-1"
    return b.once("latin1", make)


@case("tree-latin1-locale", "streams and signals")
def _(b):
    extra, how = _latin1(b)
    r = b.run(["--tree"] + PI + ["--timeout", "2"] + b.piw.only +
              ["gpiozero", GOOD_PIW], env=b.env(**extra))
    v = judge(r, (0, 1), text_good(GOOD_PIW))
    v.note = how
    return v


@case("verbose-latin1-locale", "streams and signals")
def _(b):
    """A project whose summary and names are not Latin-1, in en_GB."""
    extra, how = _latin1(b)
    b.piw.faults[b.evil()] = answer(lambda n: piw_doc()(n).replace(
        b'"package"', b'"summary": "\\u2603 \\u4e2d\\u6587", "package"'))
    r = b.run(["-v"] + OPTS + b.piw.only + [b.evil(), GOOD_PIW],
              env=b.env(**extra))
    v = judge(r, (0, 1), text_good(GOOD_PIW))
    v.note = how
    return v


@case("tree-ascii-stdout", "streams and signals")
def _(b):
    r = b.run(["--tree"] + PI + ["--timeout", "2"] + b.piw.only +
              ["gpiozero", GOOD_PIW], env=b.env(PYTHONIOENCODING="ascii"))
    return judge(r, (0, 1), text_good(GOOD_PIW))


def _leftovers(folder):
    found = []
    for top, dirs, files in os.walk(folder):
        found += [os.path.join(top, f) for f in files
                  if f.endswith(".part") or f.startswith(".tmp-")]
    return found


def _signal_case(name, sig, at):
    @case(name, "streams and signals")
    def _(b):
        cache = b.folder(b.name + "/cache")
        r = b.run(["--json"] + OPTS + b.slow.only + ["numpy", GOOD_PIW],
                  env=b.env(cache=cache),
                  signal_when=(lambda t: t >= at, sig))
        left = _leftovers(cache)
        codes = (130, -2) if sig == signal.SIGINT else (130, 143, -15)
        return judge(r, codes, also=[(not left, "left {}".format(
            ", ".join(os.path.basename(p) for p in left)[:70]))])


for _ms in (5, 25, 100, 400):
    _signal_case("sigint-at-{}ms".format(_ms), signal.SIGINT, _ms / 1000.0)
_signal_case("sigterm-at-25ms", signal.SIGTERM, 0.025)


def _late_signal_case(name, sig, deep):
    @case(name, "streams and signals")
    def _(b):
        """Interrupted while a body trickles in: the statistics list
        (.json.part) or a --deep download (.part)."""
        trickle = b.server()
        trickle.faults["packages.json"] = "trickle"
        cache = b.folder(b.name + "/cache")
        if deep:
            b.pypi.faults[b.evil()] = simple_page(
                trickle.url + "/packages.json")
            argv = ["--json", "--deep"] + OPTS + ["--piwheels-url",
                                                  b.piw.url] + \
                b.pypi.only + [b.evil()]
        else:
            argv = ["--stats", "--json"] + trickle.only + ["numpy"]
        state = {}

        def when(t):
            if trickle.count("packages.json") and "at" not in state:
                state["at"] = t
            return "at" in state and t >= state["at"] + 1.0
        r = b.run(argv, env=b.env(cache=cache), signal_when=(when, sig))
        left = _leftovers(cache)
        codes = (130, -2) if sig == signal.SIGINT else (130, 143, -15)
        v = judge(r, codes, also=[
            ("at" in state, "the download never started"),
            (not left, "left {}".format(", ".join(
                os.path.basename(p) for p in left)[:70]))])
        if left:  # the README says a later run sweeps them
            trickle.faults.clear()
            b.run(argv, env=b.env(cache=cache))
            v.note = "the next run {} them".format(
                "left" if any(os.path.exists(p) for p in left) else "swept")
        return v


_late_signal_case("sigterm-during-stats-download", signal.SIGTERM, False)
_late_signal_case("sigint-during-stats-download", signal.SIGINT, False)
_late_signal_case("sigterm-during-deep-download", signal.SIGTERM, True)


# -- 7. input as pip reads it ------------------------------------------------

@case("arg-numpy===foo", "input as pip reads it")
def _(b):
    r = b.run(["--json"] + OPTS + b.piw.only + ["numpy===foo", GOOD_PIW])
    return judge(r, (1, 2), json_good(GOOD_PIW) if r.code == 1 else None)


@case("arg-numpy==1.0.0x", "input as pip reads it")
def _(b):
    r = b.run(["--json"] + OPTS + b.piw.only + ["numpy==1.0.0x", GOOD_PIW])
    return judge(r, (1, 2), json_good(GOOD_PIW) if r.code == 1 else None)


@case("reqfile-1.0.0x-bookworm-pip", "input as pip reads it")
def _(b):
    """Bookworm's pip (23.0.1) accepts a legacy version: no-match."""
    path = b.write("requirements.txt", "adapt-parser==1.0.0x\n" + GOOD_PIW +
                   "\n")
    r = b.run(["--json", "--pi", "bookworm-32", "--no-deps", "--timeout",
               "2"] + b.piw.only + ["-r", path])
    return judge(r, (1,), json_good(GOOD_PIW))


def _coding_case(name, codec):
    @case(name, "input as pip reads it")
    def _(b):
        path = b.write("requirements.txt", "# -*- coding: {} -*-\n{}\n"
                       .format(codec, GOOD_PIW))
        r = b.run(["--json"] + OPTS + b.piw.only + ["-r", path])
        return judge(r, (0, 2), json_good(GOOD_PIW) if r.code == 0 else None)


_coding_case("reqfile-coding-rot13", "rot13")
_coding_case("reqfile-coding-zlib", "zlib")
_coding_case("reqfile-coding-unknown", "no-such-codec")


@case("reqfile-400-nested-r", "input as pip reads it")
def _(b):
    folder = b.folder()
    for i in range(400):
        with open(os.path.join(folder, "r{}.txt".format(i)), "w") as f:
            f.write("-r r{}.txt\n".format(i + 1) if i < 399 else
                    GOOD_PIW + "\n")
    r = b.run(["--json"] + OPTS + b.piw.only + ["-r",
              os.path.join(folder, "r0.txt")])
    return judge(r, (0, 2), json_good(GOOD_PIW) if r.code == 0 else None)


@case("installed-record-nul-byte", "input as pip reads it")
def _(b):
    python = _good_site(b, {"evil": {"evil/a\0b.so": b"x",
                                     "evil/fifo.so": None}})
    r = b.run(["--installed", "--json", "--python", python])
    return judge(r, (1, 3), dists_good("good"))


@case("python-reporting-no-tags", "input as pip reads it")
def _(b):
    env = {"implementation_name": "cpython", "implementation_version":
           "3.11.2", "os_name": "posix", "platform_machine": "armv7l",
           "platform_release": "6.6", "platform_system": "Linux",
           "platform_version": "#1", "python_full_version": "3.11.2",
           "platform_python_implementation": "CPython",
           "python_version": "3.11", "sys_platform": "linux"}
    python = _script(b, "python", "#!/bin/sh\nprintf '%s\\n' '{}'\n".format(
        json.dumps({"tags": [], "env": env, "pip": "23.0.1"})))
    r = b.run(["--python", python, "--no-deps"] + b.piw.only + [GOOD_PIW])
    return judge(r, (2,))


@case("reqfile-url-in-model-cache", "input as pip reads it")
def _(b):
    cache = b.folder(b.name + "/cache")
    b.run(["--json"] + OPTS + b.piw.only + ["numpy"], env=b.env(cache=cache))
    r = b.run(["--json"] + OPTS + b.piw.only + [
        "-r", b.piw.url + "/project/numpy/json/", GOOD_PIW],
        env=b.env(cache=cache))
    return judge(r, (1, 2), json_good(GOOD_PIW) if r.code != 2 else None)


#: Lines pip 26.3 refuses (the issue's list): a one-line input error
#: naming file:line, exit 2.
PIP_REFUSES = {
    "install-option": "numpy --install-option=--prefix=/x\n",
    "global-option": "numpy --global-option=build_ext\n",
    "editable-no-name": "-e git+https://github.com/x/y.git\n",
    "editable-archive-url": "-e https://x.invalid/foo-1.0.tar.gz\n",
    "egg-with-extras": "git+https://github.com/x/y.git#egg=foo[bar]\n",
    "legacy-star": "foo>=1.0.*\n",
    "legacy-version": "adapt-parser==1.0.0x\n",
    "backslash-space": "foo \\ \nbar\n",
    "slash-in-name": "foo/bar==1.0\n",
    "tilde": "~/foo\n",
}
#: Lines pip 26.3 accepts: what follows a requirement's --hash is
#: dropped.
PIP_ACCEPTS = {
    "hash-before-spec": "numpy --hash=sha256:{} ==1.0\n".format("0" * 64),
    "hash-then-word": "numpy --hash=sha256:{} bar\n".format("0" * 64),
}


def _pip_line_case(key, text, refused):
    @case("reqfile-pip26-{}-{}".format("refuses" if refused else "accepts",
                                       key), "input as pip reads it")
    def _(b):
        cwd = b.folder()
        path = b.write("requirements.txt", text + GOOD_PIW + "\n")
        r = b.run(["--json", "--pip-version", "26.3"] + OPTS + b.piw.only +
                  ["-r", path], cwd=cwd)
        if refused:
            return judge(r, (2,), also=[(
                "requirements.txt:" in r.err, "no file:line in: " +
                r.last_error()[:60])])
        return judge(r, (1, 3), json_good(GOOD_PIW))


for _key, _text in PIP_REFUSES.items():
    _pip_line_case(_key, _text, True)
for _key, _text in PIP_ACCEPTS.items():
    _pip_line_case(_key, _text, False)


# -- 8. the target platform: the suite itself -------------------------------

PI_PIP_CONF = "[global]\nextra-index-url=https://www.piwheels.org/simple\n"


def _pytest(b, args, **kwargs):
    cmd = [b.python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
           "-W", "ignore::DeprecationWarning"] + args
    env = b.env(PIWCHECK_JUDGE_PYTHON=None)
    return spawn(cmd, env, max(b.timeout, 180), cwd=b.tree, limit_data=None,
                 **kwargs)


@case("suite-with-pi-os-pip-conf", "target platform")
def _(b):
    """tests/test_indexes.py's isolation test with Raspberry Pi OS's
    /etc/pip.conf (bind-mounted in a mount namespace of its own where
    that works; else as the XDG site file)."""
    conf = b.write("pip.conf", PI_PIP_CONF)
    xdg = b.folder(b.name + "/xdg/pip")
    shutil.copy(conf, os.path.join(xdg, "pip.conf"))
    test = "tests/test_indexes.py::test_isolated_ignores_user_files_and_" \
        "variables"
    unshare = shutil.which("unshare")
    if unshare and os.path.exists("/etc/pip.conf") and subprocess.run(
            [unshare, "-m", "true"], capture_output=True).returncode == 0:
        cmd = [unshare, "-m", "sh", "-c",
               'mount --bind "$0" /etc/pip.conf && exec "$@"', conf,
               b.python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               "-W", "ignore::DeprecationWarning", test]
        how = "/etc/pip.conf bind-mounted"
    else:
        cmd = [b.python, "-m", "pytest", "-q", "-x", "-p",
               "no:cacheprovider", "-W", "ignore::DeprecationWarning", test]
        how = "XDG_CONFIG_DIRS only"
    env = b.env(XDG_CONFIG_DIRS=os.path.dirname(xdg),
                PIP_CONFIG_FILE=None)
    r = spawn(cmd, env, max(b.timeout, 180), cwd=b.tree, limit_data=None)
    v = judge(r, (0,), one_line=False, seconds=None, rss=None)
    v.causes = v.causes[:1] and ["pytest: " + (r.out.strip().splitlines()
                                               or ["?"])[-1][:80]]
    v.note = how
    return v


@case("suite-ctrl-c-with-sigint-ignored", "target platform")
def _(b):
    r = _pytest(b, ["tests/test_network.py::test_ctrl_c_stops_within_a_"
                    "second"], ignore_sigint=True)
    v = judge(r, (0,), one_line=False, seconds=None, rss=None)
    v.causes = v.causes[:1] and ["pytest: " + (r.out.strip().splitlines()
                                               or ["?"])[-1][:80]]
    return v


# -- 9. wrong or misleading answers -----------------------------------------

def _answers(r):
    return {n: (p.get("status"), p.get("version"),
                (p.get("file") or {}).get("filename"))
            for n, p in r.packages().items()}


@case("offline-after-online", "wrong answers")
def _(b):
    cache = b.folder(b.name + "/cache")
    argv = ["--json", "--timeout", "2"] + PI + ["--piwheels-url", b.piw.url,
            "--index-url", b.pypi.index, "--extra-index-url", b.piw.index,
            "pypi-only", "numpy", GOOD_PIW]
    online = b.run(argv, env=b.env(cache=cache))
    r = b.run(["--offline"] + argv, env=b.env(cache=cache))
    lines = [line for line in r.err.splitlines() if line.strip()]
    dups = sorted({line for line in lines if lines.count(line) > 1})
    diff = sorted(n for n in set(_answers(online)) | set(_answers(r))
                  if _answers(online).get(n) != _answers(r).get(n))
    return judge(r, (online.code,), json_good(GOOD_PIW), also=[
        (not diff, "differs from online for " + ", ".join(diff)[:60]),
        (not dups, "said twice: " + (dups[0][:60] if dups else ""))])


def _damage_bodies(folder):
    """Each cached HTTP body replaced by broken JSON, the entry itself
    valid: the count damaged."""
    import msgpack
    count = 0
    root = os.path.join(folder, "piwcheck", "http")
    for fn in os.listdir(root):
        path = os.path.join(root, fn)
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(b"cc=4,"):
            continue
        entry = msgpack.loads(data[5:], raw=False)
        resp = entry.get("response") or {}
        if not resp.get("body"):
            continue
        resp["body"] = b'{"releases": {"1.0": '
        for k in list(resp.get("headers") or {}):
            if k.lower() == "content-length":
                resp["headers"][k] = str(len(resp["body"]))
        with open(path, "wb") as f:
            f.write(b"cc=4," + msgpack.dumps(entry, use_bin_type=True))
        count += 1
    return count


@case("damaged-cached-body-refetched", "wrong answers")
def _(b):
    try:
        import msgpack  # noqa: F401
    except ImportError:
        raise Skip("msgpack is not installed for the bench")
    cache = b.folder(b.name + "/cache")
    argv = ["--json"] + OPTS + b.piw.only + ["numpy", GOOD_PIW]
    first = b.run(argv, env=b.env(cache=cache))
    if not _damage_bodies(cache):
        raise Skip("no cachecontrol cc=4 entries to damage")
    r = b.run(argv, env=b.env(cache=cache))
    return judge(r, (first.code,), json_good(GOOD_PIW), also=[
        (_answers(first) == _answers(r), "answers differ from the first "
         "run: " + str(_answers(r).get("numpy"))[:50])])


@case("deep-download-404", "wrong answers")
def _(b):
    r = b.on_simple(simple_page(lambda n: b.pypi.url + "/gone/" +
                                armv7_wheel(n)), ["--deep"])
    return judge(r, (1, 3), json_good(GOOD_PYPI))


@case("constraint-empties-a-dependency", "wrong answers")
def _(b):
    path = b.write("constraints.txt", "colorzero<0\n")
    r = b.run(["--json", "--timeout", "2"] + PI + b.piw.only +
              ["-c", path, "gpiozero", GOOD_PIW])
    silent = [n for n, p in r.packages().items()
              if p.get("status") != "ok" and not p.get("reason")]
    return judge(r, (1, 2), json_good(GOOD_PIW) if r.code != 2 else None,
                 also=[(not silent, "no reason for " + ", ".join(silent))])


@case("no-binary-reason", "wrong answers")
def _(b):
    r = b.run(["--json", "--no-binary", "numpy"] + OPTS + b.piw.only +
              ["numpy", GOOD_PIW])
    p = r.packages().get("numpy") or {}
    wrong = "no wheel for this target in any index" in (p.get("reason")
                                                         or "")
    return judge(r, (0, 1), json_good(GOOD_PIW), also=[
        (not wrong, "numpy: " + (p.get("reason") or "")[:60])])


@case("pip-version-banana", "wrong answers")
def _(b):
    r = b.run(["--pip-version", "banana"] + OPTS + b.piw.only + [GOOD_PIW])
    return judge(r, (2,))


def _pi_override_case(name, extra, wanted):
    @case(name, "wrong answers")
    def _(b):
        r = b.run(["--json", "--pi", "bookworm-32", "--no-deps"] + extra +
                  b.piw.only + [GOOD_PIW])
        target = (r.json() or {}).get("target") or {}
        assumed = " | ".join(target.get("assumed") or ())
        told = r.code == 2 or wanted(target, assumed)
        return judge(r, (0, 1, 2), json_good(GOOD_PIW, ("ok", "no-wheel",
                                                         "sdist"))
                     if r.code != 2 else None,
                     also=[(told, "misdescribed: " + assumed[:70])])


_pi_override_case("pi-bookworm-32-with-abi-cp39", ["--abi", "cp39"],
                  lambda t, a: t.get("abi") == "cp39" and "3.11" not in a)
_pi_override_case("pi-bookworm-32-with-platform-armv6l",
                  ["--platform", "linux_armv6l"],
                  lambda t, a: "linux_armv7l" not in (t.get("platforms") or
                                                      ()) and
                  "platforms of a bookworm-32 Pi" not in a)


@case("installed-names-one-absent", "wrong answers")
def _(b):
    r = b.run(["--installed", "--json", "--python", _good_site(b), "numpy"])
    named = r.code != 2 and "numpy" in r.out
    return judge(r, (1, 2), also=[(named, "numpy not reported ({})".format(
        r.last_error()[:70] if r.code == 2 else "exit {}".format(r.code)))])


def _installed_option_case(name, option):
    @case(name, "wrong answers")
    def _(b):
        python = _good_site(b)
        plain = b.run(["--installed", "--python", python])
        r = b.run(["--installed", "--python", python, option])
        return judge(r, (plain.code, 2), also=[(
            r.code == 2 or r.out != plain.out,
            "{} changes nothing".format(option))])


_installed_option_case("installed-quiet", "-q")
_installed_option_case("installed-summary", "--summary")
_installed_option_case("installed-tree", "--tree")


@case("installed-from-a-venv", "wrong answers")
def _(b):
    """The README's quick start: piwcheck in a venv of its own, then
    `piwcheck --installed` must look at the user's python3."""
    venv = os.path.join(b.folder(), "venv")
    made = subprocess.run([b.python, "-m", "venv", "--without-pip",
                           "--system-site-packages", venv],
                          capture_output=True, text=True)
    if made.returncode:
        raise Skip("cannot make a venv: " + made.stderr[-80:])
    lib = subprocess.run([b.python, "-c", "import sysconfig; print("
                          "sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True).stdout.strip()
    python = os.path.join(venv, "bin", "python")
    r = b.run(["--installed", "--json"], python=python,
              env=b.env(PYTHONPATH=os.pathsep.join([b.tree, lib])))
    what = str((r.json() or {}).get("checked") or r.out[:300])
    return judge(r, (0, 1, 3), also=[(venv not in what,
                                      "inspected the venv: " + what[-50:])])


@case("installed-wheel-argument", "wrong answers")
def _(b):
    r = b.run(["--installed", "--json", _good_wheel(b)])
    return judge(r, (0, 1, 3), dists_good("good"))


@case("output-dash-is-stdout", "wrong answers")
def _(b):
    cwd = b.folder()
    r = b.run(["-o", "-"] + OPTS + b.piw.only + [GOOD_PIW], cwd=cwd)
    return judge(r, (0,), text_good(GOOD_PIW), also=[
        (not os.path.exists(os.path.join(cwd, "-")), "wrote a file '-'")])


@case("output-bad-path-before-fetching", "wrong answers")
def _(b):
    before = b.slow.count()
    r = b.run(["-o", "/nonexistent/dir/report"] + OPTS + b.slow.only +
              [GOOD_PIW])
    asked = b.slow.count() - before
    return judge(r, (2,), also=[(not asked, "{} requests first".format(
        asked))])


@case("offline-did-you-mean", "wrong answers")
def _(b):
    cache = b.folder(b.name + "/cache")
    argv = ["--json"] + OPTS + b.piw.only + ["numpyy", GOOD_PIW]
    online = b.run(argv, env=b.env(cache=cache))
    r = b.run(["--offline"] + argv, env=b.env(cache=cache))
    said = (online.packages().get("numpyy") or {}).get("suggestions")
    got = (r.packages().get("numpyy") or {}).get("suggestions")
    return judge(r, (1, 3), json_good(GOOD_PIW), also=[
        (bool(got), "no 'did you mean' offline (online: {})".format(said))])


# -- main ----------------------------------------------------------------------

def line(name, v):
    r = v.run
    if v.skip is not None:
        return "{:<44} {:>5} {:>8} {:>8} tb=- good=- SKIP  {}".format(
            name, "-", "-", "-", v.skip)
    good = "-" if v.good is None else "Y" if v.good else "N"
    cause = "; ".join(v.causes)
    note = getattr(v, "note", "")
    if note:
        cause = (cause + " [" + note + "]").strip()
    return "{:<44} {:>5} {:7.2f}s {:6.1f}MB tb={} good={} {}  {}".format(
        name, r.shown_code, r.seconds, r.rss_mb, "Y" if r.traceback else "-",
        good, "PASS" if v.ok else "FAIL", cause[:160])


def main(argv=None):
    global LIMIT_DATA
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=ROOT,
                        help="the piwcheck checkout to run (default: this "
                             "one)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter piwcheck runs under")
    parser.add_argument("--only", action="append", default=[],
                        metavar="NAME", help="run only NAME (repeatable; "
                        "shell wildcards match several)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds before a child is killed")
    parser.add_argument("--limit-data", type=int, default=LIMIT_DATA >> 20,
                        metavar="MB", help="each child's RLIMIT_DATA "
                        "(default: %(default)s: none; a child is killed "
                        "past {} MB of RSS)".format(KILL_RSS >> 20))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show the stderr of each FAIL")
    args = parser.parse_args(argv)
    chosen = [(n, g, f) for n, g, f in CASES if not args.only or any(
        fnmatch.fnmatchcase(n, o) for o in args.only)]
    if args.list:
        for n, g, _ in chosen:
            print("{:<44} {}".format(n, g))
        return 0
    if not chosen:
        parser.error("no reproduction is named {}".format(args.only))
    print("piwcheck from {} under {}".format(args.tree, args.python))
    sys.stdout.flush()
    LIMIT_DATA = args.limit_data << 20
    bench = Bench(args.tree, args.python, args.timeout, args.verbose)
    counts = {"n": 0, "pass": 0, "fail": 0, "tb": 0, "skip": 0}
    started = time.monotonic()
    try:
        for name, group, fn in chosen:
            bench.name = name
            try:
                v = fn(bench)
            except Skip as exc:
                v = Verdict(skip=str(exc))
            counts["n"] += 1
            if v.skip is not None:
                counts["skip"] += 1
            elif v.ok:
                counts["pass"] += 1
            else:
                counts["fail"] += 1
            if v.run is not None and v.run.traceback:
                counts["tb"] += 1
            print(line(name, v))
            if args.verbose and v.run is not None and not v.ok:
                for text in v.run.err.strip().splitlines()[-6:]:
                    print("    | " + text[:200])
            sys.stdout.flush()
    finally:
        bench.close()
    print("{n} reproductions, {pass} passed, {fail} failed, {tb} tracebacks"
          .format(**counts) + (" ({} skipped)".format(counts["skip"])
                               if counts["skip"] else "") +
          " in {:.0f} s".format(time.monotonic() - started))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
