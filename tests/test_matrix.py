# SPDX-License-Identifier: BSD-3-Clause
"""--matrix: every Pi at once.  Each cell is what a check for that Pi
alone answers; every document is fetched once for all the Pis; the
worst cell (or --fail-on's choice) decides the exit code."""

import json
import os
from collections import Counter

import pytest

from helpers import run, run_json
from matrixdata import serve
from piwcheck.facts import MATRIX_KINDS
from piwserver import PiwheelsServer
from pypiserver import PypiServer

#: The projects that differ by Pi, each with its shape (matrixdata).
PROJECTS = [("arm-only", "1.0", "arm-only", ("pure-dep",)),
            ("aarch64", "2.0", "aarch64", ()),
            ("new-glibc", "3.0", "new-glibc", ()),
            ("py312", "4.0", "py312", ()),
            ("gpio-only", "5.0", "arm-only", ()),
            ("pure-dep", "1.5", "pure", ())]

REQUIREMENTS = ["arm-only", "aarch64", "new-glibc", "py312",
                "gpio-only; platform_machine != 'aarch64'", "nowhere"]


@pytest.fixture
def fresh_pair():
    """A piwheels fake and a PyPI fake of their own, serving nothing."""
    piwheels, pypi = PiwheelsServer(None).start(), PypiServer(None).start()
    yield piwheels, pypi
    piwheels.stop()
    pypi.stop()


@pytest.fixture
def pis(fresh_pair):
    """Options for the two fakes, serving PROJECTS, as Raspberry Pi OS's
    pip reads them; and the fakes."""
    piwheels, pypi = fresh_pair
    for name, version, shape, deps in PROJECTS:
        serve(piwheels, pypi, name, version, shape, deps)
    return ["--no-cache", "--piwheels-url", piwheels.url, "--index-url",
            pypi.index, "--extra-index-url", piwheels.index], fresh_pair


def cell_of(package):
    """A single check's package, as the matrix document has its cell."""
    f = package["file"]
    return {"status": package["status"], "version": package["version"],
            "file": f["filename"] if f else None,
            "kind": f["kind"] if f else None,
            "index": f["index"] if f else None,
            "apt_dependencies": [d["name"]
                                 for d in package["apt_dependencies"]],
            "reason": package["reason"]}


def same_as_single_runs(capsys, options, args, kinds=MATRIX_KINDS):
    """Run the matrix, then each Pi alone; assert every cell is that
    Pi's own answer (with its index named as the report names it), each
    target's apt command and exit code too; the matrix document."""
    code, doc, _ = run_json(capsys, *options, "--matrix", ",".join(kinds),
                            *args)
    assert [t["kind"] for t in doc["targets"]] == list(kinds)
    assert doc["matrix_version"] == 1
    names = {i["url"]: i["name"] for i in doc["indexes"]}
    rows = {p["name"]: p["cells"] for p in doc["packages"]}
    for column, kind in enumerate(kinds):
        one_code, one, _ = run_json(capsys, *options, "--pi", kind, *args)
        target = doc["targets"][column]
        assert (target["exit_code"], target["apt_command"],
                target["summary"]) == (one_code, one["apt_command"],
                                       one["summary"]), kind
        assert target["abi"] == one["target"]["abi"]
        assert target["platforms"] == one["target"]["platforms"]
        singles = {p["name"]: p for p in one["packages"]}
        for name, cells in rows.items():
            if name not in singles:
                assert cells[kind] is None, (name, kind)
                continue
            want = cell_of(singles[name])
            if want["index"] is not None:
                want["index"] = names[want["index"]]
            assert cells[kind] == want, (name, kind)
        assert set(singles) <= set(rows), kind
    assert code == max(t["exit_code"] for t in doc["targets"])
    return code, doc


def test_each_cell_is_that_pis_own_answer(pis, capsys):
    options, _ = pis
    code, doc = same_as_single_runs(capsys, options, REQUIREMENTS)
    cells = {p["name"]: {k: c and (c["status"], c["index"],
                                   c["apt_dependencies"])
                         for k, c in p["cells"].items()}
             for p in doc["packages"]}
    # the data do differ by Pi, as matrixdata says they should
    arm = cells["arm-only"]
    assert arm["bookworm-32"] == ("ok", "piwheels", ["libdemo1"])
    assert arm["trixie-armv6"] == ("ok", "piwheels", ["libdemo1t64"])
    assert arm["bookworm-64"][0] == arm["trixie-64"][0] == "no-wheel"
    assert cells["aarch64"]["trixie-32"][0] == "no-wheel"
    assert cells["aarch64"]["bookworm-32"][:2] == ("ok", "piwheels")
    assert cells["aarch64"]["trixie-64"][0] == "ok"
    assert cells["new-glibc"]["bookworm-64"][0] == "no-wheel"
    assert cells["new-glibc"]["trixie-64"][0] == "ok"
    assert cells["py312"]["bookworm-32"][0] == "no-match"
    assert cells["py312"]["trixie-32"][0] == "no-wheel"
    assert cells["gpio-only"]["bookworm-64"][0] == "skipped"
    assert cells["gpio-only"]["bookworm-armv6"][0] == "ok"
    assert cells["nowhere"]["trixie-64"][0] == "not-found"
    # the dependency only the Pis that install arm-only's wheel... all do
    assert cells["pure-dep"]["bookworm-32"][0] == "ok"
    # rows: those asked for, in order, then the dependencies
    assert [p["name"] for p in doc["packages"]] == [
        "arm-only", "aarch64", "new-glibc", "py312", "gpio-only",
        "nowhere", "pure-dep"]
    assert [p["asked"] for p in doc["packages"]] == [True] * 6 + [False]
    assert code == 1


def test_documents_are_fetched_once_for_every_pi(pis, capsys):
    """No document is asked twice, however many Pis need it; and the
    matrix asks for no more documents than the Pis alone together."""
    options, (piwheels, pypi) = pis
    alone = Counter()
    for kind in MATRIX_KINDS:
        for fake in (piwheels, pypi):
            fake.reset_log()
        run(capsys, *options, "--pi", kind, *REQUIREMENTS)
        for fake in (piwheels, pypi):
            alone.update(entry[0] for entry in fake.log)
        for fake in (piwheels, pypi):
            fake.reset_log()
    run(capsys, *options, *REQUIREMENTS, "--matrix")
    asked = Counter(entry[0] for fake in (piwheels, pypi)
                    for entry in fake.log)
    assert asked and max(asked.values()) == 1, asked.most_common(3)
    assert set(asked) == set(alone)
    assert sum(alone.values()) > 2 * len(asked)  # sharing saved that


def test_text_and_markdown_tables(pis, capsys):
    options, _ = pis
    kinds = ["bookworm-32", "bookworm-64", "trixie-armv6"]
    code, out, _ = run(capsys, *options, "--matrix", ",".join(kinds),
                       *REQUIREMENTS)
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines)
                if line.startswith("project "))
    assert lines[head].split() == ["project"] + kinds
    row = lines[head + 1].split("  ")
    assert [c.strip() for c in row if c.strip()] == [
        "arm-only", "1.0 wheel (piwheels)", "1.0 source build",
        "1.0 wheel (piwheels)"]
    assert "  bookworm-32   exit 1  sudo apt install libdemo1" in lines
    assert "  bookworm-64   exit 1  (no apt packages)" in lines
    assert "  trixie-armv6  exit 1  sudo apt install libdemo1t64" in lines
    assert lines[-1] == "Exit code: 1 (the worst cell)"
    assert code == 1
    code, md, _ = run(capsys, *options, "--matrix", ",".join(kinds),
                      "--format", "markdown", *REQUIREMENTS)
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert table[0] == "| Project | " + " | ".join(kinds) + " |"
    assert table[2] == "| arm-only | 1.0 wheel (piwheels) | 1.0 source " \
        "build | 1.0 wheel (piwheels) |"
    assert all(line.count(" | ") == len(kinds) for line in table[:9])
    assert "```sh\nsudo apt install libdemo1\n```" in md
    assert code == 1


@pytest.mark.parametrize("fail_on, code", [
    (None, 1), ("conflict", 0), ("no-wheel", 1), ("no-match", 1),
    ("missing-apt,conflict", 0)])
def test_fail_on_chooses_what_fails(pis, capsys, fail_on, code):
    """py312 has no match on Bookworm and new-glibc no wheel on
    bookworm-64: each fails the run only when chosen."""
    options, _ = pis
    extra = ["--fail-on", fail_on] if fail_on else []
    got, doc, _ = run_json(capsys, *options, *extra, "new-glibc", "py312",
                           "--matrix")
    assert got == doc["exit_code"] == code
    assert doc["fail_on"] == (sorted(fail_on.split(",")) if fail_on
                              else None)
    # one Pi alone: the same rules
    got, doc, _ = run_json(capsys, *options, "--pi", "bookworm-64", *extra,
                           "new-glibc")
    assert got == doc["exit_code"] == (1 if fail_on in (None, "no-wheel")
                                       else 0)


def test_errors_always_fail(pis, capsys):
    options, (piwheels, _) = pis
    piwheels.faults["arm-only"] = "500"
    code, _, err = run(capsys, *options, "--matrix", "--fail-on",
                       "conflict", "arm-only")
    assert code == 3 and err.count("\n") == 1, err


@pytest.mark.parametrize("args, message", [
    (["--matrix", "--pi", "bookworm-32", "x"], "--matrix describes"),
    (["--matrix", "--summary", "x"], "--matrix prints one table"),
    (["--matrix", "-q", "x"], "--matrix prints one table"),
    (["--matrix", "--stats", "x"], "not for --installed, wheel files or"),
    (["--matrix", "numpy"], "numpy is not a Pi kind"),
    (["--matrix", "bookworm-32,jessie-32", "x"], "jessie-32 is not"),
    (["--fail-on", "sdist", "x"], "give one or more of no-wheel"),
    (["--json", "--format", "markdown", "x"], "contradict"),
    (["--format", "json", "-q", "x"], "choose one of --format json"),
])
def test_usage_errors(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and message in err, err
    assert "Traceback" not in err


def test_format_json_is_json(pis, capsys):
    options, _ = pis
    code, out, _ = run(capsys, *options, "--pi", "bookworm-32",
                       "--format", "json", "arm-only")
    assert json.loads(out)["exit_code"] == code == 0


def test_bullseye_when_asked(pis, capsys):
    options, _ = pis
    code, doc, _ = run_json(capsys, *options, "--matrix",
                            "bullseye-32,BOOKWORM-32,bookworm-32", "pure-dep")
    assert [t["kind"] for t in doc["targets"]] == ["bullseye-32",
                                                   "bookworm-32"]
    assert doc["targets"][0]["abi"] == "cp39" and code == 0


CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "..", "shared", "corpus", "requirements")
#: A real project's file (pwnagotchi's: 24 pinned requirements).
REAL_FILE = os.path.join(CORPUS, "14-evilsocket-pwnagotchi-requirements.txt")


def test_the_pis_together_have_the_threads_of_one_check(capsys):
    """-j 8 against two indexes answering slowly, for every Pi: the
    threads of the run stay within one check's (8 a index) beside one
    per Pi, the main thread and the watchdogs' clock: the workers are
    shared out, and none is kept waiting for a document another Pi's
    worker is fetching."""
    from helpers import SLOW_ANSWER, ThreadPeak
    from piwcheck.matrix import shares

    assert [sum(shares(w, 6)) for w in (1, 6, 8, 16, 64)] == [6, 6, 8, 16,
                                                               64]
    piwheels, pypi = PiwheelsServer(delay=SLOW_ANSWER).start(), \
        PypiServer(delay=SLOW_ANSWER).start()
    names = ["pkg-{}".format(i) for i in range(30)]
    for name in names:
        serve(piwheels, pypi, name, "1.0", "pure")
    try:
        with ThreadPeak() as threads:
            code, doc, err = run_json(
                capsys, "--no-cache", "-j", "8", "--piwheels-url",
                piwheels.url, "--index-url", pypi.index,
                "--extra-index-url", piwheels.index, *names, "--matrix")
    finally:
        piwheels.stop()
        pypi.stop()
    assert code == 0 and len(doc["packages"]) == 30, err[-300:]
    assert 8 < threads.peak <= 8 * 2 + len(MATRIX_KINDS) + 2, threads


def test_each_document_is_made_into_files_once_for_all_pis(capsys,
                                                          monkeypatch):
    """offers.Files, what an offer reads of a document whatever the
    target, is made once a document for all six Pis."""
    from piwcheck import offers

    made = []
    real = offers.Files.__init__

    def counted(self, project):
        made.append(project.name)
        real(self, project)
    monkeypatch.setattr(offers.Files, "__init__", counted)
    piwheels, pypi = PiwheelsServer().start(), PypiServer().start()
    names = ["pkg-{}".format(i) for i in range(5)]
    for name in names:
        serve(piwheels, pypi, name, "1.0", "aarch64")
    try:
        code, doc, err = run_json(
            capsys, "--no-cache", "--piwheels-url", piwheels.url,
            "--index-url", pypi.index, "--extra-index-url", piwheels.index,
            *names, "--matrix")
    finally:
        piwheels.stop()
        pypi.stop()
    assert len(doc["packages"]) == 5, err[-300:]
    assert sorted(made) == sorted(names * 2)  # two indexes


def test_a_slow_index_gets_as_many_requests_at_once_as_in_one_check(
        capsys):
    """-j 8, PyPI answering at once and piwheels slowly: one check's 16
    workers (8 for each index) may all wait on piwheels, and so may the
    matrix's (its indexes were held to 8 requests at once each, and the
    whole matrix took a round more than one check)."""
    from helpers import SLOW_ANSWER

    piwheels, pypi = PiwheelsServer(delay=SLOW_ANSWER).start(), \
        PypiServer().start()
    names = ["pkg-{}".format(i) for i in range(30)]
    for name in names:
        serve(piwheels, pypi, name, "1.0", "pure")
    options = ["--no-cache", "-j", "8", "--piwheels-url", piwheels.url,
               "--index-url", pypi.index, "--extra-index-url",
               piwheels.index, *names]
    peaks = []
    try:
        for mode in (["--pi", "bookworm-32"], ["--matrix"]):
            piwheels.reset_log()
            code, doc, err = run_json(capsys, *options, *mode)
            assert code == 0 and len(doc["packages"]) == 30, err[-300:]
            peaks.append(piwheels.peak_waiting)
    finally:
        piwheels.stop()
        pypi.stop()
    one, matrix = peaks
    assert one > 8 and matrix > 8, peaks


@pytest.mark.skipif(not os.path.exists(REAL_FILE),
                    reason="no shared corpus here")
def test_a_real_requirements_file(fresh_pair, capsys):
    """The done-when: a real requirements file, its projects served by
    fakes made from its names and pins (each given one of matrixdata's
    shapes in turn: the real indexes are not reachable from tests),
    prints the table in text and Markdown, and each cell is the
    single-target answer."""
    from piwcheck.inputs.reqfile import Reader

    piwheels, pypi = fresh_pair
    shapes = ["arm-only", "aarch64", "new-glibc", "pure", "py312"]
    reqs = Reader().read(REAL_FILE).requirements
    assert len(reqs) >= 20
    for i, req in enumerate(reqs):
        pins = [s.version for s in req.specifier if s.operator == "=="]
        serve(piwheels, pypi, req.name, pins[0] if pins else "1.0",
              shapes[i % len(shapes)])
    options = ["--no-cache", "--piwheels-url", piwheels.url, "--index-url",
               pypi.index, "--extra-index-url", piwheels.index]
    code, doc = same_as_single_runs(capsys, options, ["-r", REAL_FILE])
    assert len(doc["packages"]) == len(reqs)
    statuses = {c["status"] for p in doc["packages"]
                for c in p["cells"].values()}
    assert statuses == {"ok", "no-wheel", "no-match"}
    for fmt in ("text", "markdown"):
        got, out, err = run(capsys, *options, "--matrix", "--format", fmt,
                            "-r", REAL_FILE)
        assert got == code and "Traceback" not in err
        rows = [line for line in out.splitlines()
                if line.startswith(("| scapy ", "scapy "))]
        assert len(rows) == 1, out


def test_with_the_cache_each_document_once_and_the_same_answers(
        pis, capsys, tmp_path):
    """With the cache (the default), the first Pi's early guesses from
    cached documents and the others' answers share the same fetches: a
    warm run revalidates each document once, and answers as the cold
    run did, and as one Pi alone does."""
    options, fakes = pis
    cached = [o for o in options if o != "--no-cache"] + [
        "--cache-dir", str(tmp_path / "cache")]
    docs = []
    for _ in range(2):
        for fake in fakes:
            fake.reset_log()
        code, doc, _ = run_json(capsys, *cached, *REQUIREMENTS, "--matrix")
        asked = Counter(entry[0] for fake in fakes for entry in fake.log)
        assert asked and max(asked.values()) == 1, asked.most_common(3)
        docs.append(doc)
    assert any(status == 304 for fake in fakes
               for _, _, status, _ in fake.log)
    assert docs[0]["packages"] == docs[1]["packages"]
    _, one, _ = run_json(capsys, *cached, "--pi", "trixie-64",
                         *REQUIREMENTS)
    names = {i["url"]: i["name"] for i in one["indexes"]}
    for p in one["packages"]:
        want = cell_of(p)
        want["index"] = want["index"] and names[want["index"]]
        assert next(row["cells"]["trixie-64"] for row in docs[1]["packages"]
                    if row["name"] == p["name"]) == want
