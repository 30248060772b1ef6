# SPDX-License-Identifier: BSD-3-Clause
"""The bounds on what an index may send, one function at a time: JSON
nesting and size, file names, versions and tag sets, hashes, headers,
and which failures take a site to be down."""

import errno
import gzip
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piwcheck.errors import DataError, FetchError
from piwcheck.indexes.jsonbounds import MAX_DEPTH, MAX_ITEMS, check_shape
from piwcheck.indexes.piwheels import PiwheelsIndex
from piwcheck.model import is_sha256
from piwcheck.names import file_belongs, file_version, parse_version, \
    tags_of, valid_triple
from piwcheck.net import Transport
from piwcheck.net.errors import check_length, retry_after


def nested(depth):
    return b'{"a": ' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("body", [
    nested(MAX_DEPTH), b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,
    b'["' + b"[" * 1000 + b'"]', b'["\\"' + b"[" * 1000 + b'"]',
    b"[" * 10 + b"]" * 20, b'{"a": [1, 2', b'"unterminated \\',
    b"[" + b"1," * (MAX_ITEMS - 2) + b"1]",
])
def test_shapes_within_bounds(body):
    check_shape(body, "u")


@pytest.mark.parametrize("body,words", [
    (nested(MAX_DEPTH + 1), "nests more than 64 deep"),
    (b"[" * 100000, "nests more than 64 deep"),
    (b'{"a": ' + b"[" * 65 + b'"]"', "nests more than 64 deep"),
    (b"[" + b"1," * MAX_ITEMS + b"1]", "more than 2000000 JSON values"),
])
def test_shapes_out_of_bounds(body, words):
    with pytest.raises(DataError, match=words):
        check_shape(body, "u")


def _marks_by_hand(body: bytes) -> bytes:
    """The marks outside strings, one byte at a time."""
    out, in_string, escaped = [], False, False
    for byte in body:
        c = bytes([byte])
        if in_string:
            if escaped:
                escaped = False
            elif c == b"\\":
                escaped = True
            elif c == b'"':
                in_string = False
        elif c == b'"':
            in_string = True
        elif c in b"[]{},":
            out.append(c)
    return b"".join(out)


_TEXT = st.text(alphabet='"\\[]{},:an\n\u00e9', max_size=8)
_JSON = st.recursive(
    st.none() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) |
    st.dictionaries(_TEXT, inner, max_size=4), max_leaves=30)


@given(doc=_JSON, ascii=st.booleans(), cut=st.integers(0, 10 ** 6),
       window=st.sampled_from([2, 3, 7, 1 << 18]))
def test_marks_outside_strings(doc, ascii, cut, window):
    """Whatever its strings hold (quotes, backslashes, brackets), a JSON
    document's marks are read as a byte-by-byte reading finds them,
    whole or cut short, however the escapes fall across windows."""
    from piwcheck.indexes import jsonbounds

    body = json.dumps(doc, ensure_ascii=ascii).encode()
    body = body[:cut % (len(body) + 1)]
    kept, jsonbounds._WINDOW = jsonbounds._WINDOW, window
    try:
        assert jsonbounds.outside_strings(body) == _marks_by_hand(body)
    finally:
        jsonbounds._WINDOW = kept


@pytest.mark.parametrize("filename,release,ok", [
    ("evil-1.0-py3-none-any.whl", "1.0", True),
    ("Evil-1.0-1-py3-none-any.whl", "1.0", True),
    ("evil-1.0.post0-py3-none-any.whl", "1.0", False),
    ("evil-1.0.0-py3-none-any.whl", "1.0", True),  # the same version
    ("numpy-1.0-py3-none-any.whl", "1.0", False),
    ("evil-1.0-py3..-none-any.whl", "1.0", False),
    ("evil-1.0-3py-none-any.whl", "1.0", False),
    ("evil-1.0-x-py3-none-any.whl", "1.0", False),
    ("evil-1.0-\u0663-py3-none-any.whl", "1.0", False),
    ("evil-1.0-" + "1" * 40 + "-py3-none-any.whl", "1.0", False),
    ("evil-1.0.tar.gz", "1.0", True),
    ("evil-1.0.zip", "1.0", True),
    ("README", "1.0", False),
    ("/etc/passwd", "1.0", False),
    ("evil-1.0/../x.tar.gz", "1.0", False),
    ("evil-1.0\x1b.tar.gz", "1.0", False),
    ("evil-" + "1" * 300 + ".tar.gz", "1" * 300, False),
    ("evil-2004d.tar.gz", "2004d", True),  # not PEP 440: by its text
])
def test_file_belongs(filename, release, ok):
    assert file_belongs(filename, "evil", release,
                        parse_version(release)) is ok


def test_version_limits():
    assert parse_version("1" * 200) is not None
    assert parse_version("1" * 201) is None
    assert parse_version("1" * 5000) is None  # int() refuses it (3.11)
    assert file_version("evil-" + "1" * 5000 + ".tar.gz", "evil") is None


def test_tag_sets():
    assert valid_triple("cp311.cp312-abi3-manylinux_2_17_x86_64")
    assert not valid_triple("py3..-none-any")
    assert not valid_triple("3py-none-any")
    many = ".".join("a{}".format(i) for i in range(7))
    assert not valid_triple("-".join([many] * 3))  # 343 tags
    assert tags_of("-".join([many] * 3)) == frozenset()
    assert len(tags_of("py2.py3-none-any")) == 2


@pytest.mark.parametrize("value,ok", [
    ("ab" * 32, True), ("AB" * 32, True), ("ab" * 32 + "\n", False),
    ("../../tmp/planted", False), ("ab" * 31, False), (None, False),
    ("\u0663" * 64, False),
])
def test_sha256(value, ok):
    assert is_sha256(value) is ok


@pytest.mark.parametrize("value,seconds", [
    ("120", 120.0), ("\u00b2", None), ("9" * 400, 86400.0), ("", None),
    ("-1", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None),
])
def test_retry_after(value, seconds):
    assert retry_after(value) == seconds


class _Resp:
    url = "u"

    def __init__(self, length, got):
        self.headers = {"Content-Length": length}
        self.raw = type("Raw", (), {"tell": lambda self: got})()


@pytest.mark.parametrize("length,got,short", [
    ("10", 10, False), ("10", 5, True), ("\u00b2", 0, False),
    ("9" * 30, 5, True), ("10, 20", 5, False),
])
def test_check_length(length, got, short):
    if short:
        with pytest.raises(Exception, match="cut short"):
            check_length(_Resp(length, got))
    else:
        check_length(_Resp(length, got))


def _redirect_to(location):
    def play(h, name):
        h.send_body(302, b"", "text/html", {"Location": location}, name)
    return play


@pytest.mark.parametrize("location", [
    "file:///etc/passwd", "http://[::1", "gopher://x/"])
def test_an_unfollowable_redirect_fails_one_document(server, location):
    server.faults["numpy"] = _redirect_to(location)
    index = PiwheelsIndex(server.url, Transport(timeout=2))
    with pytest.raises(FetchError) as info:
        index.fetch("numpy")
    assert "cannot reach" not in str(info.value)
    assert index.transport.down(server.url) is None
    assert index.fetch("RPi.GPIO").releases  # the site is not down


def test_a_local_error_fails_one_download(server):
    class Full:
        def seek(self, n):
            pass

        def truncate(self):
            pass

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")
    transport = Transport(timeout=2)
    with pytest.raises(FetchError, match="cannot write it: No space left"):
        transport.download(server.url + "/packages.json", Full(), 10 ** 8,
                           5.0)
    assert transport.down(server.url) is None


def test_a_refused_connection_takes_the_site_down():
    transport = Transport(timeout=2)
    index = PiwheelsIndex("http://127.0.0.1:9", transport)
    with pytest.raises(FetchError, match="cannot reach"):
        index.fetch("numpy")
    assert transport.down("http://127.0.0.1:9/x").startswith("cannot reach")


def test_gzip_members_and_the_cap(server):
    doc = server.documents["numpy"]

    def play(h, name):
        body = gzip.compress(doc[:100]) + gzip.compress(doc[100:])
        h.send_body(200, body, headers={"Content-Encoding": "gzip"},
                    name=name)
    server.faults["numpy"] = play
    assert PiwheelsIndex(server.url, Transport(timeout=2)).fetch(
        "numpy").releases
    small = Transport(timeout=2, max_bytes=len(doc) - 1)
    with pytest.raises(FetchError, match="larger than"):
        PiwheelsIndex(server.url, small).fetch("numpy")
