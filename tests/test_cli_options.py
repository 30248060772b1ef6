# SPDX-License-Identifier: BSD-3-Clause
"""Options that mean what they say (issue 20): --jobs bounded,
--pip-version a version, -o - is stdout and an -o that cannot be
written is found before anything is fetched, --installed with the
output options and names, --no-binary's and a constraint's reasons,
--deep's failures."""

import json
import os

import pytest

from helpers import PI, pkgs, run, run_json


@pytest.mark.parametrize("value", ["0", "-1", "65", "100000000"])
def test_jobs_out_of_range_is_a_usage_error(capsys, value):
    code, out, err = run(capsys, "-j", value, "numpy")
    assert code == 2 and "--jobs: give 1 to 64" in err


def test_the_threads_of_all_indexes_together_are_bounded():
    from types import SimpleNamespace

    from piwcheck.cli.modes import _workers
    assert _workers(SimpleNamespace(jobs=64), [1]) == 64
    assert _workers(SimpleNamespace(jobs=64), [1, 2]) == 32
    assert _workers(SimpleNamespace(jobs=16), [1, 2]) == 16
    assert _workers(SimpleNamespace(jobs=64), list(range(100))) == 1


@pytest.mark.parametrize("value", ["banana", "", "1.2.3.4.5", "23.0 ",
                                   "1e999", "99999"])
def test_pip_version_is_a_version(capsys, value):
    code, out, err = run(capsys, "--pip-version", value, "numpy")
    assert code == 2 and "give pip's version as numbers" in err


def test_pip_version_takes_pips_numbers(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only, "--pip-version",
                              "23.0.1", "numpy")
    assert code == 0 and doc["target"]["pip_version"] == "23.0.1"


def test_output_dash_is_stdout(server, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *PI, *server.only, "--json", "-o", "-",
                         "numpy")
    assert code == 0 and json.loads(out)["packages"][0]["name"] == "numpy"
    assert os.listdir(tmp_path) == []
    code, out, err = run(capsys, "-o", "", "numpy")
    assert code == 2 and "give a file name, or - for stdout" in err


@pytest.mark.parametrize("where", ["missing/r.txt", ".", "ro/r.txt"])
def test_an_unwritable_output_is_found_before_any_fetch(server, capsys,
                                                        tmp_path, where):
    if where.startswith("ro"):
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        (tmp_path / "ro").mkdir(mode=0o500)
    path = str(tmp_path / where)
    server.reset_log()
    for mode in (["numpy"], ["--stats", "numpy"]):
        code, out, err = run(capsys, *PI, *server.only, "-o", path, *mode)
        assert code == 2, err
        assert err.startswith("piwcheck: error: --output {}: cannot write "
                              "it: ".format(path)), err
        assert server.count() == 0
    assert not os.path.exists(tmp_path / "missing")


def test_a_new_output_file_is_not_left_by_a_failed_run(server, capsys,
                                                       tmp_path):
    path = tmp_path / "r.txt"
    code, out, err = run(capsys, *PI, *server.only, "-o", str(path),
                         "numpy=1")
    assert code == 2 and not path.exists()
    path.write_text("kept\n")
    code, out, err = run(capsys, *PI, *server.only, "-o", str(path),
                         "numpy=1")
    assert code == 2 and path.read_text() == "kept\n"


def test_installed_refuses_what_it_would_ignore(capsys, tmp_path):
    code, out, err = run(capsys, "--installed", "num/py")
    assert code == 2 and "'num/py' is not a valid project name" in err
    req = tmp_path / "r.txt"
    req.write_text("numpy\n")
    code, out, err = run(capsys, "--installed", "-r", str(req))
    assert code == 2 and "--installed takes project names" in err
    code, out, err = run(capsys, "--installed", "--tree")
    assert code == 2 and "--tree shows what a check resolved" in err


def test_installed_with_wheel_files_is_what_help_says(capsys, tmp_path):
    from piwcheck.cli.settings import INSTALLED, Settings
    from piwcheck.cli.parser import build_parser
    wheel = tmp_path / "x-1.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    args = build_parser().parse_args(["--installed", str(wheel)])
    s = Settings.from_args(args)
    assert s.mode == INSTALLED and s.wheels == (str(wheel),)


def test_installed_checks_the_users_python3(monkeypatch, tmp_path):
    """Not piwcheck's own venv's interpreter: the python3 on PATH."""
    import sys
    from types import SimpleNamespace

    from piwcheck.cli.installed import _users_python
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python3 = bin_dir / "python3"
    python3.write_text("#!/bin/sh\n")
    python3.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    s = SimpleNamespace(python=None, wheels=())
    assert _users_python(s) == str(python3)
    assert _users_python(SimpleNamespace(python="/x/python", wheels=())) \
        == "/x/python"
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))
    if os.path.basename(sys.executable) == "python3":
        assert _users_python(s) is None


def test_installed_quiet_prints_only_the_apt_command(capsys, monkeypatch):
    from piwcheck.results import DistributionResult, InstalledReport, Status
    report = InstalledReport("x", "armv7l", (
        DistributionResult("a", "1", "/s", Status.OK, 1, (), (), ()),
        DistributionResult("b", "2", "/s", Status.MISSING_APT, 1, (), (),
                           ())), ("libb1",), "sudo apt install libb1")
    monkeypatch.setattr("piwcheck.libs.environment.check_environment",
                        lambda *a: report)
    code, out, err = run(capsys, "--installed", "-q", "--python",
                         "/usr/bin/python3")
    assert code == 1 and out == "sudo apt install libb1\n"
    assert err == "piwcheck: b 2: missing apt packages\n"


def test_no_binary_gives_its_own_reason(both, capsys):
    """pip builds numpy's sdist because --no-binary excludes its wheels,
    not because there is none for the Pi."""
    code, doc, _ = run_json(capsys, *PI, *both, "--no-deps", "numpy")
    assert pkgs(doc)["numpy"]["status"] == "ok"
    code, doc, _ = run_json(capsys, *PI, *both, "--no-deps", "--no-binary",
                            "numpy", "numpy")
    numpy = pkgs(doc)["numpy"]
    assert numpy["status"] == "no-wheel" and code == 1
    assert numpy["reason"].startswith("wheels are excluded by --no-binary: "
                                       "pip would build numpy-")
    assert "no wheel for this target" not in numpy["reason"]


@pytest.mark.parametrize("asked", [["gpiozero"], ["colorzero"]])
def test_a_constraint_that_empties_a_package_is_named(server, capsys,
                                                       tmp_path, asked):
    """colorzero<0 leaves no release of colorzero, a dependency of
    gpiozero or asked for itself: no-match, and the reason says so."""
    path = tmp_path / "constraints.txt"
    path.write_text("colorzero<0\n")
    code, doc, _ = run_json(capsys, *PI, *server.only, "-c", str(path),
                            *asked)
    colorzero = pkgs(doc)["colorzero"]
    assert colorzero["status"] == "no-match" and code == 1
    assert colorzero["reason"] == "no release matches '<0' (the " \
        "constraint colorzero<0 applies)"


def a_site(tmp_path):
    """A site folder: ``good`` (a compiled module: a copy of one of this
    Python's), ``other`` (the same), ``pure`` (no compiled file) and
    ``aptone`` (an egg-info, as Debian's packages have); a Python that
    answers with it."""
    import glob
    import shutil
    import sysconfig

    from helpers import site_python
    so = sorted(glob.glob(os.path.join(sysconfig.get_config_var(
        "DESTSHARED"), "*.so")))[0]
    site = tmp_path / "site"
    for name, files in (("good", ["good/m.so"]), ("other", ["other/m.so"]),
                        ("pure", ["pure/__init__.py"])):
        info = site / "{}-1.0.dist-info".format(name)
        info.mkdir(parents=True)
        (info / "RECORD").write_text("".join(f + ",,\n" for f in files))
        for f in files:
            (site / f).parent.mkdir(exist_ok=True)
            if f.endswith(".so"):
                shutil.copy(so, str(site / f))
            else:
                (site / f).write_text("")
    (site / "aptone-2.0.egg-info").mkdir()
    return str(site_python(tmp_path, site))


def test_installed_checks_the_names_given(capsys, tmp_path):
    python = a_site(tmp_path)
    code, doc, _ = run_json(capsys, "--installed", "--python", python)
    assert sorted(d["name"] for d in doc["distributions"]) == ["good",
                                                               "other"]
    code, doc, _ = run_json(capsys, "--installed", "--python", python,
                            "Good", "numpy", "pure", "aptone")
    dists = {d["name"]: d for d in doc["distributions"]}
    assert sorted(dists) == ["aptone", "good", "numpy", "pure"]
    assert dists["numpy"]["status"] == "not-found"
    assert dists["numpy"]["errors"] == ["not installed"]
    assert dists["pure"]["status"] == dists["aptone"]["status"] == "ok"
    assert dists["aptone"]["version"] == "2.0"
    assert code == 1 and doc["exit_code"] == 1
    code, out, _ = run(capsys, "--installed", "--python", python, "numpy")
    assert "numpy: not installed" in out and code == 1
    assert "good" not in out
    code, out, _ = run(capsys, "--installed", "--python", python, "good")
    assert code == 0


def test_installed_summary_is_a_summary(capsys, tmp_path):
    python = a_site(tmp_path)
    code, plain, _ = run(capsys, "--installed", "--python", python, "-v",
                         "good", "numpy")
    code2, out, _ = run(capsys, "--installed", "--python", python,
                        "--summary", "good", "numpy")
    assert code == code2 == 1 and out != plain
    assert out.splitlines()[0] == "numpy: not installed"
    assert "good" not in out and "Checked:" not in out
    assert out.splitlines()[1].startswith("2 distributions with compiled "
                                          "files: ")


def test_threads_in_all_stay_within_the_cap(capsys):
    """-j 64 against three indexes that answer slowly: the threads this
    process runs (the fake servers' own left out) never pass the
    documented 64 in all, with the watchdogs' clock and the main thread
    beside them: no thread per request in flight."""
    from helpers import SLOW_ANSWER, ThreadPeak
    from piwcheck.cli.settings import MAX_JOBS
    from piwserver import PiwheelsServer
    from pypiserver import PypiServer

    # slow enough answers for all 64 workers to be busy at once
    servers = [PiwheelsServer(delay=SLOW_ANSWER).start(),
               PypiServer(delay=SLOW_ANSWER).start(),
               PypiServer(delay=SLOW_ANSWER).start()]
    try:
        with ThreadPeak() as threads:
            code, out, err = run(
                capsys, "--no-cache", "--no-deps", "-j", "64", *PI,
                "--piwheels-url", servers[0].url, "--index-url",
                servers[1].index, "--extra-index-url", servers[2].index,
                "--extra-index-url", servers[0].index,
                *["pkg-{}".format(i) for i in range(120)])
    finally:
        for s in servers:
            s.stop()
    assert code == 1 and "120 packages" in out, err[-300:]
    assert MAX_JOBS < threads.peak <= MAX_JOBS + 2, threads
