# SPDX-License-Identifier: BSD-3-Clause
"""The process around main (issue 20, "never a traceback"): stdout
whose reader has gone, closed or full standard streams, Ctrl-C and
SIGTERM at any moment (no traceback, the documented status, no
temporary files left in the cache).  Each runs piwcheck as a real
process: these are the states a process starts in or receives."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from helpers import native_timing, piw

pytestmark = native_timing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: An index nobody answers at once (the discard port refuses).
DEAD = ["--no-cache", "--pi", "bookworm-32", "--index-url",
        "http://127.0.0.1:9/simple", "--piwheels-url", "http://127.0.0.1:9"]


def _defaults():
    """The child gets SIGINT's and SIGTERM's default dispositions,
    unblocked, whatever this process has (under nohup SIGINT is ignored
    and a child would inherit that)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK,
                           [signal.SIGINT, signal.SIGTERM])


def _env(**extra):
    env = dict(os.environ, PYTHONUNBUFFERED="1", **extra)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DEBUG", None)
    return env


def _shell(script, **extra):
    """``script`` in bash, with $P the command: (status, stdout,
    stderr)."""
    cmd = "{} -m piwcheck".format(sys.executable)
    p = subprocess.run(["bash", "-c", script], cwd=ROOT, env=_env(P=cmd, **extra),
                       capture_output=True, text=True, timeout=60,
                       preexec_fn=_defaults)
    return p.returncode, p.stdout, p.stderr


def _one_line(err, start="piwcheck: "):
    assert "Traceback" not in err and "Exception ignored" not in err, err
    lines = err.splitlines()
    assert lines and all(line.startswith(start) for line in lines), err
    return lines[-1]


def test_a_pipe_whose_reader_has_gone_is_not_an_error():
    """`| true` closes the pipe before anything is written: nothing on
    stderr, and the status the run has (0 for --help, as `--help |
    head` has; 3 for an unreachable index, as when the pipe's buffer
    takes the report)."""
    for args, status in (("--help", 0), ("--version", 0),
                         (" ".join(DEAD) + " numpy", 3),
                         (" ".join(DEAD) + " --json numpy", 3)):
        code, out, err = _shell(
            "sleep 0.3 | true; exec 3>&1; "
            "( $P {} ; echo $? >&3 ) | (exec 0<&-; true)".format(args))
        got = [line for line in out.splitlines() if line.strip()]
        assert got == [str(status)], (args, out, err)
        assert "Traceback" not in err and "Exception ignored" not in err \
            and "Broken pipe" not in err, (args, err)


def test_head_takes_the_first_line_quietly(tmp_path):
    """A report longer than the pipe's buffer, read by `head -1`."""
    req = tmp_path / "req.txt"
    req.write_text("".join("pkg-{}\n".format(i) for i in range(3000)))
    code, out, err = _shell(
        "set -o pipefail; $P {} --offline --cache-dir {} "
        "-r {} | head -1".format(" ".join(DEAD[1:]), tmp_path / "c", req))
    assert out.startswith("Target: "), out
    assert "Traceback" not in err and "Exception ignored" not in err \
        and "Broken pipe" not in err, err


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"])
def test_stdout_that_cannot_be_written_is_one_line_and_2(redirect):
    if redirect == ">/dev/full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    for args in ("numpy", "--json numpy", "--stats numpy")[
            :3 if redirect == ">&-" else 2]:
        code, out, err = _shell("$P {} {} {}".format(" ".join(DEAD), args,
                                                    redirect))
        assert code == 2, (args, err)
        assert "cannot write the output to stdout" in _one_line(err), err


def test_closed_stdout_is_found_before_anything_is_fetched():
    code, out, err = _shell("$P {} --json numpy >&-".format(" ".join(DEAD)))
    assert code == 2
    assert _one_line(err) == "piwcheck: error: cannot write the output " \
        "to stdout: it is closed (give -o FILE)"


def test_closed_stdout_with_an_output_file(tmp_path):
    out_file = tmp_path / "r.json"
    code, out, err = _shell("$P {} --json -o {} numpy >&-".format(
        " ".join(DEAD), out_file))
    assert code == 3, err
    assert json.loads(out_file.read_text())["packages"][0]["name"] == \
        "numpy"


def test_requirements_from_a_closed_stdin():
    code, out, err = _shell("$P {} -r - <&-".format(" ".join(DEAD)))
    assert code == 2
    assert _one_line(err) == "piwcheck: error: -: cannot read the " \
        "requirements from stdin: it is closed"


@pytest.mark.parametrize("redirect", ["2>&-", "2>/dev/full"])
def test_the_status_does_not_depend_on_stderr(redirect):
    if redirect == "2>/dev/full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    code, out, err = _shell("$P {} numpy {}".format(" ".join(DEAD),
                                                    redirect))
    assert code == 3
    assert "piwcheck:" not in out  # not written to stdout instead
    code, out, err = _shell("$P {} --json numpy {}".format(" ".join(DEAD),
                                                           redirect))
    assert code == 3 and json.loads(out)["packages"][0]["status"] == "error"
    code, out, err = _shell("$P --jobs 0 numpy {}".format(redirect))
    assert code == 2 and out == ""


# --- signals ---------------------------------------------------------

#: What the child runs: Python is up and piwcheck's package and
#: __main__ are read before it says "go", so what the signal lands in
#: after that is piwcheck's own code (Python's own start, and runpy's,
#: are not piwcheck's to guard).
LAUNCH = """\
import sys
import piwcheck
path = piwcheck.__path__[0] + "/__main__.py"
code = compile(open(path).read(), path, "exec")
sys.argv = ["piwcheck"] + sys.argv[1:]
sys.stderr.write("go\\n")
sys.stderr.flush()
exec(code, {"__name__": "__main__", "__package__": "piwcheck",
            "__file__": path})
"""

#: Ctrl-C in the launcher's own last lines, before piwcheck's code runs
#: (a traceback with only the launcher's frame; Python 3.13 adds the -c
#: line and carets under it).
LAUNCHER_ONLY = (r'Traceback \(most recent call last\):\n  File "<string>", '
                 r'line \d+, in <module>\n(?:    .*\n)*KeyboardInterrupt\n')

STATUS = {signal.SIGINT: (130, "piwcheck: interrupted"),
          signal.SIGTERM: (143, "piwcheck: terminated")}


def _start(args, cwd):
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH] + args, cwd=cwd, env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_defaults)
    assert proc.stderr.readline() == b"go\n"
    return proc


def _ended_cleanly(proc, sig, cache, early=True):
    out, err = proc.communicate(timeout=30)
    err = err.decode()
    status, line = STATUS[sig]
    if early and re.fullmatch(LAUNCHER_ONLY, err):
        return  # the signal came before the launcher ran piwcheck
    assert "Traceback" not in err and "Exception ignored" not in err, err
    if proc.returncode != -sig or not early:
        # not ended by the signal itself, as before piwcheck's handlers
        assert proc.returncode == status, (proc.returncode, err)
        assert err.splitlines()[-1] == line, err
    left = [os.path.join(d, f) for d, _, files in os.walk(cache)
            for f in files if f.startswith(".tmp-") or f.endswith(".part")]
    assert left == [], left


@pytest.fixture
def slow(tmp_path):
    """A piwheels fake that answers after 0.3 s, over a slow link, with
    a big statistics list (a long download into a .json.part)."""
    from piwserver import PiwheelsServer
    server = PiwheelsServer(delay=0.3, bandwidth=2e6).start()
    server.packages_json = json.dumps(
        [["pkg-{}".format(i), i, i] for i in range(200000)]).encode()
    yield server
    server.stop()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0, 0.025, 0.1, 0.5, 1.5])
def test_a_signal_at_any_moment(slow, tmp_path, sig, delay):
    """No traceback, 130 or 143 (or the signal's own end, before
    piwcheck could act), and no temporary file in the cache."""
    cache = tmp_path / "cache"
    req = tmp_path / "req.txt"
    req.write_text("numpy\ngpiozero\nno-such-thing\npkg-1\n" +
                   "".join("pkg-{}\n".format(i) for i in range(40)))
    proc = _start(["--cache-dir", str(cache), "-j", "4", "--pi",
                   "bookworm-32"] + piw(slow.url) + ["-r", str(req)],
                  str(tmp_path))
    time.sleep(delay)
    proc.send_signal(sig)
    _ended_cleanly(proc, sig, cache, early=delay < 0.1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_statistics_download(slow, tmp_path, sig):
    cache = tmp_path / "cache"
    proc = _start(["--cache-dir", str(cache), "--stats", "numpy",
                   "--piwheels-url", slow.url], str(tmp_path))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(
            f.endswith(".json.part") for _, _, files in os.walk(cache)
            for f in files):
        time.sleep(0.01)
    time.sleep(0.1)
    proc.send_signal(sig)
    _ended_cleanly(proc, sig, cache, early=False)


#: A run whose signal lands inside a finalizer (a weakref callback, as
#: when importlib frees a module's lock), where Python cannot raise it:
#: it prints "Exception ignored in ..." and goes on.
IN_A_FINALIZER = """\
import os, signal, sys, weakref
from piwcheck import cli
from piwcheck.cli import modes
real = modes.run
class Thing:
    pass
def run(s):
    thing = Thing()
    def finalizer():
        os.kill(os.getpid(), {sig})
        for _ in range(100000):  # the handler runs in here
            pass
    weakref.finalize(thing, finalizer)
    del thing
    return real(s)
modes.run = run
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_inside_a_finalizer_is_not_lost(tmp_path, sig):
    """The signal is sent again and raised where Python can: the run
    ends as interrupted (the CI's bullseye run once went on to the
    statistics download, and printed a traceback, after SIGTERM came
    inside an import lock's callback)."""
    proc = subprocess.run(
        [sys.executable, "-c", IN_A_FINALIZER.format(sig=int(sig)),
         "--isolated", "--no-cache", *DEAD, "numpy"], cwd=str(tmp_path),
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_defaults, timeout=60)
    err = proc.stderr.decode()
    status, line = STATUS[sig]
    assert "Exception ignored" not in err and "Traceback" not in err, err
    assert proc.returncode == status, (proc.returncode, err)
    assert err.splitlines()[-1] == line, err


def test_ctrl_c_while_piwcheck_is_imported(tmp_path):
    """SIGINT as each of piwcheck's modules is first imported (the
    console script's and __main__'s imports, then main's own): 130, no
    traceback.  The first, runpy's import of the package itself, is
    Python's (an __init__ with no imports)."""
    hook = """\
import builtins, os, signal, sys
n = int(sys.argv.pop(1))
real = builtins.__import__
seen = []
def imp(name, globals=None, locals=None, fromlist=(), level=0):
    full = name if not level else ".".join(filter(None, (
        (globals or {}).get("__package__", ""), name)))
    if full.startswith("piwcheck") and full not in seen:
        seen.append(full)
        if len(seen) == n:
            os.kill(os.getpid(), signal.SIGINT)
    return real(name, globals, locals, fromlist, level)
builtins.__import__ = imp
import runpy
runpy.run_module("piwcheck", run_name="__main__", alter_sys=True)
"""
    for n in range(2, 10):
        p = subprocess.run([sys.executable, "-c", hook, str(n)] + DEAD +
                           ["numpy"], cwd=str(tmp_path), env=_env(),
                           capture_output=True, text=True, timeout=60,
                           preexec_fn=_defaults)
        assert "Traceback" not in p.stderr, (n, p.stderr)
        assert p.returncode == 130, (n, p.returncode, p.stderr)


def test_stale_temporary_files_are_removed_when_the_cache_opens(tmp_path):
    """What a killed run (SIGKILL) left: removed by the next run once an
    hour old; a fresh one may be another run's, and stays."""
    from piwcheck.cli.modes import sweep_stale

    http = tmp_path / "http"
    http.mkdir()
    old, new = http / ".tmp-old", http / ".tmp-new"
    part = tmp_path / "x.json.part"
    for f in (old, new, part):
        f.write_bytes(b"x")
    hour_ago = time.time() - 3700
    os.utime(old, (hour_ago, hour_ago))
    os.utime(part, (hour_ago, hour_ago))
    sweep_stale(str(tmp_path))
    assert not old.exists() and not part.exists() and new.exists()
