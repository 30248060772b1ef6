# SPDX-License-Identifier: BSD-3-Clause
"""Whole projects: -r/-c files, dependencies, markers, end to end."""

import os
import pty
import shutil
import subprocess
import sys
import time

import pytest

from helpers import PI, pkgs, run_json
from piwcheck.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


MARKERS = """\
RPi.GPIO; platform_machine == "armv7l" or platform_machine == "armv6l"
gpiozero; platform_machine != "x86_64"
numpy<2; python_version < "3.8"
numpy>=2; python_version >= "3.8"
pillow; sys_platform == "win32"
"""


def test_markers_for_a_pi_target(server, capsys, tmp_path):
    req = write(tmp_path, "req.txt", MARKERS)
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "--no-deps", "-r", req)
    got = {n: (p["status"], p["version"]) for n, p in pkgs(doc).items()}
    assert got == {"rpi-gpio": ("ok", "0.7.1"), "gpiozero": ("ok", "2.0.1"),
                   "numpy": ("ok", "2.1.3"), "pillow": ("skipped", None)}
    assert "win32" in pkgs(doc)["pillow"]["reason"]
    assert doc["summary"]["skipped"] == 1
    assert server.count("pillow") == 0


def test_markers_for_a_buster_pi_zero(both, capsys, tmp_path):
    req = write(tmp_path, "req.txt", MARKERS)
    code, doc, err = run_json(capsys, "--abi", "cp37m", "--platform",
                              "linux_armv6l", *both,
                              "--no-deps", "-r", req)
    got = {n: (p["status"], p["version"]) for n, p in pkgs(doc).items()}
    # 0.7.1 has no cp37m wheel: pip would build it; 0.7.0 has one
    assert got["rpi-gpio"] == ("no-wheel", "0.7.1")
    assert pkgs(doc)["rpi-gpio"]["fallback"]["version"] == "0.7.0"
    assert got["numpy"] == ("ok", "1.21.6")
    assert pkgs(doc)["numpy"]["file"]["filename"] == \
        "numpy-1.21.6-cp37-cp37m-linux_armv6l.whl"


def test_markers_for_x86(server, capsys, tmp_path):
    req = write(tmp_path, "req.txt", MARKERS)
    code, doc, err = run_json(capsys, "--platform", "linux_x86_64", "--abi",
                              "cp311", *server.only,
                              "--no-deps", "-r", req)
    assert pkgs(doc)["rpi-gpio"]["status"] == "skipped"
    assert pkgs(doc)["gpiozero"]["status"] == "skipped"


def test_dependencies_followed_once(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "cryptography", "cffi")
    assert [p["name"] for p in doc["packages"]] == [
        "cryptography", "cffi", "pycparser"]
    assert pkgs(doc)["cffi"]["required_by"] == ["cryptography"]
    assert pkgs(doc)["cffi"]["source"] == ["command line"]
    assert pkgs(doc)["pycparser"]["required_by"] == ["cffi"]
    assert server.count("cffi") == 1 and server.count("pycparser") == 1


def test_no_deps(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "--no-deps", "cryptography")
    assert [p["name"] for p in doc["packages"]] == ["cryptography"]
    assert server.count("cffi") == 0


def test_dependency_cycle(server, capsys):
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "cycle-a")
    assert code == 0
    assert pkgs(doc)["cycle-a"]["required_by"] == ["cycle-b"]
    assert pkgs(doc)["cycle-b"]["required_by"] == ["cycle-a"]
    assert server.count("cycle-a") == 1 and server.count("cycle-b") == 1


def test_unknown_dependencies_are_said(server, capsys):
    code, doc, err = run_json(capsys, "--abi", "cp37m", "--platform",
                              "linux_armv7l", *server.only,
                              "legacy-tool")
    legacy = pkgs(doc)["legacy-tool"]
    assert legacy["pip_dependencies"] is None
    # never "ok" with its dependencies unread: an error, saying why
    assert code == 3 and legacy["status"] == "error"
    assert legacy["reason"] == (
        "its dependencies are unknown: no index offers its metadata, "
        "piwheels does not list them, and piwcheck does not read "
        "legacy_tool-0.9-cp37-cp37m-linux_armv7l.whl from piwheels")


def test_constraints_narrow_but_add_nothing(server, capsys, tmp_path):
    req = write(tmp_path, "req.txt", "scipy<1.14\n-c cons.txt\n")
    write(tmp_path, "cons.txt", "numpy<2\nopencv-python==4.5.3.56\n")
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "-r", req)
    assert set(pkgs(doc)) == {"scipy", "numpy"}
    numpy = pkgs(doc)["numpy"]
    assert numpy["version"] == "1.26.4"
    assert numpy["required_by"] == ["scipy"]
    assert numpy["source"] == ["constraint {}:1".format(tmp_path /
                                                        "cons.txt")]
    assert server.count("opencv-python") == 0


def test_constraint_option_on_command_line(server, capsys, tmp_path):
    cons = write(tmp_path, "cons.txt", "numpy==1.26.4\n")
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "-c", cons, "numpy")
    assert pkgs(doc)["numpy"]["version"] == "1.26.4"


def test_same_package_twice(server, capsys, tmp_path):
    req = write(tmp_path, "req.txt", "numpy>=1.20\nscipy<1.14\n")
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "-r", req, "numpy<2")
    numpy = pkgs(doc)["numpy"]
    assert numpy["version"] == "1.26.4"
    assert numpy["source"] == ["command line", req + ":1"]
    assert numpy["requirement"] == "numpy<2, numpy>=1.20"
    assert numpy["required_by"] == ["scipy"]


def test_pre_in_file(server, capsys, tmp_path):
    req = write(tmp_path, "req.txt", "--pre\nnumpy\n")
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "-r", req)
    assert pkgs(doc)["numpy"]["version"] == "2.2.0rc1"


def _project(tmp_path, monkeypatch, name):
    """A local project ``./name``: pip reads a path from the current
    directory, and refuses one that is not a project."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).mkdir()
    (tmp_path / name / "setup.py").write_text("")


def test_unsupported_do_not_fail(server, capsys, tmp_path, monkeypatch):
    _project(tmp_path, monkeypatch, "local")
    req = write(tmp_path, "req.txt",
                "-e git+https://github.com/x/y.git#egg=y\n./local\nRPi.GPIO\n")
    code, doc, err = run_json(capsys, *PI, *server.only,
                              "-r", req)
    assert code == 0
    assert [p["status"] for p in doc["packages"]] == [
        "unsupported", "unsupported", "ok"]
    assert doc["summary"]["unsupported"] == 2


def test_text_report_summary_and_origin(server, capsys, tmp_path,
                                        monkeypatch):
    _project(tmp_path, monkeypatch, "x")
    req = write(tmp_path, "req.txt", "cryptography\npillow; sys_platform == "
                "'win32'\n-e ./x\n")
    code = main(PI + [*server.only, "-r", req, "nosuch"])
    out, err = capsys.readouterr()
    assert code == 1
    assert ("6 packages: 3 ok, 1 not found, 1 skipped, 1 unsupported"
            ) in out
    assert "  from:   dependency of cryptography" in out


def test_file_errors_are_usage_errors(server, capsys, tmp_path):
    req = write(tmp_path, "req.txt", "gpiozero\nnumpy=1.18.3\n")
    code = main(PI + [*server.only, "-r", req])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == ("piwcheck: error: {}:2: invalid requirement "
                   "'numpy=1.18.3': ".format(req)) + err.split("': ", 1)[1]
    assert err.count("\n") == 1
    code = main(PI + ["-r", str(tmp_path / "missing.txt")])
    assert code == 2
    assert "missing.txt: cannot read it" in capsys.readouterr().err


def test_verbose_notes_file_options(server, capsys, tmp_path):
    req = write(tmp_path, "req.txt", "--trusted-host example.org\n"
                "--find-links {}\nRPi.GPIO\n".format(tmp_path / "nowhere"))
    main(PI + [*server.only, "-v", "-r", req])
    err = capsys.readouterr().err
    # a file's --trusted-host is trusted for the run, as pip's session
    # trusts it: nothing noted
    assert "--trusted-host example.org ignored" not in err
    # a file's --find-links is read, as pip reads it: not there, so
    # ignored with a warning, as pip ignores it
    assert "warning: find-links {} is ignored: it is neither an existing " \
        "path nor a URL".format(tmp_path / "nowhere") in err


def test_file_index_options_are_used(server, pypi, capsys, tmp_path):
    """As pip: a file's --index-url replaces the indexes, its
    --extra-index-url adds one, its --only-binary applies."""
    req = write(tmp_path, "req.txt", "--index-url {}\n--extra-index-url "
                "{}\n--only-binary :all:\npillow\n".format(pypi.index,
                                                         server.index))
    code, doc, err = run_json(capsys, *PI, "--piwheels-url", server.url,
                              "--index-url", "http://127.0.0.1:9/simple",
                              "-r", req)
    assert [i["url"] for i in doc["indexes"]] == [pypi.index, server.index]
    assert pkgs(doc)["pillow"]["version"] == "10.4.0"  # wheels only


def _run_on_tty(args):
    """Run piwcheck with stderr on a pseudo-terminal; (stdout, tty text)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "piwcheck"] + args, stdout=subprocess.PIPE,
        stderr=slave, cwd=os.path.dirname(os.path.dirname(__file__)))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read()
    proc.wait()
    os.close(master)
    return out.decode(), b"".join(chunks).decode()


def test_progress_on_a_terminal_only(server, capsys):
    args = PI + [*server.only, "cryptography", "numpy"]
    out, tty = _run_on_tty(args)
    assert "checking 4/4" in tty
    assert "checking" not in out
    out, tty = _run_on_tty(args + ["--json"])
    assert "checking" not in tty
    main(args)
    assert "checking" not in capsys.readouterr().err


def _corpus():
    from test_reqfile import CORPUS, PIP_REJECTS, _corpus_files
    return CORPUS, PIP_REJECTS, _corpus_files()


@pytest.mark.parametrize("path", [
    pytest.param(p, id=os.path.relpath(p, _corpus()[0]))
    for p in _corpus()[2]
] or [pytest.param(None, marks=pytest.mark.skip(
    reason="no shared corpus here"))])
def test_corpus_runs_to_a_report(server, capsys, path, monkeypatch):
    """Each real requirements file ends in a report (exit 0/1) or, for the
    file pip rejects and top-level copies whose includes live elsewhere, a
    one-line file:line error (exit 2); never a traceback.  A file that
    names its own index is followed as pip would, through a dead proxy
    (nothing leaves this machine), so its packages end in exit 3."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    corpus, rejects, _ = _corpus()
    name = os.path.relpath(path, corpus)
    code = main(PI + [*server.only, "--no-deps", "-j", "4",
                      "--timeout", "2", "-r", path])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    with open(path, encoding="utf-8", errors="replace") as f:
        own_index = "index-url" in f.read()
    if code == 2:
        assert out == "" and err.count("\n") == 1
        from test_reqfile import pip_refuses

        assert name in rejects or "cannot read it" in err or \
            pip_refuses(path), err
    elif code == 3:
        assert own_index and "through the proxy" in err, err
    else:
        assert code in (0, 1), err
        assert out.splitlines()[-1].startswith("  sudo apt install") or \
            " packages: " in out or " package: " in out


def test_summary_mode(server, capsys, tmp_path):
    """#13.9: the problem packages, the counts, the apt line."""
    req = write(tmp_path, "req.txt", "numpy\nlegacy-tool\nRPi.GPIO\n"
                "no-such-project\n")
    code = main(PI + [*server.only, "--summary", "-r", req])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("legacy-tool: no matching file: pip would "
                             "fail: ")
    assert out[1].startswith("no-such-project: not found on any index")
    assert out[2] == "4 packages: 2 ok, 1 with no matching file, " \
                     "1 not found"
    assert out[-1] == "  sudo apt install libgfortran5 libopenblas0-pthread"


def test_target_line_comes_first(server, tmp_path):
    """#13.9: with a slow server the Target: line is out before the
    check ends, even when stdout is not a terminal: before the server's
    first answer (however long Python takes to start, as on a Pi)."""
    server.delay = 1.0
    req = write(tmp_path, "req.txt", "numpy\nRPi.GPIO\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "piwcheck", "--no-cache"] + PI +
        server.only + ["-r", req], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=ROOT)
    first = proc.stdout.readline().decode()
    seen = time.monotonic()
    proc.communicate(timeout=30)
    assert first.startswith("Target: cp311")
    asked = min(t for t, _ in server.arrivals)
    assert seen < asked + server.delay, seen - asked  # an answer takes 1 s


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is not installed")
def test_progress_on_a_terminal_as_a_user_sees_it(server, tmp_path):
    """#13.9: in a real terminal (tmux), the target line and a progress
    line while it runs; at the end the report, and no progress left."""
    server.delay = 0.4
    req = write(tmp_path, "req.txt", "".join(
        n + "\n" for n in ("numpy", "RPi.GPIO", "cffi", "pycparser",
                           "gpiozero", "colorzero", "pillow", "scipy")))
    session = "piwcheck-test-{}".format(os.getpid())
    # a tmux server of its own, with this test's environment, not the
    # user's server or ~/.tmux.conf
    tmux = ["tmux", "-L", session, "-f", os.devnull]
    command = " ".join([sys.executable, "-m", "piwcheck", "--no-cache",
                        "-j", "1"] + PI + server.only + ["-r", req]) + \
        "; echo EXIT=$?; sleep 30"
    subprocess.run(tmux + ["new-session", "-d", "-s", session, "-x", "200",
                    "-y", "80", "cd {} && {}".format(ROOT, command)],
                   check=True, env=dict(os.environ, TERM="xterm"))
    try:
        def screen():
            return subprocess.run(
                tmux + ["capture-pane", "-p", "-t", session],
                capture_output=True, text=True).stdout
        seen = ""
        started = time.monotonic()
        deadline = time.monotonic() + 20
        while "checking " not in seen and time.monotonic() < deadline:
            time.sleep(0.1)
            seen = screen()
        assert "Target: cp311" in seen and "checking " in seen, \
            (time.monotonic() - started, seen)
        while "EXIT=" not in seen and time.monotonic() < deadline:
            time.sleep(0.2)
            seen = screen()
        assert "EXIT=0" in seen, seen
        assert "checking " not in seen  # the progress line was cleared
        assert "8 packages: 8 ok" in seen
    finally:
        subprocess.run(tmux + ["kill-server"])
