# SPDX-License-Identifier: BSD-3-Clause
"""A project's offer for each Pi (select.offer, made by piwcheck.offers):
the same whether made at once or from the Files kept when a document is
offered again (as for every Pi of --matrix), and the same as pip's link
evaluator, written out plainly below; ranking the offers (select.ranked)
is pip's sort however the offers were made."""

import gc
from dataclasses import replace

import pytest
from packaging.specifiers import SpecifierSet

from piwcheck import offers
from piwcheck.described import described_target
from piwcheck.facts import MATRIX_KINDS
from piwcheck.model import File, Project, Release
from piwcheck.names import build_tag, parse_version, tags_of
from piwcheck.offers import why_no_wheel
from piwcheck.select import Candidate, Formats, any_file, offer, ranked
from piwcheck.specs import combined, python_ok

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

INDEX = "https://www.piwheels.org/simple"
PIS = [described_target(None, [], pi=kind) for kind in MATRIX_KINDS]

#: Equal versions written apart, pre-releases, a version pip cannot read.
VERSIONS = ["1.0", "1.0.0", "1.1", "2.0rc1", "2.0", "2.0.post1", "0.9",
            "10.0", "1.0+local", "not-a-version"]
TAGS = ["cp311-cp311-linux_armv7l", "cp311-cp311-linux_armv6l",
        "cp313-cp313-linux_armv7l", "cp313-cp313-manylinux_2_17_aarch64",
        "cp311-cp311-manylinux_2_39_aarch64", "cp39-abi3-linux_armv7l",
        "py3-none-any", "cp311-cp311-linux_x86_64",
        "cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64"]
PYTHONS = [None, ">=3.12", "<3.12", ">=3.8", "~=3.11.0", "invalid!"]


@st.composite
def projects(draw):
    """A project with releases of any of VERSIONS, each with wheels of
    any of TAGS (some with a build tag), sdists, Requires-Python, yanked
    files and files with metadata; piwheels' build data on some."""
    releases = []
    for r, text in enumerate(draw(st.lists(st.sampled_from(VERSIONS),
                                           max_size=6))):
        files = []
        for n, (kind, tag, python, yanked, meta, abi) in enumerate(draw(
                st.lists(st.tuples(
                    st.sampled_from(["wheel", "wheel", "build", "sdist"]),
                    st.sampled_from(TAGS), st.sampled_from(PYTHONS),
                    st.booleans(), st.booleans(),
                    st.sampled_from([None, "cp311", "cp313"])),
                    max_size=5))):
            stem = "demo-{}".format(text.replace("-", "_"))
            filename = "{}.{}.tar.gz".format(stem, n) if kind == "sdist" \
                else "{}-{}{}.whl".format(
                    stem, "{}-".format(n + 1) if kind == "build" else "",
                    tag)
            files.append(File(
                filename, "https://example.org/" + filename, None, None,
                python, yanked, INDEX, abi, None, None, None, None,
                tags_of(tag) if kind != "sdist" else frozenset(), meta))
        releases.append(Release(text, parse_version(text), "", False,
                                all(f.yanked for f in files) and
                                bool(files), "", tuple(files)))
    return Project("demo", "", tuple(releases), INDEX)


def plain_offer(project, target, order, has_apt_data):
    """The offer, as pip's link evaluator keeps files: every file in
    turn."""
    rank = target.tag_rank()
    worst = len(target.tags)
    candidates, versions, reasons, metadata = [], [], {}, {}
    for r in project.releases:
        if r.parsed is None:
            continue
        fits, wheel = not r.files, False
        for f in r.files:
            if f.has_metadata and r.parsed not in metadata:
                metadata[r.parsed] = f
            if not python_ok(f.requires_python, target.python_full_version):
                continue
            fits = True
            if f.is_wheel:
                ranks = [rank[t] for t in f.tags if t in rank]
                if ranks:
                    wheel = True
                    candidates.append(Candidate(
                        f, r.parsed, min(ranks), build_tag(f.filename),
                        order, r.version, True))
            else:
                candidates.append(Candidate(f, r.parsed, worst, (), order,
                                            r.version, False))
        versions.append((r.parsed, r.yanked, fits))
        if has_apt_data and not wheel:
            reasons[r.parsed] = why_no_wheel(r, target)
    return candidates, tuple(versions), reasons, metadata


def same(made, plain):
    candidates, versions, reasons, metadata = plain
    assert list(made.candidates) == candidates
    assert made.versions == versions
    assert dict(made.no_wheel_reasons.items()) == reasons
    assert set(made.no_wheel_reasons) == set(reasons)
    for v in set(VERSIONS):
        parsed = parse_version(v)
        if parsed is not None:
            assert (parsed in made.no_wheel_reasons) == (parsed in reasons)
    assert made.metadata_files == metadata
    assert list(made.best_first) == sorted(
        candidates, key=lambda c: (c.version, -c.rank, c.build),
        reverse=True)


@settings(max_examples=150, deadline=None)
@given(projects(), st.booleans())
def test_an_offer_is_the_link_evaluators_however_made(project, apt):
    """Each Pi's offer, made at once (a document offered once) and again
    from the kept Files (offered for each Pi), is what the plain loop
    keeps; the Files are dropped with the document."""
    for target in PIS:  # the first made at once, the others from Files
        same(offer(project, target, 1, "", None, apt),
             plain_offer(project, target, 1, apt))


def test_files_are_kept_from_the_second_offer_while_the_document_lives():
    project = Project("demo", "", (Release("1.0", parse_version("1.0"), "",
                                           False, False, "", ()),), INDEX)
    key = id(project)
    offer(project, PIS[0])
    assert key not in offers._KEPT
    offer(project, PIS[1])
    assert key in offers._KEPT
    del project
    gc.collect()
    assert key not in offers._KEPT and key not in offers._ONCE


def test_a_shared_document_keeps_its_files_from_the_first_offer():
    """A document every Pi of --matrix offers (indexes.shared says so)
    makes its Files once, not once more at the second offer."""
    project = Project("demo", "", (Release("1.0", parse_version("1.0"), "",
                                           False, False, "", ()),), INDEX)
    key = id(project)
    offers.share(project)
    offer(project, PIS[0])
    kept = offers._KEPT[key]
    offer(project, PIS[1])
    assert offers._KEPT[key] is kept
    del project
    gc.collect()
    assert key not in offers._KEPT and key not in offers._ONCE


def test_a_document_freed_while_another_is_offered():
    """The collector may free a watched document at any allocation,
    also while offer() is keeping another's Files (the CI's newest-set
    run hung there: the freed one's finalizer waited for the lock its
    own thread held).  Here it is made to, in a process of its own."""
    import os
    import subprocess
    import sys

    code = """if True:
        import gc, weakref
        from piwcheck.described import described_target
        from piwcheck.model import Project, Release
        from piwcheck.names import parse_version
        from piwcheck.select import offer

        pi = described_target(None, [], pi="bookworm-64")

        def project():
            return Project("demo", "", (Release("1.0", parse_version("1.0"),
                                                "", False, False, "", ()),),
                           "https://pypi.example/simple")
        doomed = project()
        offer(doomed, pi)  # watched from now on
        cycle = [doomed]
        cycle.append(cycle)  # only the collector can free it
        gc.disable()
        del doomed, cycle

        class Finalize(weakref.finalize):
            def __init__(self, *args, **kwargs):
                gc.collect()  # as an allocation here may make it
                super().__init__(*args, **kwargs)
        weakref.finalize = Finalize
        offer(project(), pi)
        print("offered")
    """
    env = dict(os.environ, PYTHONPATH=os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == "offered\n", done.stderr[-2000:]


SPECS = ["", ">=1.0", "==1.0", "<2", "==2.0rc1", "!=1.1", ">1.0,<10"]


@settings(max_examples=150, deadline=None)
@given(projects(), projects(), st.sampled_from(SPECS), st.booleans(),
       st.sampled_from([Formats(), Formats(prefer_binary=True),
                        Formats(only_binary=frozenset([":all:"])),
                        Formats(no_binary=frozenset(["demo"])),
                        Formats(only_final=frozenset(["demo"]))]))
def test_ranking_is_pips_sort(first, second, spec, pre, formats):
    """ranked() over two indexes' offers (presorted) gives what sorting
    every candidate by pip's key gives; any_file() says whether ranking
    for any version finds one."""
    target = PIS[0]
    made = [offer(first, target, 0), offer(second, target, 1)]
    unsorted = [replace(o, best_first=None) for o in made]
    spec = SpecifierSet(spec)
    assert ranked(made, spec, "demo", pre, formats) == \
        ranked(unsorted, spec, "demo", pre, formats)
    assert any_file(made, "demo", formats) == bool(
        ranked(unsorted, SpecifierSet(), "demo", True, formats))


@given(st.lists(st.sampled_from(SPECS), max_size=4))
def test_combined_specifiers_are_their_intersection(texts):
    specs = [SpecifierSet(t) for t in texts]
    joined = SpecifierSet()
    for s in specs:
        joined &= s
    assert str(combined(specs)) == str(joined)
    assert combined(specs) == joined
