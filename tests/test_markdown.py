# SPDX-License-Identifier: BSD-3-Clause
"""--format markdown: GitHub-flavoured tables whatever the names and
reasons the indexes send: every cell on one line, every ``|`` in it
escaped, and the cell's text what clean() shows (nothing of it read as
Markdown)."""

import re

import pytest

from helpers import run
from piwcheck.described import described_target
from piwcheck.matrix import MatrixReport
from piwcheck.model import File
from piwcheck.report.common import clean
from piwcheck.report.markdown import escape, render_markdown
from piwcheck.report.matrix.markdown import render_matrix_markdown
from piwcheck.results import PackageResult, Report, Status

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: Text an index could send, heavy on what Markdown and tables read.
hostile = st.text(st.sampled_from(list(
    "|\\`*_[]()<>!#@$&~:\n\r\t\u2028\u2029\x1b\x85 -.a1é"))
    | st.characters(), max_size=40)


def cells(line):
    """The cells of a table line, split at the ``|`` not escaped;
    None when the line is not a row."""
    if not (line.startswith("| ") and line.endswith(" |")):
        return None
    out, cell, i = [], "", 1
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            cell += line[i:i + 2]
            i += 2
            continue
        if line[i] == "|":
            out.append(cell.strip())
            cell = ""
        else:
            cell += line[i]
        i += 1
    return out


def literal(cell):
    """What a cell of escaped text shows: each backslash escape undone."""
    return re.sub(r"\\(.)", r"\1", cell)


def shown(text):
    """What escape() promises a text shows as: clean()'s text, one line."""
    return clean(text).replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029").strip()


def tables(markdown):
    """Each table of ``markdown``: its rows, as lists of cells."""
    found, current = [], None
    for line in markdown.split("\n"):
        row = cells(line)
        if row is None:
            current = None
            continue
        if current is None:
            current = []
            found.append(current)
        current.append(row)
    return found


def well_formed(markdown):
    """Every line is one line (no break Markdown reads inside it);
    every table's rows have its header's number of cells, and its
    second row is the delimiter row."""
    assert "\r" not in markdown
    assert not re.search("[\u2028\u2029\x85]", markdown)
    found = tables(markdown)
    for table in found:
        assert len(table) >= 2 and set(table[1]) == {"---"}
        assert len({len(row) for row in table}) == 1, table
    return found


def _report(names, versions, reasons):
    target = described_target(None, [], pi="bookworm-32")
    sdist = File("{}-1.0.tar.gz".format(reasons[0][:20]), "https://x/a",
                 None, None, None, False, "https://x/simple", None, None,
                 None, None, None, frozenset())
    packages = tuple(PackageResult(
        requirement=name, name=name, status=status, version=version,
        reason=reason, warnings=(reason,), asked=True,
        file=sdist if status is Status.NO_WHEEL else None)
        for name, version, reason, status in zip(
            names, versions, reasons,
            [Status.NO_WHEEL, Status.ERROR, Status.NO_MATCH, Status.OK]))
    return Report(target=target, indexes=(("index|" + reasons[0],
                                            "https://x/simple"),),
                  packages=packages, notes=(reasons[-1],), apt_install=(),
                  apt_command=None)


@settings(derandomize=True, max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile, min_size=4, max_size=4, unique=True),
       st.lists(hostile, min_size=4, max_size=4),
       st.lists(hostile, min_size=4, max_size=4))
def test_hostile_text_makes_valid_tables(names, versions, reasons):
    report = _report(names, versions, reasons)
    found = well_formed(render_markdown(report))
    rows = found[0][2:]
    assert [literal(r[0]) for r in rows] == [shown(n) for n in names]
    assert [literal(r[1]) for r in rows] == [shown(v) for v in versions]
    matrix = MatrixReport(("bookworm-32", "trixie-64"), (report, report))
    found = well_formed(render_matrix_markdown(matrix))
    assert [literal(r[0]) for r in found[0][2:]] == [
        shown(n) for n in names]


@settings(derandomize=True, max_examples=300)
@given(hostile)
def test_escape_leaves_nothing_markdown_reads(text):
    out = escape(text)
    assert not re.search("[\n\r\u2028\u2029\x85]", out)
    assert literal(out).strip() == shown(text)
    # every character Markdown could read as syntax is escaped
    assert not re.search(r"[|`*_\[\]<>!#@$&~\\]",
                         re.sub(r"\\.", "", out))


def test_the_report_as_markdown(server, pypi, capsys):
    """A real check, as Markdown: a row per package, the reasons, the
    apt command in a block."""
    code, out, _ = run(capsys, "--no-cache", "--pi", "bookworm-32",
                       "--piwheels-url", server.url, "--index-url",
                       pypi.index, "--extra-index-url", server.index,
                       "--format", "markdown", "numpy", "pillow")
    assert code == 1
    assert out.startswith("### piwcheck: 2 packages: 1 ok, 1 without a "
                          "wheel\n")
    [table] = well_formed(out)
    assert table[0] == ["Package", "Version", "Status", "File", "apt"]
    assert table[2][:3] == ["numpy", "2.1.3", "ok"]
    assert table[2][4] == "libgfortran5, libopenblas0-pthread"
    assert table[3][:3] == ["pillow", "11.0.0",
                            "no wheel: pip would build it from source"]
    assert "- **pillow**: no wheel for this target" in out
    assert "```sh\nsudo apt install libgfortran5 libopenblas0-pthread\n" \
           "```\n" in out
    assert out.endswith("Exit code: 1\n")
