# SPDX-License-Identifier: BSD-3-Clause
"""Asking another interpreter (--python's) to describe itself: it is run
with a time limit and at most so many bytes of what it prints are read,
so that one that never answers, or answers without end, costs seconds
and a bounded amount of memory, not minutes or all of it."""

import json
import os
import selectors
import signal
import subprocess
from typing import List, NamedTuple, Sequence

from .errors import InputError

#: How long --python's interpreter may take to describe itself, and the
#: most it may print doing it (a Pi's describes itself in about 100 kB).
SECONDS = 8.0
BYTES = 4 * 1000 * 1000
#: What is kept of stderr: its end, where the last error line is.
STDERR_KEPT = 64 * 1024


def shown(text: str, most: int = 60) -> str:
    """``text`` as an error message repeats it: repr'd, and cut short
    when it is long."""
    if len(text) <= most:
        return repr(text)
    return "{!r}... ({:,} characters)".format(text[:most], len(text))


class ProbeError(Exception):
    """It did not answer in time, or printed more than it may."""


class Answer(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes


def run_bounded(argv: Sequence[str], seconds: float, limit: int) -> Answer:
    """Run ``argv`` (stdin empty, in a session of its own, so that what
    it starts ends with it); its exit status, stdout (at most ``limit``
    bytes) and the end of its stderr.  ProbeError when it takes longer
    than ``seconds`` or prints more; OSError when it cannot be run."""
    import time

    proc = subprocess.Popen(
        list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + seconds
    out: List[bytes] = []
    err = b""
    size = 0
    done = False
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            sel.register(proc.stderr, selectors.EVENT_READ)
            while sel.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProbeError("it did not answer within {:g} s"
                                     .format(seconds))
                for key, _ in sel.select(left):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        sel.unregister(key.fileobj)
                    elif key.fileobj is proc.stdout:
                        size += len(chunk)
                        if size > limit:
                            raise ProbeError(
                                "it printed more than {:,} bytes".format(
                                    limit))
                        out.append(chunk)
                    else:
                        err = (err + chunk)[-STDERR_KEPT:]
        try:
            code = proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise ProbeError("it did not answer within {:g} s".format(
                seconds))
        done = True
        return Answer(code, b"".join(out), err)
    finally:
        if not done:
            _end(proc)
        proc.stdout.close()
        proc.stderr.close()


def _end(proc: subprocess.Popen) -> None:
    """End ``proc`` and what it started (its session's process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        try:
            proc.kill()
        except OSError:
            pass
    proc.wait()


_CHILD = r"""
import json, sys
sys.path.append(sys.argv[1])
from packaging import markers, tags
try:
    from importlib.metadata import version
    pip = version("pip")
except Exception:
    pip = None
print(json.dumps({"tags": [str(t) for t in tags.sys_tags()],
                  "env": markers.default_environment(), "pip": pip}))
"""


def named_path(python: str) -> str:
    """--python's path as an error message names it."""
    return python if len(python) <= 200 else shown(python, 200)


def ask(python: str) -> dict:
    """What the interpreter at ``python`` says of itself (_CHILD's
    JSON); InputError, naming it, when it cannot say."""
    import packaging

    lend = os.path.dirname(os.path.dirname(packaging.__file__))
    named = named_path(python)
    try:
        proc = run_bounded([python, "-I", "-c", _CHILD, lend],
                           SECONDS, BYTES)
    except ProbeError as exc:
        raise InputError("--python {}: not a Python interpreter piwcheck "
                         "can ask ({})".format(named, exc))
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise InputError("--python {}: cannot run it: {}".format(
            named, getattr(exc, "strerror", None) or exc))
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        last = (lines or [""])[-1].strip()
        if not last or any(piece.strip() and piece.strip() in last
                           for piece in _CHILD.splitlines()):
            last = ""  # not Python: it echoed the probe back
        raise InputError("--python {}: not a Python interpreter piwcheck "
                         "can ask (it exited {}{})".format(
                             named, proc.returncode,
                             ": " + last[:200] if last else ""))
    try:
        data = json.loads(proc.stdout.decode("utf-8", "replace"))
    except (ValueError, RecursionError):  # not JSON, or nested deep
        data = None
    if not isinstance(data, dict):
        raise InputError(
            "--python {}: it did not describe itself".format(named))
    return data
