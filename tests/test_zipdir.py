# SPDX-License-Identifier: BSD-3-Clause
"""The zip reader of range-read wheels against Python's own zipfile:
for any wheel zipfile writes (members stored or deflated, a comment, a
central directory larger than the first read, zip64 records) it finds
the METADATA zipfile finds; for any damage to one, it answers the same
or raises DataError, never anything else; and it reads only within the
file, never more than its bounds."""

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwcheck.errors import DataError
from piwcheck.indexes.zipdir import TAIL, Source, metadata_bytes


class Bytes(Source):
    """A file in memory that counts what is read of it."""

    def __init__(self, data):
        self.data = data
        self.size = len(data)
        self.reads = []

    def read(self, start, end):
        assert 0 <= start <= end <= self.size
        self.reads.append((start, end))
        return self.data[start:end]


def _wheel(members, meta, method, comment=b"", zip64=False, at=None):
    """A zip of ``members`` (name, bytes) with the METADATA of ``meta``
    placed at index ``at`` (last by default), as zipfile writes it."""
    out = io.BytesIO()
    names = list(members)
    info = ("demo-1.0.dist-info/METADATA", meta)
    names.insert(len(names) if at is None else min(at, len(names)), info)
    with zipfile.ZipFile(out, "w", method, allowZip64=True) as z:
        for name, data in names:
            with z.open(zipfile.ZipInfo(name), "w", force_zip64=zip64) as f:
                f.write(data)
        z.comment = comment
    return out.getvalue()


_members = st.lists(st.tuples(
    st.from_regex(r"demo/[a-z]{1,12}\.py", fullmatch=True),
    st.binary(max_size=300)), max_size=40, unique_by=lambda m: m[0])


@settings(derandomize=True, max_examples=150, deadline=None)
@given(_members, st.binary(min_size=1, max_size=3000),
       st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
       # a comment holding an end record's signature: zipfile's versions
       # disagree on such a zip (3.13 refuses it), so it is no reference
       st.binary(max_size=300).filter(lambda c: b"PK\x05" not in c and
                                      b"PK\x06" not in c),
       st.booleans(), st.integers(0, 40))
def test_it_reads_what_zipfile_reads(members, meta, method, comment, zip64,
                                     at):
    data = _wheel(members, meta, method, comment, zip64, at)
    src = Bytes(data)
    assert metadata_bytes(src, "demo", "demo.whl") == zipfile.ZipFile(
        io.BytesIO(data)).read("demo-1.0.dist-info/METADATA")


@settings(derandomize=True, max_examples=300, deadline=None)
@given(_members, st.binary(min_size=1, max_size=500),
       st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)),
                min_size=1, max_size=4),
       st.integers(0, 10 ** 6))
def test_damage_is_a_data_error_or_the_same_answer(members, meta, flips,
                                                   cut):
    data = bytearray(_wheel(members, meta, zipfile.ZIP_DEFLATED))
    for pos, value in flips:
        data[pos % len(data)] = value
    data = bytes(data[:max(0, len(data) - cut % 64)])
    try:
        got = metadata_bytes(Bytes(data), "demo", "demo.whl")
    except DataError:
        return
    # what it does read is what a zip reader reads there, CRC-checked
    assert got == meta


def test_a_big_directory_is_read_past_the_first_tail():
    members = [("demo/m{:05d}.py".format(i), b"") for i in range(3000)]
    data = _wheel(members, b"Metadata-Version: 2.1\n", zipfile.ZIP_DEFLATED)
    src = Bytes(data)
    assert metadata_bytes(src, "demo", "demo.whl").startswith(b"Metadata")
    assert len(data) > TAIL and src.reads[0] == (len(data) - TAIL, len(data))


@pytest.mark.parametrize("project,why", [
    ("other", "its .dist-info folder 'demo-1.0.dist-info' is not other's"),
])
def test_the_dist_info_must_be_the_project_s(project, why):
    data = _wheel([], b"Metadata-Version: 2.1\n", zipfile.ZIP_STORED)
    with pytest.raises(DataError, match=why):
        metadata_bytes(Bytes(data), project, "demo.whl")


class RangeTransport:
    """A transport whose server answers every range as asked, from
    ``data``; ``asked`` records the ranges."""

    budget = 30.0
    offline = False

    def __init__(self, data):
        self.data = data
        self.asked = []

    def span(self, url, ranges, max_bytes, whole, whole_max, seconds):
        from piwcheck.net.ranges import Span

        self.asked.append(ranges)
        a, b = ranges.split("-")
        size = len(self.data)
        first, last = (max(0, size - int(b)), size - 1) if a == "" else \
            (int(a), min(int(b), size - 1))
        body = self.data[first:last + 1]
        assert len(body) <= max_bytes
        return Span(True, body, "bytes {}-{}/{}".format(first, last, size))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 200000), st.integers(0, 3000),
       st.binary(min_size=1, max_size=2000), st.integers(0, 3000))
def test_range_reads_join_into_what_zipfile_reads(before, payload, after,
                                                  meta, at):
    """Over ranges: the end first, then only the bytes not yet had, in
    at most a few requests, whatever the layout."""
    import random
    import tempfile

    from piwcheck.indexes.lazywheel import _read
    from piwcheck.model import File

    rng = random.Random(payload)
    members = [("demo/a{:05d}.py".format(i), b"a = 1\n")
               for i in range(before)] + \
        [("demo/_core.so", rng.randbytes(payload))] + \
        [("demo/b{:05d}.py".format(i), b"") for i in range(after)]
    data = _wheel(members, meta, zipfile.ZIP_DEFLATED, at=at)
    transport = RangeTransport(data)
    f = File(filename="demo-1.0-py3-none-any.whl", url="http://x/demo.whl",
             sha256=None, size=None, requires_python=None, yanked=False,
             index="http://x", builder_abi=None, file_abi_tag=None,
             platform=None, apt_dependencies=None, pip_dependencies=None,
             tags=())
    with tempfile.TemporaryFile() as whole:
        got = _read(transport, f, "demo", whole)
    assert got == meta
    assert len(transport.asked) <= 4, transport.asked
    spans = [tuple(int(x) for x in r.split("-")) for r in transport.asked[1:]]
    assert all(a <= b < len(data) for a, b in spans)
