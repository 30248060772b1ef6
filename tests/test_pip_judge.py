# SPDX-License-Identifier: BSD-3-Clause
"""Real pip as the judge: for each situation, ``pip install --dry-run
--report`` against the two test indexes names the file it would install,
and piwcheck must name the same file from the same index.

The judge is the interpreter in ``$PIWCHECK_JUDGE_PYTHON`` (``.ci/run``
makes one with a current pip and setuptools, for sdists' metadata), else
``python3``; skipped when its pip is older than 24.2."""

import json
import os
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from helpers import pkgs, run_json
from piwcheck.target import pi_platforms

MIN_PIP = (24, 2)


def _judge():
    python = os.environ.get("PIWCHECK_JUDGE_PYTHON") or shutil.which(
        "python3")
    if not python:
        return None, "no python3 to run pip"
    proc = subprocess.run([python, "-m", "pip", "--version"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None, "{} has no pip".format(python)
    version = proc.stdout.split()[1]
    numbers = tuple(int(x) for x in version.split(".")[:2])
    if numbers < MIN_PIP:
        return None, "pip {} is older than 24.2 (set PIWCHECK_JUDGE_" \
                     "PYTHON to a python with a newer pip)".format(version)
    return (python, numbers), None


JUDGE, WHY = _judge()
pytestmark = pytest.mark.skipif(JUDGE is None, reason=WHY or "")

BOOKWORM_32 = ("cp311", "3.11.2", pi_platforms("bookworm", "armv7l"))
BOOKWORM_64 = ("cp311", "3.11.2", pi_platforms("bookworm", "aarch64"))
TRIXIE_32 = ("cp313", "3.13.5", pi_platforms("trixie", "armv7l"))
BULLSEYE_32 = ("cp39", "3.9.2", pi_platforms("bullseye", "armv7l"))
ZERO = ("cp311", "3.11.2", ["linux_armv6l"])
LINUX_FIRST = ("cp311", "3.11.2", pi_platforms("bookworm", "armv7l",
                                               "26.3"))

#: (requirement, target, extra options for both)
SITUATIONS = [
    ("numpy", BOOKWORM_32, []),
    ("numpy", ZERO, []),
    ("pydantic-core==2.27.1", BOOKWORM_32, []),   # manylinux armv7l wins
    ("pydantic-core==2.27.1", LINUX_FIRST, []),   # as pip 26.3 ranks
    ("pydantic-core", BOOKWORM_32, []),           # newer only on PyPI
    ("pypi-only", BOOKWORM_32, []),               # not on piwheels
    ("numpy", BOOKWORM_64, []),                   # aarch64 from PyPI
    ("glibc-new", BOOKWORM_32, []),               # manylinux_2_39: no
    ("glibc-new", TRIXIE_32, []),                 # manylinux_2_39: yes
    ("pillow", BOOKWORM_32, []),                  # sdist-only newest
    ("pillow", BOOKWORM_64, []),                  # musllinux never
    ("pillow", BOOKWORM_32, ["--only-binary", ":all:"]),
    ("pillow", BOOKWORM_32, ["--prefer-binary"]),
    ("numpy", BOOKWORM_32, ["--no-binary", "numpy"]),
    ("pycparser", BOOKWORM_32, []),               # same file on both
    ("cryptography", BULLSEYE_32, []),            # !=3.9.0,!=3.9.1
    ("numpy==2.1.2", BOOKWORM_32, []),            # yanked, pinned
    ("numpy", BOOKWORM_32, ["--pre"]),
    ("gpiozero", BOOKWORM_32, []),
    ("opencv-python", BULLSEYE_32, []),           # skipped on piwheels
]


def _pip(tmp_path, target, pypi, piw, args):
    """pip install --dry-run --report for ``target`` against the two
    test indexes, isolated from this machine's pip configuration."""
    python, _ = JUDGE
    abi, version, platforms = target
    cmd = [python, "-m", "pip", "install", "--dry-run", "--report",
           str(tmp_path / "report.json"), "--isolated",
           "--ignore-installed", "--no-cache-dir",
           "--disable-pip-version-check", "-q",
           "--index-url", pypi.index, "--extra-index-url", piw.index,
           "--python-version", version, "--implementation", "cp",
           "--abi", abi] + [a for p in platforms
                            for a in ("--platform", p)] + args
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=300)


def _pip_choice(tmp_path, requirement, target, extra, pypi, piw):
    proc = _pip(tmp_path, target, pypi, piw, ["--no-deps",
                                              "--no-build-isolation"] +
                extra + [requirement])
    if proc.returncode != 0:
        return None, proc.stderr.strip().splitlines()[-1:]
    with open(tmp_path / "report.json") as f:
        report = json.load(f)
    url = report["install"][0]["download_info"]["url"]
    parts = urlsplit(url)
    return (parts.path.rsplit("/", 1)[-1], parts.port), None


def _piwcheck_choice(capsys, requirement, target, extra, pypi, piw):
    abi, version, platforms = target
    code, doc, _ = run_json(
        capsys, "--no-deps", "--no-cache", "--isolated",
        "--piwheels-url", piw.url, "--index-url", pypi.index,
        "--extra-index-url", piw.index, "--abi", abi,
        "--python-version", version,
        *[a for p in platforms for a in ("--platform", p)],
        *extra, requirement)
    pkg = doc["packages"][0]
    if pkg["file"] is None:
        return None, pkg["status"]
    return (pkg["file"]["filename"],
            urlsplit(pkg["file"]["index"]).port), code


@pytest.mark.parametrize("requirement,target,extra", SITUATIONS)
def test_piwcheck_names_the_file_pip_installs(tmp_path, capsys, server,
                                              pypi, requirement, target,
                                              extra):
    pip, error = _pip_choice(tmp_path, requirement, target, extra, pypi,
                             server)
    ours, _ = _piwcheck_choice(capsys, requirement, target, extra, pypi,
                               server)
    assert ours == pip, (requirement, extra, error)


def test_no_match_is_where_pip_fails(tmp_path, capsys, server, pypi):
    # armv6l has no manylinux: pydantic-core has only the sdist there
    # and piwheels' armv6l twin of 2.27.1; with --only-binary, 2.27.1
    for extra in (["--only-binary", ":all:"],):
        pip, _ = _pip_choice(tmp_path, "pydantic-core==2.27.2", ZERO, extra,
                             pypi, server)
        ours, status = _piwcheck_choice(capsys, "pydantic-core==2.27.2",
                                        ZERO, extra, pypi, server)
        assert pip is None and ours is None and status == "no-match"


#: (requirements, target): whole install sets, dependencies resolved.
#: Markers are not judged here: pip evaluates them for the machine it
#: runs on, whatever --platform says, so marker trees are judged by the
#: Pi's own pip in the emulated roots (tests/pi/pi_check.py).
TREES = [
    (["pydantic"], BOOKWORM_32),            # exact pin of pydantic-core
    (["pydantic[email]"], BOOKWORM_32),     # extras
    (["pydantic[nosuch]"], BOOKWORM_32),    # an extra it does not provide
    (["needs-old-numpy"], BOOKWORM_32),     # an upper bound: numpy 1.26.4
    (["cycle-a"], BOOKWORM_32),             # a cycle
    (["bt-top"], BOOKWORM_32),              # needs one backtrack
    (["cryptography", "scipy<1.14", "gpiozero", "pillow", "pydantic",
      "needs-old-numpy"], BOOKWORM_32),     # a realistic file
    (["cryptography", "pydantic[email]", "gpiozero"], BOOKWORM_64),
    # Requires-Python in METADATA alone (the page says none): 2.0 wants
    # another Python, so pip takes 1.0, asked for or as a dependency
    (["rp-new"], BOOKWORM_32),
    (["rp-top"], BOOKWORM_32),
    (["rp-bad"], BOOKWORM_32),              # an invalid one: ignored
]


def _pip_set(tmp_path, requirements, target, pypi, piw):
    req = tmp_path / "requirements.txt"
    req.write_text("".join(r + "\n" for r in requirements))
    proc = _pip(tmp_path, target, pypi, piw, ["--only-binary", ":all:",
                                              "-r", str(req)])
    if proc.returncode != 0:
        return None, proc.stderr
    from packaging.utils import canonicalize_name
    with open(tmp_path / "report.json") as f:
        report = json.load(f)
    return {canonicalize_name(i["metadata"]["name"]):
            urlsplit(i["download_info"]["url"]).path.rsplit("/", 1)[-1]
            for i in report["install"]}, None


def _piwcheck_set(capsys, tmp_path, requirements, target, pypi, piw):
    abi, version, platforms = target
    req = tmp_path / "piwcheck-requirements.txt"
    req.write_text("".join(r + "\n" for r in requirements))
    code, doc, _ = run_json(
        capsys, "--no-cache", "--isolated", "--only-binary", ":all:",
        "--piwheels-url", piw.url, "--index-url", pypi.index,
        "--extra-index-url", piw.index, "--abi", abi,
        "--python-version", version,
        *[a for p in platforms for a in ("--platform", p)],
        "-r", str(req))
    return {p["name"]: p["file"]["filename"] for p in doc["packages"]
            if p["file"] is not None}, doc, code


@pytest.mark.parametrize("requirements,target", TREES)
def test_piwcheck_installs_the_set_pip_installs(tmp_path, capsys, server,
                                                pypi, requirements, target):
    pip, error = _pip_set(tmp_path, requirements, target, pypi, server)
    ours, doc, code = _piwcheck_set(capsys, tmp_path, requirements, target,
                                    pypi, server)
    assert pip is not None, error
    assert ours == pip


def test_an_impossible_tree_is_a_conflict_where_pip_fails(tmp_path, capsys,
                                                          server, pypi):
    pip, error = _pip_set(tmp_path, ["imp-top"], BOOKWORM_32, pypi, server)
    assert pip is None and "ResolutionImpossible" in error
    ours, doc, code = _piwcheck_set(capsys, tmp_path, ["imp-top"],
                                    BOOKWORM_32, pypi, server)
    found = pkgs(doc)
    assert code == 2 and found["imp-c"]["status"] == "conflict"
    reason = found["imp-c"]["reason"]
    assert "imp-c>=2 (imp-a 1.0)" in reason and "imp-c<2 (imp-b 1.0)" in \
        reason


def test_a_python_no_release_fits_is_no_match_where_pip_fails(
        tmp_path, capsys, server, pypi):
    # every release's METADATA wants another Python (the page says none)
    pip, error = _pip_set(tmp_path, ["rp-none", "rp-top"], BOOKWORM_32,
                          pypi, server)
    assert pip is None and "requires a different Python: 3.11.2 not in " \
        "'>=3.99'" in error, error
    ours, doc, code = _piwcheck_set(capsys, tmp_path, ["rp-none", "rp-top"],
                                    BOOKWORM_32, pypi, server)
    found = pkgs(doc)
    assert code == 1 and found["rp-none"]["status"] == "no-match"
    assert found["rp-none"]["reason"] == (
        "rp-none 1.0 requires a different Python: 3.11.2 not in '>=3.99' "
        "(its metadata's Requires-Python)")
    # the others are resolved still, rp-new within its Requires-Python
    assert ours == {"rp-top": "rp_top-1.0-py3-none-any.whl",
                    "rp-new": "rp_new-1.0-py3-none-any.whl"}
