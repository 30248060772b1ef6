# SPDX-License-Identifier: BSD-3-Clause
"""Property-based: arbitrary documents and requirements text meet only
the documented errors, never another exception."""

import copy
import json
import os
import tempfile

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from helpers import DATA  # noqa: E402
from piwcheck.errors import DataError, InputError  # noqa: E402
from piwcheck.indexes.piwheels import parse_project  # noqa: E402
from piwcheck.inputs import parse_line  # noqa: E402
from piwcheck.inputs.reqfile import Reader  # noqa: E402

# Deterministic by default, so a build or CI run never turns red on a new
# random example; HYPOTHESIS_PROFILE=explore searches afresh (and longer).
hypothesis.settings.register_profile("default", derandomize=True,
                                     max_examples=300)
hypothesis.settings.register_profile("explore", derandomize=False,
                                     max_examples=5000)
hypothesis.settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "default"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30)

FIELDS = ["package", "summary", "releases", "files", "file_url", "filehash",
          "filesize", "builder_abi", "file_abi_tag", "platform",
          "requires_python", "apt_dependencies", "pip_dependencies",
          "yanked", "prerelease", "skip_reason", "released"]

with open(os.path.join(DATA, "projects", "cryptography.json")) as f:
    BASE = json.load(f)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, prefix + (key,))


PATHS = list(_paths(BASE))[1:]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json(doc):
    try:
        parse_project(doc, "x")
    except DataError:
        pass


@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6))
def test_arbitrary_objects_with_real_field_names(doc):
    try:
        parse_project({"releases": {"1.0": {"files": {
            "x-1.0-py3-none-any.whl": doc}}}}, "x")
        parse_project({"releases": {"1.0": doc}}, "x")
        parse_project(doc, "x")
    except DataError:
        pass


def _replaced(path, value):
    """The real document with the value at ``path`` replaced."""
    doc = copy.deepcopy(BASE)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@given(st.sampled_from(PATHS), json_values)
def test_real_document_with_one_value_replaced(path, value):
    try:
        parse_project(_replaced(path, value), "cryptography")
    except DataError:
        pass


LINE_PARTS = st.sampled_from([
    "numpy", "RPi.GPIO", ">=", "==", "~=", "1.0", "2.*", ";", " ", "#",
    " # c", "\\", "\n", "\r\n", "-r", "-c", "-e", "--pre", "--hash=x",
    "--index-url", "[extra]", "@", "https://x.org/a.whl", "git+https://x",
    "${HOME}", "${NOPE}", "python_version", "'3.8'", "\"", "'", "-",
    "./path", "=", ",", "(", ")", "\x00", "\ufeff", "\u00e9"])


def _read_file(data):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "req.txt")
        with open(path, "wb") as f:
            f.write(data)
        try:
            Reader().read(path)
        except InputError:
            pass


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE_PARTS | st.text(max_size=8), max_size=30).map(
    "".join))
def test_arbitrary_requirements_files(text):
    _read_file(text.encode("utf-8", "surrogatepass"))


@given(st.lists(LINE_PARTS | st.text(max_size=8), max_size=12).map(
    "".join))
def test_arbitrary_requirement_strings(text):
    try:
        parse_line(text)
    except InputError:
        pass


@given(st.binary(max_size=200))
def test_arbitrary_bytes_as_a_file(data):
    _read_file(data)


@given(st.sampled_from(PATHS), json_values)
def test_models_survive_the_cache(path, value):
    """Whatever parses comes back from the model cache equal."""
    from piwcheck.net.cache import ModelCache
    doc = _replaced(path, value)
    try:
        project = parse_project(doc, "cryptography")
    except DataError:
        return
    with tempfile.TemporaryDirectory() as folder:
        models = ModelCache(folder)
        key = models.body_key(json.dumps(doc).encode())
        models.set("http://x/project/cryptography/json/", key, project)
        assert models.get("http://x/project/cryptography/json/",
                          key) == project


@given(st.binary(max_size=300))
def test_arbitrary_model_entries_are_misses(data):
    """Any payload, even under a matching checksum, is a miss (the
    unpickler meets arbitrary bytes and raises nothing)."""
    import hashlib

    from piwcheck.net.cache import ModelCache
    with tempfile.TemporaryDirectory() as folder:
        models = ModelCache(folder)
        url = "http://x/project/x/json/"
        key = models.body_key(b"x")
        check = hashlib.sha256(data).hexdigest().encode()
        for entry in (data, models._stamp + key + b"\n" + data,
                      models._stamp + key + b"\n" + check + b"\n" + data):
            with open(models._path(url), "wb") as f:
                f.write(entry)
            assert models.get(url, key) is None


ODD_LINES = st.sampled_from([
    "numpy===foo", "numpy==1.0.0x", "foo>=1.0.*", "-e ''", "-e .",
    "-e git+https://x/y.git", "git+https://x/y#egg=a[b]", "foo \\ ",
    "~/foo", "foo/bar==1", "./a", "-r a.txt", "-r b.txt", "-c b.txt",
    "-r -", "-r /dev/zero", "-r .", "--hash=sha256:x foo",
    "foo --hash=sha256:x ==1", "numpy --install-option=x", "foo -e ./a",
    "# coding: rot13", "# coding: latin-1", "# coding: utf-16",
    "# coding: nope", " " * 3000 + "#", "x" + " " * 3000 + "y",
    "file://host/x", "-e file://./a", "${HOME}/x"])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(ODD_LINES | st.text(max_size=6), max_size=8),
                min_size=2, max_size=2),
       st.sampled_from(["utf-8", "latin-1", "utf-16", "utf-8-sig"]))
def test_odd_nested_documents(files, encoding):
    """Two files that may include each other (and themselves, stdin, a
    device), in an encoding: the reader gives Inputs or one line of
    InputError, quickly, and the verdict for any pip is one line too."""
    import time

    with tempfile.TemporaryDirectory() as folder:
        for name, lines in zip(("a.txt", "b.txt"), files):
            with open(os.path.join(folder, name), "wb") as f:
                f.write("\n".join(lines).encode(encoding, "replace"))
        start = time.monotonic()
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            inputs = Reader().read(os.path.join(folder, "a.txt"))
            for pip in ("23.0.1", "25.0", None):
                verdict = inputs.refused_by(pip)
                assert verdict is None or "\n" not in verdict
        except InputError as exc:
            assert "\n" not in str(exc)
        finally:
            os.chdir(cwd)
        assert time.monotonic() - start < 5
