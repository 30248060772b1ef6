# SPDX-License-Identifier: BSD-3-Clause
"""--tree (piwcheck.report.tree) and the output writer (issue 20): a
chain of any depth is drawn, the same as the recursive drawing did for
every graph; and output in any locale's encoding never fails: the tree's
lines fall back to ASCII, other characters to escapes."""

import io
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from piwcheck.report.common import clean, package_head
from piwcheck.report.output import printable, write
from piwcheck.report.tree import render_tree
from piwcheck.results import PackageResult, Report, Status

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _report(edges, roots, names):
    """A Report of ``names`` (all ok), ``edges`` (parent, child) and the
    ``roots`` asked for."""
    detail = {n: [] for n in names}
    for parent, child in edges:
        detail[child].append((parent, "1.0", child if (parent + child) in
                              ("ab", "cd") else child + ">=1"))
    packages = tuple(PackageResult(
        requirement=n, name=n, status=Status.OK, version="1.0",
        required_by=tuple(p for p, _, _ in detail[n]),
        required_by_detail=tuple(detail[n]), asked=n in roots)
        for n in names)
    return Report(target=None, indexes=(), packages=packages, notes=(),
                  apt_install=(), apt_command=None)


def _recursive(report):
    """The drawing as render_tree made it before, recursively: the
    reference the explicit stack must match."""
    lines = [""]
    by_name = {p.name: p for p in report.packages}
    children = {}
    for pkg in report.packages:
        for parent, _, requirement in pkg.required_by_detail:
            children.setdefault(parent, []).append((pkg.name, requirement))
    shown = set()

    def walk(name, prefix, path):
        kids = sorted(children.get(name, ()))
        for i, (child, requirement) in enumerate(kids):
            last = i == len(kids) - 1
            pkg = by_name[child]
            line = "{}{}{}{}: ok".format(
                prefix, "└── " if last else "├── ", package_head(pkg),
                "" if requirement == child else
                " ({})".format(clean(requirement)))
            if child in path:
                lines.append(line + " (a cycle)")
            elif child in shown and children.get(child):
                lines.append(line + " (its dependencies are above)")
            else:
                lines.append(line)
                shown.add(child)
                walk(child, prefix + ("    " if last else "│   "),
                     path + (child,))
    for pkg in report.packages:
        if pkg.asked:
            lines.append("{}: ok".format(package_head(pkg)))
            shown.add(pkg.name)
            walk(pkg.name, "", (pkg.name,))
    return lines


NAMES = "abcdefgh"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)),
                max_size=20, unique=True),
       st.sets(st.sampled_from(NAMES), min_size=1))
def test_the_drawing_is_the_recursive_one(edges, roots):
    """Any graph (shared dependencies, cycles, self-loops): the same
    lines as the recursive drawing."""
    report = _report(edges, roots, NAMES)
    text = render_tree(report, head=False)
    assert text.split("\n\n")[0].split("\n") == _recursive(report)


def test_a_chain_1100_deep_is_drawn():
    """A RecursionError before."""
    names = ["p{}".format(i) for i in range(1100)]
    report = _report(list(zip(names, names[1:])), {"p0"}, names)
    lines = render_tree(report, head=False).splitlines()
    assert lines[1] == "p0 1.0: ok"
    assert lines[2] == "└── p1 1.0 (p1>=1): ok"
    assert lines[1100] == " " * 4 * 1098 + "└── p1099 1.0 (p1099>=1): ok"
    assert lines[-1] == "1100 packages: 1100 ok"
    # and a cycle closing at the bottom of it
    report = _report(list(zip(names, names[1:])) + [("p1099", "p0")],
                     {"p0"}, names)
    assert render_tree(report, head=False).splitlines()[1101] == \
        " " * 4 * 1099 + "└── p0 1.0 (p0>=1): ok (a cycle)"


def test_printable_in_any_encoding():
    tree = "cffi 1.0: ok\n├── a\n│   └── b é\n"
    assert printable(tree, "utf-8") == tree
    assert printable(tree, None) == tree
    assert printable(tree, "latin-1") == "cffi 1.0: ok\n|-- a\n|   `-- b é\n"
    assert printable(tree, "ascii") == \
        "cffi 1.0: ok\n|-- a\n|   `-- b \\xe9\n"
    assert printable("a \udcff \u20ac", "latin-1") == "a \\udcff \\u20ac"
    assert printable("plain", "no-such-encoding") == "plain"
    assert printable("└ é", "no-such-encoding") == "` \\xe9"


def test_write_to_a_latin1_stdout(monkeypatch):
    buf = io.BytesIO()
    stream = io.TextIOWrapper(buf, encoding="latin-1", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    write("└── ok é €\n")
    stream.flush()
    assert buf.getvalue() == "`-- ok é \\u20ac\n".encode("latin-1")


def _locales():
    try:
        names = subprocess.run(["locale", "-a"], capture_output=True,
                               text=True, timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return []
    return [n for n in names if n.lower().replace("-", "") in (
        "en_gb.iso88591", "en_gb")]


ENCODINGS = [
    # what raspi-config's en_GB (ISO-8859-1) gives Python's stdout
    {"PYTHONIOENCODING": "latin-1"},
    # LANG=C with the C locale's coercion to UTF-8 turned off: ASCII
    {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
    {"LC_ALL": "C"},
] + [{"LC_ALL": name, "PYTHONUTF8": "0"} for name in _locales()]


@pytest.mark.parametrize("env", ENCODINGS)
def test_tree_in_a_locale_that_has_no_box_characters(both, env):
    """Under ISO-8859-1 or ASCII the tree is drawn in ASCII (a
    UnicodeEncodeError before); under UTF-8 as always."""
    environ = {k: v for k, v in os.environ.items() if k not in (
        "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING",
        "PYTHONUTF8", "PYTHONCOERCECLOCALE")}
    environ.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "piwcheck", "--no-cache", "--pi",
         "bookworm-32", *both, "--tree", "cffi", "cryptography"],
        capture_output=True, cwd=ROOT, env=environ, timeout=60)
    assert b"Traceback" not in proc.stderr and proc.returncode == 0, \
        proc.stderr.decode(errors="replace")
    out = proc.stdout.decode("utf-8")
    ascii_tree = b"\xe2" not in proc.stdout
    assert ascii_tree == (env != {"LC_ALL": "C"})  # C: UTF-8 (PEP 538)
    pieces = ("`-- ", "|-- ") if ascii_tree else ("└── ", "├── ")
    assert "cffi 1.17.1: ok\n{}pycparser 2.22: ok\n".format(
        pieces[0]) in out
    assert "{}cffi 1.17.1 (cffi>=1.12): ok (its dependencies are " \
        "above)".format(pieces[0]) in out


def test_a_chain_1100_deep_is_resolved_and_drawn_in_linear_work(
        monkeypatch):
    """p0 -> p1 -> ... -> p1100 from the in-memory index, checked and
    drawn: resolvelib asks whether each pin satisfies each criterion in
    every round (n*n/2 times for a chain); the answer is worked out once
    per requirement and candidate, so the specifier checks grow with the
    chain, not its square.  Drawn whole, within a generous time."""
    import time

    from memindex import MemIndex
    from test_fetcher import chain

    from helpers import pi
    from piwcheck.check import CheckOptions, check
    from piwcheck.inputs import Inputs, parse_line
    from piwcheck.resolve import provider

    asked = [0]
    real = provider.spec_contains

    def counted(spec, version):
        asked[0] += 1
        return real(spec, version)
    monkeypatch.setattr(provider, "spec_contains", counted)
    began = time.monotonic()
    report = check(Inputs([parse_line("p0")]), pi(), [chain(MemIndex, 1100)],
                   CheckOptions(workers=2))
    lines = render_tree(report, head=False).splitlines()
    took = time.monotonic() - began
    assert lines[1101] == " " * 4 * 1099 + "└── p1100 1.0: ok"
    assert lines[-1] == "1101 packages: 1101 ok"
    assert 1100 <= asked[0] <= 4 * 1101, asked[0]
    assert took < 60, took  # about 3 to 6 s here, 10 to 12 s before
