# SPDX-License-Identifier: BSD-3-Clause
"""pyproject.toml as input: [project] dependencies, --extra, --group
(PEP 735, include-group), a project directory, and malformed files as
one-line input errors."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import PI, pkgs, run, run_json

PYPROJECT = """\
[project]
name = "Demo_Proj"
version = "1.0"
dependencies = ["gpiozero", "pillow; sys_platform == 'win32'"]

[project.optional-dependencies]
gpio = ["RPi.GPIO; platform_machine == 'armv7l'"]
all = ["demo-proj[gpio]", "numpy>=2"]
unused = ["cffi"]

[dependency-groups]
test = ["colorzero"]
Dev = [{include-group = "test"}, "demo.proj[all]"]
"""

#: What the pyproject above asks for with --extra all --group dev, as a
#: requirements file says it.
EQUIVALENT = """\
gpiozero
pillow; sys_platform == 'win32'
RPi.GPIO; platform_machine == 'armv7l'
numpy>=2
colorzero
"""


def project(tmp_path, text=PYPROJECT, name="pyproject.toml"):
    folder = tmp_path / "proj"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str)
                     else text)
    return str(path)


def statuses(doc):
    return {n: (p["status"], p["version"]) for n, p in pkgs(doc).items()}


def test_extras_and_groups_as_the_equivalent_requirements(server, capsys,
                                                           tmp_path):
    path = project(tmp_path)
    code, doc, err = run_json(capsys, *PI, *server.only, "--no-deps",
                              "-r", path, "--extra", "all", "--group", "dev")
    req = tmp_path / "req.txt"
    req.write_text(EQUIVALENT)
    code2, doc2, _ = run_json(capsys, *PI, *server.only, "--no-deps",
                              "-r", str(req))
    assert (code, statuses(doc)) == (code2, statuses(doc2))
    assert "cffi" not in statuses(doc)  # an extra not asked for
    assert err == ""
    sources = {p["name"]: p["source"] for p in doc["packages"]}
    assert sources["numpy"] == [
        path + ": project.optional-dependencies.all[1]"]
    assert sources["colorzero"] == [path + ": dependency-groups.test[0]"]


def test_dependencies_alone(server, capsys, tmp_path):
    path = project(tmp_path)
    code, doc, _ = run_json(capsys, *PI, *server.only, "--no-deps", "-r",
                            path)
    assert set(statuses(doc)) == {"gpiozero", "pillow"}
    assert statuses(doc)["pillow"][0] == "skipped"


def test_a_self_reference_with_a_marker_keeps_it(server, capsys, tmp_path):
    path = project(tmp_path, PYPROJECT.replace(
        '"demo-proj[gpio]"', '"demo-proj[gpio]; python_version < \'3\'"'))
    code, doc, _ = run_json(capsys, *PI, *server.only, "--no-deps", "-r",
                            path, "--extra", "all")
    assert statuses(doc)["rpi-gpio"] == ("skipped", None)


def test_a_project_directory_argument(server, capsys, tmp_path,
                                      monkeypatch):
    path = project(tmp_path)
    by_file = run_json(capsys, *PI, *server.only, "--no-deps", "-r", path)
    by_dir = run_json(capsys, *PI, *server.only, "--no-deps",
                      os.path.dirname(path) + "/")
    monkeypatch.chdir(os.path.dirname(path))
    by_dot = run_json(capsys, *PI, *server.only, "--no-deps", ".")
    by_r_dir = run_json(capsys, *PI, *server.only, "--no-deps", "-r",
                        os.path.dirname(path))
    assert statuses(by_file[1]) == statuses(by_dir[1]) == \
        statuses(by_dot[1]) == statuses(by_r_dir[1])
    assert by_file[0] == by_dir[0] == by_dot[0] == by_r_dir[0]


def test_a_name_that_is_also_a_directory_is_a_requirement(server, capsys,
                                                          tmp_path,
                                                          monkeypatch):
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(tmp_path)
    code, doc, _ = run_json(capsys, *PI, *server.only, "--no-deps", "numpy")
    assert set(statuses(doc)) == {"numpy"}


def test_extra_without_a_pyproject_is_a_usage_error(server, capsys):
    code, out, err = run(capsys, *PI, *server.only, "--extra", "x", "numpy")
    assert code == 2 and "--extra" in err.splitlines()[-1]


def _error(capsys, server, path, *args):
    code, out, err = run(capsys, *PI, *server.only, "--no-deps", "-r", path,
                         *args)
    lines = [line for line in err.splitlines() if line.strip()]
    return code, out, lines


BAD = [
    ("[project]\nname='x'\ndependencies = 'numpy'\n", (),
     "project.dependencies: is a string, not an array"),
    ("[project]\nname='x'\ndependencies = ['numpy', 3]\n", (),
     "project.dependencies[1]: is an integer, not a string"),
    ("[project]\nname='x'\ndependencies = ['numpy ==']\n", (),
     "project.dependencies[0]: invalid requirement"),
    ("[project]\nname='x'\ndynamic = ['dependencies']\n", (),
     "project.dependencies is dynamic"),
    ("[project]\nname='x'\ndependencies = []\n", ("--extra", "gpio"),
     "project.optional-dependencies: no extra 'gpio'"),
    ("[project]\nname='x'\n[dependency-groups]\na = [{include-group='b'}]\n"
     "b = [{include-group = 'A'}]\n", ("--group", "a"),
     "dependency-groups.b[0]: include-group cycle: a -> b -> A"),
    ("[project]\nname='x'\n[dependency-groups]\na = [{include-group='c'}]\n",
     ("--group", "a"), "dependency-groups.a[0]: no dependency group 'c'"),
    ("[project]\nname='x'\n", ("--group", "nope"),
     "dependency-groups: no dependency group 'nope'"),
    ("[project]\nname='x'\n[dependency-groups]\na = [{include='c'}]\n",
     ("--group", "a"), "dependency-groups.a[0]: neither a requirement"),
    ("[dependency-groups]\na_b = []\nA-B = []\n", ("--group", "a-b"),
     "are one group"),
    ("[tool.poetry]\nname='x'\n", (), "no [project] table"),
    ("[project\n", (), "not valid TOML"),
    (b"[project]\nname = '\xff'\n", (), ":2: not UTF-8"),
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", (), "pyproject.toml: "),
]


@pytest.mark.parametrize("text,args,message", BAD)
def test_malformed_is_one_line_input_error(server, capsys, tmp_path, text,
                                           args, message):
    path = project(tmp_path, text)
    code, out, lines = _error(capsys, server, path, *args)
    assert code == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("piwcheck: error: " +
                                                   path), lines
    assert message in lines[0]


_TOML_KEYS = st.sampled_from(["project", "name", "dependencies", "dynamic",
                              "optional-dependencies", "dependency-groups",
                              "include-group", "all", "a", "lock-version",
                              "packages", "wheels", "sdist", "url", "marker",
                              "version", "hashes", "environments"])
_LEAVES = st.one_of(st.text(max_size=20), st.integers(), st.booleans(),
                    st.sampled_from(["numpy", "x[all]", "1.0",
                                     "python_version > '3'", "a.whl"]))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(_TOML_KEYS, inner, max_size=4)), max_leaves=20)


def _dump(value, key_path=()):
    """A tiny TOML writer: every table inline."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    return "{" + ", ".join("{} = {}".format(json.dumps(k), _dump(v))
                           for k, v in value.items()) + "}"


#: The health checks this hypothesis has (bullseye's lacks one).
SUPPRESS = [h for h in (getattr(HealthCheck, n, None) for n in (
    "too_slow", "function_scoped_fixture")) if h]


@settings(max_examples=60, deadline=None, suppress_health_check=SUPPRESS)
@given(doc=st.dictionaries(_TOML_KEYS, _VALUES, max_size=5),
       name=st.sampled_from(["pyproject.toml", "pylock.toml"]),
       args=st.sampled_from([(), ("--extra", "all"), ("--group", "a")]),
       tail=st.binary(max_size=8))
def test_any_document_is_a_report_or_one_line(server, capsys, tmp_path,
                                              doc, name, args, tail):
    text = "\n".join("{} = {}".format(_dump(k), _dump(v))
                     for k, v in doc.items()).encode() + b"\n" + tail
    path = project(tmp_path, text, name)
    code, out, lines = _error(capsys, server, path, "--offline", *args)
    assert code in (0, 1, 2, 3)
    if code == 2 and not out:  # an input error's one line (after the
        # usage, for a usage error)
        assert lines[-1].startswith("piwcheck: error: ")
        assert len(lines) == 1 or lines[0].startswith("usage:")
    assert not any("Traceback" in line for line in lines)


def test_reading_toml_needs_a_parser(server, capsys, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_toml(name, *a, **k):
        if name in ("tomllib", "tomli"):
            raise ImportError(name)
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", no_toml)
    code, out, lines = _error(capsys, server, project(tmp_path))
    assert code == 2 and lines == [
        "piwcheck: error: reading TOML needs Python 3.11 or newer, or "
        "tomli (apt install python3-tomli)"]




def test_no_dependencies_is_nothing_to_do(server, capsys, tmp_path):
    path = project(tmp_path, "[project]\nname = 'x'\nversion = '1'\n")
    code, doc, err = run_json(capsys, *PI, *server.only, "-r", path)
    assert (code, doc["packages"], err) == (0, [], "")


def test_dynamic_dependencies_with_a_group_warn(server, capsys, tmp_path):
    path = project(tmp_path, "[project]\nname = 'x'\nversion = '1'\n"
                   "dynamic = ['dependencies']\n[dependency-groups]\n"
                   "test = ['colorzero']\n")
    code, doc, err = run_json(capsys, *PI, *server.only, "--no-deps", "-r",
                              path, "--group", "test")
    assert set(statuses(doc)) == {"colorzero"}
    assert err.splitlines() == ["piwcheck: warning: {}: project.dependencies "
                                "is dynamic (in project.dynamic): piwcheck "
                                "cannot build the project to learn them; "
                                "give them with -r; not checked".format(
                                    path)]


def test_a_directory_without_pyproject(server, capsys, tmp_path):
    code, out, lines = _error(capsys, server, str(tmp_path))
    assert code == 2 and lines == ["piwcheck: error: {}: is a directory, "
                                   "not a requirements file".format(
                                       tmp_path)]
