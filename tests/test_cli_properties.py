# SPDX-License-Identifier: BSD-3-Clause
"""Property test over the command line (issue 20, "never a
traceback"): every option with odd values (empty, huge, unicode,
control characters, negative, NaN, directories, FIFOs, devices, URLs
with odd schemes) in random combinations, run as
``piwcheck.cli.main([...])`` with an empty cache and --offline (or an
index nobody listens on), so it stays fast: the exit status is one
README documents, stderr holds only piwcheck's own lines (or argparse's
usage), and each run is quick.  Derandomized, as test_properties.py."""

import os
import time

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from piwcheck.cli import main  # noqa: E402

from helpers import native_timing  # noqa: E402

pytestmark = native_timing

#: The statuses a run without a signal may end with (README).
STATUSES = {0, 1, 2, 3}
#: Seconds one run may take (offline, or a refused index).
BOUND = 20.0

#: Odd values every option is tried with; "{dir}", "{fifo}" and
#: "{file}" are a directory, a FIFO and a requirements file of the test.
ODD = ["", " ", "-", "--", "0", "-1", "1e999", "nan", "NaN", "inf",
       "-0.0", "99999999999999999999", "x" * 5000, "é", "ü" * 50,
       "\u202e", "\x00", "\x1b[31m", "\n", "a\nb", "\t", "/", ".", "..",
       "/dev/null", "/dev/full", "/dev/zero", "/proc/self/status",
       "{dir}", "{fifo}", "{file}", "{dir}/missing/x", ":all:", ":none:",
       "numpy", "numpy,,", "cp311", "linux_armv7l", "bookworm-32",
       "trixie-armv6", "3.11", "3", "23.0.1", "99999", "1.2.3.4.5",
       "ftp://127.0.0.1:9/", "file:///dev/null", "http://", "https://",
       "http://127.0.0.1:9/simple", "http://[::1", "http://127.0.0.1:0/",
       "javascript:alert(1)", "http://127.0.0.1:99999/", "data:,x",
       "http://user:pw@127.0.0.1:9/", "http://127.0.0.1:9/%00/"]

#: Each option, and whether it takes a value.
OPTIONS = {
    "-r": True, "-c": True, "--no-deps": False, "--deep": False,
    "--abi": True, "--platform": True, "--python-version": True,
    "--pi": True, "--pip-version": True, "--python": True,
    "-i": True, "--extra-index-url": True, "--isolated": False,
    "--piwheels-url": True, "--pre": False, "--only-binary": True,
    "--no-binary": True, "--prefer-binary": False, "--timeout": True,
    "-j": True, "--cache-dir": True, "--no-cache": False,
    "--offline": False, "--json": False, "-q": False, "-v": False,
    "--summary": False, "--stats": False, "--tree": False, "-o": True,
    "--color": True, "-V": False, "-h": False,
}
#: Values that would make a run wait on something outside it: reading a
#: FIFO (-r, -c) or writing one (-o) waits for the other end, as pip
#: and any program would.  /dev/zero as a requirements file is read
#: without end, as /dev/full (inputs/reqfile.py reads a file whole:
#: left to it).
WAITS = {("-r", "{fifo}"), ("-c", "{fifo}"), ("-o", "{fifo}"),
         ("-r", "-"), ("-c", "-"), ("-r", "/dev/zero"),
         ("-c", "/dev/zero"), ("-r", "/dev/full"), ("-c", "/dev/full")}

option = st.sampled_from(sorted(OPTIONS)).flatmap(
    lambda name: st.tuples(st.just(name), st.sampled_from(ODD)
                           if OPTIONS[name] else st.just(None)))
requirement = st.one_of(st.sampled_from(ODD), st.text(max_size=30))

#: The health checks these runs trip by design (slow, a capsys fixture
#: shared by the examples; some are not in bullseye's hypothesis).
SUPPRESS = [h for h in (getattr(HealthCheck, name, None) for name in (
    "too_slow", "function_scoped_fixture", "data_too_large")) if h]

#: How many examples ran (reported by the last test).
RAN = []


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """The odd paths; the runs' working directory too (an -o FILE of
    theirs is written there)."""
    root = tmp_path_factory.mktemp("odd")
    here = os.getcwd()
    os.chdir(str(root))
    try:
        yield _places(root)
    finally:
        os.chdir(here)


def _places(root):
    fifo = root / "fifo"
    os.mkfifo(str(fifo))
    req = root / "req.txt"
    req.write_text("numpy\n-r req.txt\n--index-url ftp://x\n\x00\n")
    return {"{dir}": str(root), "{fifo}": str(fifo), "{file}": str(req)}


def _argv(options, requirements, places, cache):
    argv = ["--offline", "--cache-dir", cache, "--index-url",
            "http://127.0.0.1:9/simple", "--piwheels-url",
            "http://127.0.0.1:9"]
    for name, value in options:
        if (name, value) in WAITS:
            continue
        argv.append(name)
        if value is not None:
            argv.append(places.get(value, value).replace(
                "{dir}", places["{dir}"]))
    return argv + [places.get(r, r) for r in requirements]


def _only_piwcheck_lines(err):
    """Every line is piwcheck's own, or argparse's usage (and its
    continuation lines)."""
    for line in err.splitlines():
        assert line.startswith(("piwcheck:", "usage:", " ")) or \
            line == "", err
    assert "Traceback" not in err, err


@settings(suppress_health_check=SUPPRESS,
          deadline=None, derandomize=True, max_examples=400)
@given(options=st.lists(option, max_size=5),
       requirements=st.lists(requirement, max_size=3))
def test_any_command_line_ends_in_a_documented_status(
        options, requirements, places, capsys, tmp_path):
    cache = str(tmp_path / "cache{}".format(len(RAN)))
    argv = _argv(options, requirements, places, cache)
    start = time.monotonic()
    code = main(argv)
    took = time.monotonic() - start
    out, err = capsys.readouterr()
    RAN.append(code)
    assert code in STATUSES, (argv, code, err)
    _only_piwcheck_lines(err)
    assert took < BOUND, (argv, took)


@settings(suppress_health_check=SUPPRESS,
          deadline=None, derandomize=True, max_examples=40)
@given(options=st.lists(option, max_size=3),
       requirement=st.sampled_from(["numpy", "pkg-1", "numpy>=1"]))
def test_a_refused_index_is_a_documented_status(options, requirement,
                                                 places, capsys, tmp_path):
    """Without --offline: the index at 127.0.0.1:9 refuses."""
    argv = _argv(options, [requirement], places, str(tmp_path / "c"))
    argv.remove("--offline")
    code = main(argv + ["--timeout", "0.2", "--no-cache"])
    out, err = capsys.readouterr()
    RAN.append(code)
    assert code in STATUSES, (argv, code, err)
    _only_piwcheck_lines(err)


def test_examples_ran():
    """How many command lines the properties above ran (-rA shows it)."""
    print("command-line property examples run:", len(RAN), "statuses:",
          {c: RAN.count(c) for c in sorted(set(RAN))})
    assert len(RAN) >= 100
