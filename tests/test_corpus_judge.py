# SPDX-License-Identifier: BSD-3-Clause
"""Real pip as the judge on real index data: the recorded corpus of PyPI
pages and metadata (``tests/data/corpus/``, see its RECORDED file) served
by a fake index, ``pip install --dry-run --report --only-binary=:all:``
for the platforms, Python and ABI of ``--pi bookworm-32``, ``bookworm-64``
and ``trixie-64``, and piwcheck ``--pi KIND`` with the corpus as its index
and piwheels pointed at an empty fake: both must name the same file of
every project, or both find none.

pip evaluates markers for the interpreter it runs on, whatever
--platform says; the judge here is given the Pi's marker environment
(written out below, not taken from piwcheck) in place of its own, as
the Pi's pip would have it.  Only binaries are judged: the corpus holds
no files, so pip cannot build an sdist's metadata."""

import json
import os
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from packaging.utils import canonicalize_name

from corpusindex import CorpusServer, load_pages
from helpers import run_json
from piwcheck.target import pi_platforms
from piwserver import PiwheelsServer
from test_pip_judge import JUDGE, WHY

pytestmark = [
    pytest.mark.skipif(JUDGE is None, reason=WHY or ""),
    # about 80 pip runs: minutes natively, where CI runs them on every
    # library set; far too long on an emulated CPU (tests/pi/pi_suite.py)
    pytest.mark.skipif(bool(os.environ.get("PIWCHECK_EMULATED")),
                       reason="the corpus judge runs natively, not in the "
                       "emulated root"),
]

#: --pi KIND: (abi, Python, Debian release, machine).
TARGETS = {
    "bookworm-32": ("cp311", "3.11.2", "bookworm", "armv7l"),
    "bookworm-64": ("cp311", "3.11.2", "bookworm", "aarch64"),
    "trixie-64": ("cp313", "3.13.5", "trixie", "aarch64"),
}

#: Every project of the corpus, each alone (--no-deps).
PROJECTS = sorted(load_pages())

#: Requirements with specifiers (--no-deps), for older releases; and
#: pydantic 0.18, whose only wheel is named ``py36+`` (pip skips it).
SPECIFIED = ["numpy<2", "pillow>=10,<11", "scipy<1.14", "pandas<2.2",
             "protobuf<5", "pydantic<2", "matplotlib<3.9", "urllib3<2",
             "cryptography<42", "opencv-python-headless<4.12",
             "pydantic==0.18"]

#: Whole install sets, dependencies resolved.
SETS = [
    ["numpy<2", "opencv-python-headless"],
    ["fastapi"],
    ["pydantic"],
    ["matplotlib"],
    ["aiohttp"],
    ["flask"],
    ["pandas"],
    ["cryptography"],
    ["requests"],
    ["gpiozero", "smbus2", "colorzero"],
    ["gpiozero", "RPi.GPIO", "smbus2"],
    ["numpy<2", "pandas<2.2", "matplotlib<3.9"],
    ["paho-mqtt", "psutil", "pyyaml", "orjson", "lxml", "grpcio",
     "protobuf"],
]


def marker_env(python, machine):
    """The marker environment of CPython ``python`` on a Pi."""
    return {"implementation_name": "cpython", "os_name": "posix",
            "platform_machine": machine, "platform_system": "Linux",
            "platform_python_implementation": "CPython",
            "sys_platform": "linux", "platform_release": "6.12.25+rpt",
            "platform_version": "#1 SMP PREEMPT", "implementation_version":
            python, "python_full_version": python,
            "python_version": python.rsplit(".", 1)[0]}


#: pip, with its marker environment replaced by argv[1]'s.
RUN_PIP = ("import json, sys\n"
           "import pip._vendor.packaging.markers as markers\n"
           "env = json.loads(sys.argv.pop(1))\n"
           "markers.default_environment = lambda: dict(env)\n"
           "from pip._internal.cli.main import main\n"
           "sys.exit(main())\n")


@pytest.fixture(scope="module")
def corpus():
    server = CorpusServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def html_corpus():
    server = CorpusServer()
    server.simple_json = False
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def no_piwheels(tmp_path_factory):
    """A piwheels site with no projects: --pi asks it, pip does not."""
    server = PiwheelsServer(str(tmp_path_factory.mktemp("empty"))).start()
    yield server
    server.stop()


def _pip(tmp_path, kind, index, requirements, args=()):
    """pip's report for ``requirements`` on ``kind``: {name: filename},
    or (None, pip's error)."""
    python, _ = JUDGE
    abi, version, release, machine = TARGETS[kind]
    report = tmp_path / "report.json"
    cmd = [python, "-c", RUN_PIP, json.dumps(marker_env(version, machine)),
           "install", "--dry-run", "--report", str(report), "--isolated",
           "--ignore-installed", "--no-cache-dir", "--no-input",
           "--disable-pip-version-check", "-q", "--index-url", index,
           "--only-binary", ":all:", "--python-version", version,
           "--implementation", "cp", "--abi", abi]
    cmd += [a for p in pi_platforms(release, machine)
            for a in ("--platform", p)]
    cmd += list(args) + list(requirements)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=600)
    if proc.returncode != 0:
        return None, proc.stderr
    with open(report) as f:
        doc = json.load(f)
    return {canonicalize_name(i["metadata"]["name"]):
            urlsplit(i["download_info"]["url"]).path.rsplit("/", 1)[-1]
            for i in doc["install"]}, None


_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")


def _pip_each(tmp_path, kind, index, requirements):
    """pip's file for each requirement alone (--no-deps, so one run
    answers for all): {name: filename or None}."""
    left = list(requirements)
    answer = {}
    while left:
        found, error = _pip(tmp_path, kind, index, left, ["--no-deps"])
        if found is not None:
            answer.update(found)
            break
        match = _NO_MATCH.search(error)
        assert match, error
        gone = [r for r in left if _name(r) == _name(match.group(1))]
        assert len(gone) == 1, (match.group(1), left)
        left.remove(gone[0])
        answer[_name(gone[0])] = None
    return answer


def _piwcheck(capsys, kind, corpus, piwheels, requirements, args=()):
    """piwcheck --pi KIND: (exit code, {name: (filename or None,
    status)})."""
    code, doc, err = run_json(
        capsys, "--pi", kind, "--isolated", "--no-cache",
        "--piwheels-url", piwheels.url, "--index-url", corpus.index,
        "--only-binary", ":all:", *args, *requirements)
    return code, {p["name"]: _Answer((p["file"] or {}).get("filename"),
                                     p["status"], p["reason"], err)
                  for p in doc["packages"]}


class _Answer(tuple):
    """(filename or None, status) of one package; ``reason`` and the
    run's stderr ride along for the failure messages."""

    def __new__(cls, filename, status, reason, err):
        self = super().__new__(cls, (filename, status))
        self.reason, self.err = reason, err
        return self

    def __repr__(self):
        return "{!r} ({}; {})".format(tuple(self), self.reason,
                                      self.err.strip()[-300:])


_ANSWERS = {}


def _single(tmp_path, capsys, kind, corpus, piwheels, reqs, tag):
    """pip's and piwcheck's answers for each of ``reqs``, once a run."""
    key = (kind, tag)
    if key not in _ANSWERS:
        pip = _pip_each(tmp_path, kind, corpus.index, reqs)
        _, ours = _piwcheck(capsys, kind, corpus, piwheels, reqs,
                            ["--no-deps"])
        _ANSWERS[key] = pip, ours
    return _ANSWERS[key]


def _name(requirement):
    return canonicalize_name(re.split(r"[<>=!~ \[]", requirement)[0])


@pytest.mark.parametrize("kind", sorted(TARGETS))
@pytest.mark.parametrize("project", PROJECTS)
def test_each_project_alone(tmp_path, capsys, corpus, no_piwheels, kind,
                            project):
    pip, ours = _single(tmp_path, capsys, kind, corpus, no_piwheels,
                        PROJECTS, "all")
    assert ours[project][0] == pip[project], ours[project]


@pytest.mark.parametrize("kind", sorted(TARGETS))
@pytest.mark.parametrize("requirement", SPECIFIED)
def test_each_specifier_alone(tmp_path, capsys, corpus, no_piwheels, kind,
                              requirement):
    # one batch a name: pip would join two requirements of one name
    name = _name(requirement)
    batch = [r for r in SPECIFIED if SPECIFIED.index(r) == min(
        i for i, s in enumerate(SPECIFIED) if _name(s) == _name(r))]
    if requirement not in batch:
        batch = [requirement]
    pip, ours = _single(tmp_path, capsys, kind, corpus, no_piwheels,
                        batch, " ".join(batch))
    assert ours[name][0] == pip[name], ours[name]


@pytest.mark.parametrize("project", PROJECTS)
def test_each_project_alone_from_html(tmp_path, capsys, html_corpus,
                                      no_piwheels, project):
    # the same pages as PEP 503 HTML (the fallback every index serves)
    pip, ours = _single(tmp_path, capsys, "bookworm-64", html_corpus,
                        no_piwheels, PROJECTS, "html")
    assert ours[project][0] == pip[project], ours[project]


@pytest.mark.parametrize("kind", sorted(TARGETS))
@pytest.mark.parametrize("requirements", SETS, ids=" ".join)
def test_each_set_with_dependencies(tmp_path, capsys, corpus, no_piwheels,
                                    kind, requirements):
    pip, error = _pip(tmp_path, kind, corpus.index, requirements)
    code, ours = _piwcheck(capsys, kind, corpus, no_piwheels, requirements)
    if pip is None:
        # pip found no answer: piwcheck says which package has none
        assert "ResolutionImpossible" in error or \
            "No matching distribution" in error, error
        assert code != 0 and any(
            status in ("no-match", "conflict") for _, status in
            ours.values()), ours
    else:
        got = {n: f for n, (f, _) in ours.items() if f}
        assert got == pip, (error, {n: ours.get(n) for n in set(got) ^
                                    set(pip) | {n for n in got if n in pip
                                                and got[n] != pip[n]}})


def test_the_bad_names_are_in_the_corpus():
    # the corpus keeps the badly named files real indexes carry
    names = [f["filename"] for f in load_pages()["pydantic"]["files"]]
    assert "pydantic-0.18-py36+-none-any.whl" in names
