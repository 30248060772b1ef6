# SPDX-License-Identifier: BSD-3-Clause
"""piwheels' download statistics (#15): the list read as a stream, the
sqlite index, "did you mean", downloads in the report, --stats, and the
list's faults, against the piwheels fake's /packages.json."""

import io
import json
import os
import re
import threading

import pytest
from hypothesis import given, settings, strategies as st
from packaging.utils import canonicalize_name

from piwcheck.cli import main
from piwcheck.errors import DataError
from piwcheck.stats.listing import blocks, build
from piwcheck.stats.table import DownloadsTable

PI = ["--pi", "bookworm-32"]

LIST = [["numpy", 1234567, 98765432], ["numpy-stl", 3400, 50000],
        ["numba", 20000, 300000], ["rpi-gpio", 345678, 9876543],
        ["opencv-python", 234567, 8765432],
        ["opencv-contrib-python", 123456, 765432],
        ["opencv-python-headless", 99999, 555555],
        ["pyyaml", 50000, 900000], ["pyserial", 40000, 800000],
        # piwheels may add fields: the first three are read
        ["gpiozero", 100, 1000, "a new field", {"and": ["more"]}]]


@pytest.fixture
def stats_server(fresh_server):
    fresh_server.packages_json = json.dumps(
        LIST, separators=(",", ":")).encode()
    return fresh_server


def opts(server):
    return PI + ["--piwheels-url", server.url, "--index-url", server.index]


def parse(text):
    """(name, last 30 days, all time) of each row of the list ``text``;
    a row with more fields keeps its first three."""
    return [(name, int(recent), int(total))
            for block in blocks(io.StringIO(text))
            for name, recent, total in block]


def test_rows_as_piwheels_writes_them_and_with_more_fields():
    text = json.dumps(LIST, separators=(",", ":"))
    assert parse(text) == [tuple(r[:3]) for r in LIST]


def test_rows_in_any_json_layout():
    text = json.dumps(LIST, indent=2)
    assert parse(text) == [tuple(r[:3]) for r in LIST]
    assert parse("[]") == [] and parse(" [ ] ") == []
    assert parse('[["a\\u00e9\\"B",1,2]]') == [('a\u00e9"b', 1, 2)]
    assert parse('[["RPi.GPIO",1,2],["x__y",3,4],["z",5,6]]') == [
        ("rpi-gpio", 1, 2), ("x-y", 3, 4), ("z", 5, 6)]


@pytest.mark.parametrize("text,match", [
    ('{"numpy": 1}', "not a JSON list"),
    ("<html>maintenance</html>", "not a JSON list"),
    ('[["numpy",1,2],["nu', "cut short"),
    ('[["numpy",1,2]', "cut short"),
    ('[["numpy",1]]', "not \\[name, count"),
    ('[["numpy","1",2]]', "not \\[name, count"),
    ('[["numpy",true,2]]', "not \\[name, count"),
    ('[["numpy",1,2] ["x",1,2]]', "expected ','"),
    ('[["numpy",1,2],]', "cut short or is not JSON"),
])
def test_a_document_that_is_not_the_list(text, match):
    with pytest.raises(DataError, match=match):
        parse(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(
    st.text(min_size=1, max_size=20),
    st.integers(0, 10 ** 12), st.integers(0, 10 ** 12),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=2)),
    max_size=40), st.sampled_from([None, 1, 2]), st.booleans())
def test_rows_read_what_json_wrote(items, indent, compact):
    doc = [[n, a, b] + extra for n, a, b, extra in items]
    text = json.dumps(doc, indent=indent,
                      separators=(",", ":") if compact else None)
    assert parse(text) == [(canonicalize_name(n), a, b)
                           for n, a, b, _ in items]


def _index(tmp_path, listing=LIST):
    src = tmp_path / "packages.json"
    src.write_text(json.dumps(listing))
    dest = tmp_path / "index.sqlite3"
    assert build(str(src), str(dest)) == len(listing)
    return DownloadsTable(str(dest))


@pytest.mark.parametrize("asked,first", [
    ("nump", ["numpy", "numpy-stl"]),          # a letter short
    ("numyp", ["numpy"]),                      # two swapped
    ("rpi-gpio2", ["rpi-gpio"]),               # one too many
    ("rpigpio", ["rpi-gpio"]),                 # a separator missing
    ("opencv", ["opencv-python", "opencv-contrib-python",
                "opencv-python-headless"]),    # the start of names
    ("cv2", ["opencv-python"]),                # an import name
    ("yaml", ["pyyaml"]),                      # a 'py' form
    ("serial", ["pyserial"]),
])
def test_suggestions(tmp_path, asked, first):
    index = _index(tmp_path)
    assert [d.name for d in index.suggest(asked)] == first


def test_suggestions_are_ranked_by_downloads_and_at_most_three(tmp_path):
    listing = [["numpy{}".format(i), i, i] for i in range(10)]
    index = _index(tmp_path, listing)
    assert [d.name for d in index.suggest("numpy")] == \
        ["numpy9", "numpy8", "numpy7"]
    assert index.get("numpy3").last_30_days == 3
    assert index.get("nosuch") is None


def test_concurrent_builds_leave_one_whole_index(tmp_path):
    src = tmp_path / "packages.json"
    src.write_text(json.dumps([["p{}".format(i), i, i]
                               for i in range(20000)]))
    dest = str(tmp_path / "index.sqlite3")
    errors = []

    def one():
        try:
            build(str(src), dest)
        except Exception as exc:  # pragma: no cover - the failure shown
            errors.append(exc)
    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert DownloadsTable(dest).rows == 20000
    assert sorted(os.listdir(tmp_path)) == ["index.sqlite3",
                                            "packages.json"]


def test_did_you_mean_fetches_the_list_once_then_revalidates(
        stats_server, capsys, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache")]
    code = main(opts(stats_server) + cache + ["nump", "gpiozero"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "  hint:   not on piwheels; did you mean numpy (1.2M downloads " \
        "last month) or numpy-stl (3.4k downloads last month)?" in out
    assert "fetching piwheels' download statistics ({}/packages.json, " \
        "0.0 MB)".format(stats_server.url) in err
    main(opts(stats_server) + cache + ["nump"])
    out, err = capsys.readouterr()
    assert "did you mean numpy" in out and "fetching" not in err
    assert [e[2] for e in stats_server.log if e[1] == "packages.json"] == \
        [200, 304]


def test_the_list_is_fetched_only_for_a_name_not_found(stats_server,
                                                        capsys, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache")]
    main(opts(stats_server) + cache + ["--json", "gpiozero"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["packages"][0]["downloads"] is None  # no index yet
    assert stats_server.count("packages.json") == 0
    main(opts(stats_server) + cache + ["nump"])  # builds it
    capsys.readouterr()
    main(opts(stats_server) + cache + ["--json", "gpiozero"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["packages"][0]["downloads"] == {"last_30_days": 100,
                                               "all_time": 1000}
    main(opts(stats_server) + cache + ["-v", "gpiozero"])
    assert "  downloads: 100 in the last 30 days, 1,000 in all " \
        "(piwheels)" in capsys.readouterr().out
    assert stats_server.count("packages.json") == 1


def test_stats_option(stats_server, capsys, tmp_path):
    args = opts(stats_server) + ["--cache-dir", str(tmp_path / "c"),
                                 "--stats"]
    code = main(args + ["numpy", "RPi.GPIO", "nump", "zzzzzz"])
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "numpy: 1,234,567 downloads in the last 30 days, 98,765,432 in all",
        "rpi-gpio: 345,678 downloads in the last 30 days, 9,876,543 in all",
        "nump: not on piwheels; did you mean numpy (1.2M downloads last "
        "month) or numpy-stl (3.4k downloads last month)?",
        "zzzzzz: not in piwheels' statistics"]
    assert code == 1
    assert main(args + ["--json", "numpy"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["projects"] == [{"name": "numpy", "downloads": {
        "last_30_days": 1234567, "all_time": 98765432}, "suggestions": []}]


@pytest.mark.parametrize("body,match", [
    (b'[["numpy",1,2],["nump', "cut short"),
    (b'{"not": "a list"}', "not a JSON list"),
])
def test_a_bad_list_is_one_line_and_exit_3(stats_server, capsys, tmp_path,
                                           body, match):
    stats_server.packages_json = body
    args = opts(stats_server) + ["--cache-dir", str(tmp_path / "c")]
    code = main(args + ["--stats", "numpy"])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error" in line]
    assert code == 3 and len(errors) == 1 and match in errors[0]
    assert errors[0].startswith("piwcheck: error: piwheels' download "
                                "statistics: packages.json")
    assert "Traceback" not in err
    # a check goes on without suggestions, and says why
    code = main(args + ["nump", "gpiozero"])
    out, err = capsys.readouterr()
    assert code == 1 and re.search(r"\ngpiozero [0-9.]+: ok\n", out)
    assert "nump: not found on any index" in out
    assert match in err and "hint:" not in out


def test_a_damaged_index_is_built_again(stats_server, capsys, tmp_path):
    cache = tmp_path / "c"
    args = opts(stats_server) + ["--cache-dir", str(cache), "--stats"]
    assert main(args + ["numpy"]) == 0
    capsys.readouterr()
    (index,) = (cache / "stats").iterdir()
    index.write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
    assert main(args + ["numpy"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("numpy: 1,234,567 downloads")
    assert "Traceback" not in err
    assert [e[2] for e in stats_server.log if e[1] == "packages.json"] == \
        [200, 200]


def test_offline_uses_only_the_cache(stats_server, capsys, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "c")]
    code = main(opts(stats_server) + cache + ["--offline", "--stats",
                                              "numpy"])
    err = capsys.readouterr().err
    assert code == 3 and "--offline, and no statistics in the cache" in err
    main(opts(stats_server) + cache + ["--stats", "numpy"])
    capsys.readouterr()
    stats_server.reset_log()
    assert main(opts(stats_server) + cache + ["--offline", "--stats",
                                              "numpy"]) == 0
    assert "1,234,567" in capsys.readouterr().out
    assert stats_server.count("packages.json") == 0


def test_stats_output_goes_to_the_file(stats_server, capsys, tmp_path):
    """-o writes the --stats report to the file, as every mode; a file
    that cannot be written is one line and exit 2."""
    args = opts(stats_server) + ["--cache-dir", str(tmp_path / "c"),
                                 "--stats"]
    out_file = tmp_path / "stats.txt"
    assert main(args + ["-o", str(out_file), "numpy"]) == 0
    assert capsys.readouterr().out == ""
    assert out_file.read_text() == \
        "numpy: 1,234,567 downloads in the last 30 days, 98,765,432 in all\n"
    bad = str(tmp_path / "no" / "x.json")
    assert main(args + ["--json", "-o", bad, "numpy"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [
        "piwcheck: error: --output {}: cannot write it: No such file or "
        "directory".format(bad)]


# issue 20: never a traceback; bounded time and memory


def test_a_very_long_name_has_no_suggestions(tmp_path):
    """'did you mean' of an 8,000-letter name built every edit of it at
    once (a MemoryError); past MAX_SUGGEST characters there are none."""
    import tracemalloc

    from piwcheck.stats.table import MAX_SUGGEST, _edits

    index = _index(tmp_path)
    assert index.suggest("n" * 8000) == []
    assert index.suggest("numpy" + "y" * (MAX_SUGGEST - 4)) == []
    long = "numpy-" + "x" * (MAX_SUGGEST - 6)
    assert [d.name for d in index.suggest(long)] == []
    tracemalloc.start()
    try:
        edits = _edits("a" * 5000)   # made one at a time, not all at once
        for _ in range(100000):
            next(edits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1000 * 1000


def test_edits_are_names_and_suggestions_unchanged(tmp_path):
    from piwcheck.stats.table import _edits

    edits = set(_edits("ab"))
    assert {"a", "b", "ba", "xb", "abc", "a-b"} <= edits
    assert "ab" in edits and "-ab" not in edits and "" not in edits
    assert all("\n" not in e for e in edits)


def test_a_trailing_newline_is_not_a_canonical_name():
    from piwcheck.stats.listing import _NAME_RE, _canonical

    assert _NAME_RE.fullmatch("numpy") and not _NAME_RE.fullmatch("numpy\n")
    for name in ("numpy", "Num_py\n"):
        assert _canonical(name) == canonicalize_name(name)


def test_suggestions_offline_from_the_cached_index(stats_server, capsys,
                                                   tmp_path):
    """--offline asks the statistics built before: names close to one
    they do not know; none for one they know (only not in the cache)."""
    from piwcheck.stats import Statistics

    cache = str(tmp_path / "c")
    main(opts(stats_server) + ["--cache-dir", cache, "--stats", "numpy"])
    capsys.readouterr()
    stats_server.reset_log()

    def no_download(*args):  # pragma: no cover - the failure shown
        raise AssertionError("fetched under --offline")
    stats = Statistics(no_download, True, stats_server.url, cache)
    try:
        assert [d.name for d in stats.suggest_unknown("nump")] == [
            "numpy", "numpy-stl"]
        assert stats.suggest_unknown("numpy") == []
        assert [d.name for d in stats.suggest("nump")] == [
            "numpy", "numpy-stl"]
        assert stats.failed is None
    finally:
        stats.close()
    assert stats_server.count("packages.json") == 0
    nothing = Statistics(no_download, True, stats_server.url,
                         str(tmp_path / "empty"))
    assert nothing.suggest_unknown("nump") == []


def test_offline_did_you_mean(stats_server, pypi, capsys, tmp_path):
    """--offline: a name never fetched (not in the cache) gets 'did you
    mean' from the statistics cached before, with one index or two; a
    name they know gets none; a name the online run found on no index is
    that answer again."""
    cache = ["--cache-dir", str(tmp_path / "c")]
    main(opts(stats_server) + cache + ["nump", "gpiozero"])
    online = capsys.readouterr().out
    stats_server.reset_log()
    code = main(opts(stats_server) + cache + ["--offline", "numpi",
                                              "numpy-stl", "nump"])
    out = capsys.readouterr().out
    assert code == 3
    assert "numpi: error\n  why:    not in cache\n  hint:   not on piwheels; " \
        "did you mean numpy (1.2M downloads last month)" in out
    assert "numpy-stl: error\n  why:    not in cache\n  warning" in out
    start = online.index("nump: ")
    nump = online[start:online.index("\n\n", start)]
    assert nump in out and "did you mean" in nump
    assert stats_server.count("packages.json") == 0
    # PyPI and piwheels, as Raspberry Pi OS's pip: both say not in cache
    two = PI + ["--piwheels-url", stats_server.url, "--index-url",
                pypi.index, "--extra-index-url", stats_server.index]
    code = main(two + cache + ["--offline", "numpi"])
    out = capsys.readouterr().out
    assert code == 3 and "did you mean numpy" in out, out
