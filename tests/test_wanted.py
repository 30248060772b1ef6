# SPDX-License-Identifier: BSD-3-Clause
"""A page keeps only the wheels a run's targets can install (wanted.py):
whatever the page, every target's offer (its candidates, the releases
and whether they fit its Python, the metadata files) is what the whole
page gives; and the cache keeps what one run kept apart from another
target's."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import run_json
from piwcheck.described import described_target
from piwcheck.indexes.simple import project_from_rows
from piwcheck.select import offer
from piwcheck.wanted import Wanted
from pypiserver import PypiServer

INDEX = "https://pypi.example/simple"
KINDS = ["bookworm-32", "bookworm-64", "trixie-64", "bookworm-armv6"]
TARGETS = {k: described_target(None, [], pi=k) for k in KINDS}

_TAGS = ["cp311-cp311", "cp313-cp313", "cp39-abi3", "py3-none", "cp38-cp38",
         "pp310-pypy310_pp73", "cp311-cp311.cp312"]
_PLATFORMS = ["linux_armv7l", "linux_armv6l", "manylinux_2_17_aarch64",
              "manylinux2014_aarch64.manylinux_2_17_aarch64",
              "manylinux_2_38_aarch64", "win_amd64", "macosx_11_0_arm64",
              "musllinux_1_1_aarch64", "any", "manylinux_2_17_x86_64",
              "Linux_ARMv7l"]
_PYTHONS = [None, ">=3.8", ">=3.12", "<3", "~=3.11.0", "bad spec"]


@st.composite
def _row(draw):
    version = draw(st.sampled_from(["1.0", "1.1", "2.0rc1"]))
    if draw(st.integers(0, 5)) == 0:
        filename = "demo-{}.tar.gz".format(version)
    else:
        filename = "demo-{}{}-{}-{}.whl".format(
            version, draw(st.sampled_from(["", "-1", "-2b"])),
            draw(st.sampled_from(_TAGS)), draw(st.sampled_from(_PLATFORMS)))
    return {"filename": filename, "url": INDEX + "/f/" + filename,
            "sha256": None, "size": None,
            "requires_python": draw(st.sampled_from(_PYTHONS)),
            "yanked": draw(st.booleans()), "metadata": draw(st.booleans())}


def _seen(o):
    return ([(c.file.filename, c.rank, str(c.version)) for c in o.candidates],
            [(str(v), yanked, fits) for v, yanked, fits in o.versions],
            {str(v): f.filename for v, f in o.metadata_files.items()})


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rows=st.lists(_row(), max_size=25),
       kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3,
                      unique=True))
def test_every_target_is_offered_what_the_whole_page_offers(rows, kinds):
    whole = project_from_rows("demo", [dict(r) for r in rows], INDEX)
    wanted = Wanted.of(TARGETS[k] for k in kinds)
    kept = project_from_rows("demo", [dict(r) for r in rows], INDEX, wanted)
    for k in kinds:
        assert _seen(offer(kept, TARGETS[k])) == \
            _seen(offer(whole, TARGETS[k]))
    assert sum(len(r.files) for r in kept.releases) <= \
        sum(len(r.files) for r in whole.releases)


def test_a_page_keeps_what_the_target_can_install():
    names = ["demo-1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
             "demo-1.0-cp311-cp311-win_amd64.whl",
             "demo-1.0-cp312-cp312-manylinux_2_17_aarch64.whl",
             "demo-1.0-cp311-cp311-linux_armv7l.whl",
             "demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz",
             "demo-2.0-cp310-cp310-macosx_11_0_arm64.whl"]
    rows = [{"filename": n, "url": INDEX + "/f/" + n, "sha256": None,
             "size": None, "requires_python": ">=3.{}".format(i),
             "yanked": False, "metadata": n.endswith("win_amd64.whl")}
            for i, n in enumerate(names)]
    project = project_from_rows(
        "demo", rows, INDEX, Wanted.of([TARGETS["bookworm-64"]]))
    one, two = project.releases
    assert [f.filename for f in one.files] == [
        "demo-1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
        # the release's metadata file, kept for its dependencies
        "demo-1.0-cp311-cp311-win_amd64.whl",
        "demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"]
    # (the metadata file's too: it was left out until it was known to
    # be the first with metadata)
    assert one.others_python == (">=3.1", ">=3.2", ">=3.3")
    # nothing of 2.0 suits the target: it is still a release, and still
    # one whose files need Python >= 3.6 (it fits 3.11)
    assert two.files == () and two.others_python == (">=3.6",)
    assert offer(project, TARGETS["bookworm-64"]).versions[1][2] is True


def test_another_target_reads_the_page_again(capsys, tmp_path):
    """One cache, two targets: bookworm-64's run keeps its aarch64
    wheels of the page; bookworm-32's, after it, online or offline,
    finds the armv7l wheel, not that run's model."""
    pypi = PypiServer(data_dir=None).start()
    try:
        pypi.files.add("demo", [
            {"filename": "demo-1.0-cp311-cp311-linux_armv7l.whl"},
            # first by name: the file kept for the release's metadata
            {"filename": "demo-1.0-cp311-cp311-linux_aarch64.whl"},
            {"filename": "demo-1.0.tar.gz"}])
        where = ["--isolated", "--index-url", pypi.index, "--no-deps",
                 "--cache-dir", str(tmp_path)]

        def chosen(kind, *more):
            code, doc, err = run_json(capsys, "--pi", kind, *where, *more,
                                      "demo")
            assert code == 0, err
            return doc["packages"][0]["file"]["filename"]
        assert chosen("bookworm-64").endswith("aarch64.whl")
        assert chosen("bookworm-32").endswith("armv7l.whl")
        assert chosen("bookworm-64", "--offline").endswith("aarch64.whl")
        assert chosen("bookworm-32", "--offline").endswith("armv7l.whl")
    finally:
        pypi.stop()
