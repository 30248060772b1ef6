# SPDX-License-Identifier: BSD-3-Clause
"""The command end to end: main([...]) against the test server."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import PI, piw, pkgs, run, run_json
from piwcheck.cli import main, version


def test_pi_check_from_a_pc(server, capsys):
    code, out, err = run(capsys, *PI, *server.only,
                         "numpy", "RPi.GPIO", "cryptography")
    assert code == 0, out + err
    assert err == ""
    assert "numpy 2.1.3: ok" in out
    assert "numpy-2.1.3-cp311-cp311-linux_armv7l.whl" in out
    assert "RPi.GPIO-0.7.1-cp311-cp311-linux_armv7l.whl" in out
    assert "cryptography-44.0.0-cp39-abi3-linux_armv7l.whl" in out
    assert "was built on Bullseye (cp39), not Bookworm (cp311)" in out
    assert "not checked" in out
    # #13.3: the Bullseye builder's names (libssl1.1) would fail the whole
    # command on Bookworm: they are marked and left out of it
    assert "libssl1.1  from Bullseye's builder, not checked" in out
    assert "so libc6, libssl1.1 are left out of the apt command: Bookworm " \
        "may not ship them (then import fails)" in out
    assert out.rstrip().endswith(
        "sudo apt install libgfortran5 libopenblas0-pthread libffi8")


def test_json_document(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "numpy", "cryptography")
    assert code == 0
    assert doc["piwcheck"] == version()
    assert doc["index_url"] == server.index
    t = doc["target"]
    assert t["abi"] == "cp311" and t["python_version"] == "3.11"
    assert t["platforms"] == ["linux_armv7l", "any"]
    assert t["os"] is None and t["dpkg_arch"] is None and not t["local"]
    numpy = pkgs(doc)["numpy"]
    assert numpy["status"] == "ok" and numpy["version"] == "2.1.3"
    assert numpy["requirement"] == "numpy"
    assert numpy["file"]["filename"] == \
        "numpy-2.1.3-cp311-cp311-linux_armv7l.whl"
    assert numpy["file"]["builder_abi"] == "cp311"
    assert numpy["file"]["platform"] == "linux_armv7l"
    assert len(numpy["file"]["sha256"]) == 64
    assert numpy["apt_dependencies"] == [
        {"name": "libgfortran5", "installed": None, "known_to_apt": None,
         "from_release": None},
        {"name": "libopenblas0-pthread", "installed": None,
         "known_to_apt": None, "from_release": None}]
    assert numpy["reason"] is None and numpy["warnings"] == []
    crypto = pkgs(doc)["cryptography"]
    assert crypto["pip_dependencies"] == ["cffi"]
    # built on Bullseye (so its names are left out); and piwheels alone
    # gives only names
    assert len(crypto["warnings"]) == 3
    assert any("piwheels' name list" in w for w in crypto["warnings"])
    assert crypto["apt_dependencies"][1]["from_release"] == "Bullseye"
    assert pkgs(doc)["cffi"]["required_by"] == ["cryptography"]
    # cryptography's names come from Bullseye's builder: left out (#13.3)
    assert doc["apt_install"] == ["libgfortran5", "libopenblas0-pthread",
                                  "libffi8"]
    assert doc["apt_command"] == "sudo apt install " + " ".join(
        doc["apt_install"])


def test_local_missing_apt(server, capsys, pi_python, apt_config):
    code, doc, err = run_json(capsys, "--python", pi_python(),
                              *server.only, "needs-lib")
    assert code == 1
    assert doc["target"]["local"] is True
    assert doc["target"]["abi"] == "cp311"
    lib = pkgs(doc)["needs-lib"]
    assert lib["status"] == "missing-apt"
    assert lib["apt_dependencies"] == [
        {"name": "libgfortran5", "installed": True, "known_to_apt": True,
         "from_release": None},
        {"name": "libopenblas0-pthread", "installed": False,
         "known_to_apt": True, "from_release": None},
        {"name": "libpiwcheck-absent1", "installed": False,
         "known_to_apt": False, "from_release": None}]
    assert doc["apt_install"] == ["libopenblas0-pthread"]


def test_local_dpkg_without_apt(server, capsys, pi_python, dpkg_db,
                                tmp_path, monkeypatch):
    fake = pi_python()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dpkg", "dpkg-query"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bin_dir))
    code, doc, err = run_json(capsys, "--python", fake,
                              *server.only, "needs-lib")
    assert code == 1
    deps = pkgs(doc)["needs-lib"]["apt_dependencies"]
    assert [d["installed"] for d in deps] == [True, False, False]
    assert [d["known_to_apt"] for d in deps] == [True, None, None]
    assert doc["apt_install"] == ["libopenblas0-pthread",
                                  "libpiwcheck-absent1"]


def test_local_unknown_to_apt_left_out(server, capsys, pi_python,
                                       apt_config):
    code, out, err = run(capsys, "--python", pi_python(),
                         *server.only, "needs-lib")
    assert code == 1
    assert "libopenblas0-pthread  missing\n" in out
    assert "libpiwcheck-absent1   missing, unknown to apt" in out
    assert "libgfortran5          installed" in out
    assert ("apt here does not know libpiwcheck-absent1: are its package "
            "lists up to date (sudo apt update)?") in out
    assert out.rstrip().endswith("sudo apt install libopenblas0-pthread")


def test_local_name_from_another_release(server, capsys, pi_python,
                                         apt_config):
    code, doc, err = run_json(capsys, "--python", pi_python(), "--no-deps",
                              *server.only, "cryptography")
    crypto = pkgs(doc)["cryptography"]
    assert crypto["apt_dependencies"] == [
        {"name": "libc6", "installed": True, "known_to_apt": True,
         "from_release": None},
        {"name": "libssl1.1", "installed": False, "known_to_apt": False,
         "from_release": None}]
    assert ("apt here does not know libssl1.1: the wheel's apt names come "
            "from Bullseye") in crypto["warnings"]
    assert code == 1 and crypto["status"] == "missing-apt"
    assert doc["apt_command"] is None  # nothing apt could install


def test_local_all_installed_is_ready(server, capsys, pi_python, dpkg_db):
    code, doc, err = run_json(capsys, "--python", pi_python(),
                              *server.only, "cffi")
    assert code == 0
    assert pkgs(doc)["cffi"]["apt_dependencies"] == [
        {"name": "libffi8", "installed": True, "known_to_apt": True,
         "from_release": None}]
    assert pkgs(doc)["pycparser"]["status"] == "ok"
    assert doc["apt_command"] is None


def test_local_without_dpkg_is_not_checked(server, capsys, pi_python,
                                           monkeypatch):
    fake = pi_python()
    monkeypatch.setenv("PATH", "/nonexistent")
    code, doc, err = run_json(capsys, "--python", fake,
                              *server.only, "needs-lib")
    assert code == 0
    deps = pkgs(doc)["needs-lib"]["apt_dependencies"]
    assert all(d["installed"] is None for d in deps)
    assert len(doc["apt_install"]) == 3


def test_no_wheel_names_fallback(both, capsys):
    code, out, err = run(capsys, *PI, *both, "pillow")
    assert code == 1
    assert "pillow 11.0.0: no wheel: pip would build it from source" in out
    assert "sdist:  pillow-11.0.0.tar.gz (" in out
    assert "the build failed or is pending" in out
    assert "newest with a wheel: 10.4.0" in out
    assert "pip install 'pillow==10.4.0'" in out


def test_skipped_release(both, capsys):
    code, doc, err = run_json(capsys, "--platform", "linux_armv7l",
                              "--abi", "cp39", *both, "opencv-python")
    cv = pkgs(doc)["opencv-python"]
    assert code == 1 and cv["status"] == "no-wheel"
    assert cv["file"]["kind"] == "sdist"
    assert cv["reason"].endswith(
        "piwheels skipped it: binary is too large for piwheels")
    assert cv["fallback"]["version"] == "4.5.3.56"


def test_not_found(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "no-such-thing", "gpiozero")
    assert code == 1
    assert pkgs(doc)["no-such-thing"]["status"] == "not-found"
    assert pkgs(doc)["gpiozero"]["status"] == "ok"


def test_requirement_with_specifier_and_extras(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "Pillow[xmp]>=9,<10", "numpy==1.26.4")
    assert pkgs(doc)["pillow"]["version"] == "9.5.0"
    assert pkgs(doc)["pillow"]["requirement"] == "Pillow[xmp]>=9,<10"
    assert pkgs(doc)["numpy"]["version"] == "1.26.4"


def test_pre(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "--pre", "numpy")
    assert pkgs(doc)["numpy"]["version"] == "2.2.0rc1"


def test_bad_requirement_is_usage_error(server, capsys):
    code, out, err = run(capsys, *PI, *server.only,
                         "numpy=1.18.3", "gpiozero")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("piwcheck: error: command line: invalid "
                          "requirement 'numpy=1.18.3'")
    assert server.count() == 0


@pytest.mark.parametrize("args,message", [
    ([], "name at least one requirement"),
    (["--python", sys.executable, "--abi", "cp311", "x"], "cannot be"),
    (["--abi", "py3", "x"], "--abi 'py3'"),
    (["--timeout", "0", "x"], "give seconds from 0.05 to 3600"),
    (["--timeout", "inf", "x"], "give seconds from 0.05 to 3600"),
    (["--timeout", "nan", "x"], "give seconds from 0.05 to 3600"),
    (["--timeout", "1e12", "x"], "give seconds from 0.05 to 3600"),
    (["--timeout", "0.0001", "x"], "give seconds from 0.05 to 3600"),
    (["--timeout", "soon", "x"], "'soon': not a number of seconds"),
    (["-q", "-v", "x"], "-q/--quiet and -v/--verbose contradict"),
    (["--index-url", "ftp://x", "x"], "--index-url"),
    (["--no-such-option"], "unrecognized arguments"),
])
def test_usage_errors(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_unreachable_is_exit_3_and_keeps_others(server, capsys):
    server.faults["numpy"] = "500"
    code, out, err = run(capsys, *PI, *server.only,
                         "--timeout", "0.5", "numpy", "RPi.GPIO")
    assert code == 3
    assert err.count("\n") == 1
    assert err.startswith("piwcheck: numpy: ")
    assert "HTTP 500" in err
    assert "rpi-gpio 0.7.1: ok" in out
    assert "numpy: error" in out


def test_connection_refused(capsys):
    code, out, err = run(capsys, *PI, *piw("http://127.0.0.1:9"),
                         "--timeout", "0.5", "numpy")
    assert code == 3
    assert err.startswith("piwcheck: numpy: cannot reach")
    assert "Traceback" not in err


def test_hostile_document(server, capsys):
    code, out, err = run(capsys, *PI, *server.only, "hostile")
    assert "\x1b" not in out and "\x07" not in out
    command = out.rstrip().splitlines()[-1]
    assert command == "  sudo apt install libgood1 libok2:armhf"
    assert "invalid apt package name 'libfoo; rm -rf /'" in out
    assert "invalid apt package name '$(reboot)'" in out
    assert "invalid dependency name '../../etc/passwd'" in out
    assert "good-dep 1.0: ok" in out
    assert "/etc/passwd" not in "".join(e[0] for e in server.log)


def test_hostile_summary_does_not_reach_terminal(fresh_server, capsys):
    fresh_server.add("evil", {
        "package": "evil", "summary": "x", "releases": {"1.0": {
            "files": {}, "skip_reason": "\x1b]0;owned\x07\x1b[2Jbad\u202e"}}})
    code, out, err = run(capsys, *PI, *fresh_server.only,
                         "evil")
    assert code == 1 and "evil: no matching file" in out
    assert "\\x1b]0;owned\\x07\\x1b[2Jbad\\u202e" in out
    assert "\x1b" not in out and "\u202e" not in out


def test_aarch64_target_is_explained(server, capsys):
    code, out, err = run(capsys, "--platform", "linux_aarch64", "--abi",
                         "cp311", *server.only, "numpy",
                         "gpiozero")
    assert "PyPI (manylinux)" in out
    assert "numpy: no matching file: pip would fail" in out
    assert "piwheels builds no wheels for aarch64" in out
    assert "gpiozero 2.0.1: ok" in out
    assert code == 1


def test_aarch64_pi_gets_pypis_wheel(both, capsys):
    code, doc, err = run_json(capsys, "--pi", "bookworm-64", *both,
                              "numpy")
    numpy = pkgs(doc)["numpy"]
    assert code == 0 and numpy["status"] == "ok"
    assert numpy["file"]["filename"] == "numpy-2.1.3-cp311-cp311-" \
        "manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
    assert numpy["file"]["index"].endswith("/simple")
    assert numpy["apt_known"] is False
    assert "manylinux wheel bundles" in numpy["apt_note"]


def test_quiet_prints_only_the_command(server, capsys):
    code, out, err = run(capsys, *PI, *server.only, "-q",
                         "cffi")
    assert out == "sudo apt install libffi8\n"


def test_verbose(server, capsys):
    code, out, err = run(capsys, *PI, *server.only, "-v",
                         "legacy-tool", "cffi")
    assert "platforms: linux_armv7l, any" in out
    assert "sha256: " in out
    assert "pip:    pycparser" in out


def test_piwheels_url_from_environment(server, capsys, monkeypatch):
    monkeypatch.setenv("PIWCHECK_PIWHEELS_URL", server.url + "/simple/")
    code, doc, err = run_json(capsys, *PI, "--index-url", server.index,
                              "RPi.GPIO")
    assert code == 0 and doc["index_url"] == server.index
    assert doc["indexes"] == [{"name": "piwheels", "url": server.index}]


def test_version(capsys):
    code, out, err = run(capsys, "--version")
    assert code == 0
    assert out == "piwcheck {}\n".format(version())
    changelog = os.path.join(os.path.dirname(__file__), "..", "debian",
                             "changelog")
    if os.path.exists(changelog):  # not when testing the installed package
        with open(changelog) as f:
            assert f.readline().startswith(
                "piwcheck ({}) ".format(version()))


def test_help(capsys):
    code, out, err = run(capsys, "--help")
    assert code == 0
    assert "exit status:" in out and "--index-url" in out


def test_debug_reraises(capsys, monkeypatch):
    monkeypatch.setenv("DEBUG", "1")
    from piwcheck.errors import InputError
    with pytest.raises(InputError):
        main(["numpy=1"])


def test_debug_shows_package_tracebacks(server, capsys, monkeypatch):
    monkeypatch.setenv("DEBUG", "1")
    server.faults["numpy"] = "html"
    code, out, err = run(capsys, *PI, *server.only, "numpy")
    assert code == 3
    assert "Traceback" in err and "DataError" in err


def test_one_index_down_says_which_and_keeps_pips_choice(both, pypi,
                                                         capsys):
    """PyPI failing: numpy's status is error (exit 3) naming PyPI's URL,
    the file pip would take from piwheels is still shown, and a package
    PyPI answered for is checked as usual."""
    pypi.faults["numpy"] = "500"
    code, doc, err = run_json(capsys, *PI, *both, "--timeout", "0.3",
                              "numpy", "pycparser")
    numpy, pycparser = pkgs(doc)["numpy"], pkgs(doc)["pycparser"]
    assert code == 3
    assert numpy["status"] == "error"
    assert pypi.index + "/numpy/ answered HTTP 500" in numpy["reason"]
    assert numpy["file"]["filename"] == \
        "numpy-2.1.3-cp311-cp311-linux_armv7l.whl"
    assert any("the choice is pip's among the others" in w
               for w in numpy["warnings"])
    assert pycparser["status"] == "ok"


def test_a_program_that_is_not_python(capsys):
    """#13.11: one line, without the probe's source."""
    code, out, err = run(capsys, "--python", "/bin/ls", "gpiozero")
    assert code == 2 and err.count("\n") == 1
    assert "/bin/ls: not a Python interpreter piwcheck can ask" in err
    assert "import" not in err and "json" not in err


def test_short_options_as_pip_and_pip_audit_spell_them(server, capsys,
                                                        tmp_path):
    """#13.13: -V, --no-cache-dir, -o FILE."""
    assert main(["-V"]) == 0
    assert capsys.readouterr().out == "piwcheck " + version() + "\n"
    out_file = tmp_path / "report.json"
    code = main(PI + server.only + ["--no-cache-dir", "--json", "-o",
                                    str(out_file), "RPi.GPIO"])
    assert code == 0 and capsys.readouterr().out == ""
    assert json.loads(out_file.read_text())["packages"][0]["status"] == "ok"
    code = main(PI + server.only + ["-o", str(tmp_path / "no" / "x"),
                                    "RPi.GPIO"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write it" in err and err.count("\n") == 1


@pytest.mark.parametrize("args,env,coloured", [
    (["--color", "always"], {}, True),
    (["--color", "never"], {}, False),
    ([], {}, False),                      # not a terminal
    (["--color", "auto"], {"NO_COLOR": "1"}, False),
])
def test_colour(server, capsys, monkeypatch, args, env, coloured):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    code, out, err = run(capsys, *PI, *server.only, *args, "RPi.GPIO",
                         "no-such-project")
    assert ("\x1b[32mok\x1b[0m" in out) is coloured
    assert ("\x1b[31mnot found" in out) is coloured
    assert "\\x1b" not in out  # colour is not escaped as control text


def test_quiet_still_says_what_needs_doing(server, capsys):
    """#13.5: -q hides the report, not the problems."""
    code, out, err = run(capsys, *PI, *server.only, "-q", "legacy-tool",
                         "nonexistent-pkg-xyz", "RPi.GPIO")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "piwcheck: legacy-tool: no matching file: pip would fail",
        "piwcheck: nonexistent-pkg-xyz: not found on any index"]


def test_a_source_is_shown_once(server, capsys):
    """#13.4: the same source is not listed twice."""
    code, out, err = run(capsys, *PI, *server.only, "-v", "numpy",
                         "numpy>=1")
    assert "from:   command line\n" in out
    assert "command line; command line" not in out


def test_a_url_to_a_wheel_is_named_for_its_project(capsys):
    """#13.14: not foo-whl."""
    from piwcheck.inputs import parse_line
    assert parse_line("https://x.org/foo.whl").name == "foo"
    assert parse_line("https://x.org/foo-1.0-py3-none-any.whl").name == "foo"


def test_offline_makes_no_cache_folder(tmp_path, capsys):
    """#13.14: --offline reads a cache; it does not create one."""
    cache = tmp_path / "nothing-here"
    code, out, err = run(capsys, *PI, "--offline", "--cache-dir",
                         str(cache), "numpy")
    assert code == 3 and not cache.exists()
    assert "not in cache" in out


def _python_c(code, *args):
    """``python3 -c code args`` with this tree's piwcheck: its output."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run([sys.executable, "-c", code, *args], env=env,
                          capture_output=True, text=True, check=True)


def test_version_and_help_import_only_what_they_print():
    """--version reads no package metadata and loads no argparse; --help
    loads none of the libraries a check needs, nor piwcheck's network
    code (its options' checks are loaded when an option is given)."""
    code = ("import sys; from piwcheck.cli import main; main([{}]);"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0]"
            " in {{'importlib_metadata', 'argparse', 'requests', 'packaging',"
            " 'cachecontrol', 'resolvelib', 'elftools', 'distro', 'urllib3'}}"
            " or m == 'importlib.metadata'"
            " or m.startswith('piwcheck.net.'))))")
    out = _python_c(code.format("'--version'")).stdout.splitlines()
    assert out[0].startswith("piwcheck ") and out[1:] == [""]
    out = _python_c(code.format("'--help'")).stdout.splitlines()
    assert out[-1] == "argparse"


#: What a one-package --no-deps check from the command line never needs:
#: the statistics' index, the ELF reader, the other input kinds and
#: report formats, TOML, the lock reader, the installed-file checks; nor,
#: with piwheels' index alone, the readers of other kinds of index
#: (simple pages, find-links locations, local wheels).
NOT_FOR_ONE_PACKAGE = ("sqlite3", "elftools", "tomllib", "tomli",
                       "piwcheck.stats.listing", "piwcheck.stats.table",
                       "piwcheck.inputs.reqfile", "piwcheck.inputs.pylock",
                       "piwcheck.inputs.pyproject", "piwcheck.inputs.toml",
                       "piwcheck.report.json", "piwcheck.report.tree",
                       "piwcheck.report.summary", "piwcheck.report.stats",
                       "piwcheck.libs", "piwcheck.locked",
                       "piwcheck.indexes.simple",
                       "piwcheck.indexes.findlinks",
                       "piwcheck.indexes.local",
                       "piwcheck.indexes.linkpage")


def test_one_package_check_imports_only_what_it_uses(server, pi_python):
    """A warm --no-deps check of one package on the command line, as
    the text report, loads none of NOT_FOR_ONE_PACKAGE (each would only
    lengthen its start-up); the report and the format it asked for are
    there, so the listing is of a run that worked."""
    code = ("import sys; from piwcheck.cli import main; "
            "code = main(sys.argv[1:]); print(code, file=sys.stderr); "
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    args = ["--python", pi_python(), "--piwheels-url", server.url,
            "--index-url", server.url + "/simple", "--no-deps", "gpiozero"]
    for _ in range(2):  # the second run is the warm one
        done = _python_c(code, *args)
    assert "gpiozero" in done.stdout
    code, modules = done.stderr.splitlines()[-2:]
    assert code == "0"
    modules = modules.split()
    assert "piwcheck.report.text" in modules
    assert [m for m in modules if m.split(".")[0] in NOT_FOR_ONE_PACKAGE
            or m in NOT_FOR_ONE_PACKAGE
            or m.startswith(tuple(p + "." for p in NOT_FOR_ONE_PACKAGE))
            ] == []


def test_telling_an_input_kind_imports_no_toml_reader():
    """Which reader reads a -r path is told by its name, without the
    TOML and lock readers (which a requirements file never needs)."""
    code = ("import sys; from piwcheck.inputs.kinds import kind_of; "
            "print(kind_of('requirements.txt'), kind_of('pylock.toml'), "
            "kind_of('pylock.dev.toml'), kind_of('pylock.a.b.toml'), "
            "kind_of('xpylock.toml'), kind_of('pyproject.toml')); "
            "print(sorted(m for m in sys.modules if m.startswith("
            "('piwcheck.inputs.pylock', 'piwcheck.inputs.toml', "
            "'piwcheck.inputs.pyproject', 'tomllib', 'tomli'))))")
    out = _python_c(code).stdout.splitlines()
    assert out == ["requirements pylock pylock requirements requirements "
                   "pyproject", "[]"]


@pytest.mark.parametrize("module", ["cachecontrol", "resolvelib"])
def test_a_missing_library_is_one_line(server, capsys, tmp_path,
                                       monkeypatch, module):
    """A library piwcheck needs, missing for the Python it runs on: one
    line naming it and the commands that install it, exit 2."""
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    code, out, err = run(capsys, *PI, *piw(server.url), "--cache-dir",
                         str(tmp_path), "gpiozero")
    assert code == 2, err
    assert err.startswith("piwcheck: error: the Python library {} is not "
                          "installed".format(module)) and "sudo apt install "\
        "python3-{}".format(module) in err
    assert err.count("\n") == 1 and "Traceback" not in err
