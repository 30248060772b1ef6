# SPDX-License-Identifier: BSD-3-Clause
"""Dependencies as pip resolves them (piwcheck.resolve), end to end
against the two fakes: markers for the target, extras, pins, bounds,
backtracking, cycles and conflicts."""

import pytest

from helpers import pkgs, run, run_json
from piwcheck.cli import main

BOOKWORM_32 = ["--pi", "bookworm-32"]


def resolve(capsys, *args):
    """``piwcheck --json --no-cache args``: (exit code, the packages by
    name, stderr)."""
    code, doc, err = run_json(capsys, "--no-cache", *args)
    return code, pkgs(doc), err


def versions(pkgs):
    return {n: p["version"] for n, p in pkgs.items()}


@pytest.mark.parametrize("pi,present,absent", [
    ("bookworm-32", {"rpi-gpio"}, {"gpiozero", "colorzero"}),
    ("bookworm-64", {"gpiozero", "colorzero"}, {"rpi-gpio"}),
    # Bullseye's Python 3.9: python_version < "3.10" holds there
    ("bullseye-32", {"rpi-gpio", "colorzero"}, {"gpiozero"}),
])
def test_markers_are_the_targets(both, capsys, pi, present, absent):
    code, pkgs, err = resolve(capsys, "--pi", pi, *both, "marker-deps")
    assert present <= set(pkgs) and not absent & set(pkgs)


def test_an_exact_pin_wins_over_the_newest(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "pydantic")
    core = pkgs["pydantic-core"]
    assert core["version"] == "2.27.1"  # 2.27.2 is newer
    assert core["required_by_detail"] == [
        {"name": "pydantic", "version": "2.10.3",
         "requirement": "pydantic-core==2.27.1"}]
    assert "email-validator" not in pkgs


def test_extras_bring_their_dependencies(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "pydantic[email]")
    assert {"email-validator", "dnspython", "idna"} <= set(pkgs)
    assert "tzdata" not in pkgs  # extra == "timezone" was not asked for


def test_an_extra_not_provided_is_said(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "pydantic[nosuch]")
    assert "email-validator" not in pkgs
    assert any("does not provide the extra 'nosuch'" in w
               for w in pkgs["pydantic"]["warnings"])


def test_an_upper_bound_forces_an_older_release(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "needs-old-numpy")
    assert pkgs["numpy"]["version"] == "1.26.4"
    assert pkgs["numpy"]["file"]["filename"] == \
        "numpy-1.26.4-cp311-cp311-linux_armv7l.whl"


def test_a_conflict_is_backtracked(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "bt-top")
    assert versions(pkgs) == {"bt-top": "1.0", "bt-a": "1.0", "bt-b": "1.0",
                              "bt-c": "1.0"}
    assert code == 0


def test_a_cycle_ends(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "cycle-a")
    assert set(pkgs) == {"cycle-a", "cycle-b"} and code == 0


def test_an_impossible_tree_is_a_conflict(both, capsys):
    main(["--no-cache", *BOOKWORM_32, *both, "imp-top", "numpy"])
    out = capsys.readouterr().out
    assert "imp-c: conflict: pip's resolver would fail" in out
    assert "why:    pip cannot satisfy all of: imp-c>=2 (imp-a 1.0); " \
        "imp-c<2 (imp-b 1.0)" in out
    assert "numpy 2.1.3: ok" in out  # the rest is still reported
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "imp-top")
    assert code == 2 and pkgs["imp-c"]["status"] == "conflict"


def test_the_users_requirement_against_a_dependencys(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "pydantic",
                          "pydantic-core>=2.27.2")
    assert code == 2 and pkgs["pydantic-core"]["status"] == "conflict"
    assert "pydantic-core>=2.27.2 (command line)" in \
        pkgs["pydantic-core"]["reason"]


def test_no_matching_release_is_no_match_not_a_conflict(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "scipy==1.3.1",
                          "gpiozero")
    assert pkgs["scipy"]["status"] == "no-match"
    assert pkgs["scipy"]["reason"] == "no release matches '==1.3.1'"
    assert pkgs["gpiozero"]["status"] == "ok" and code == 1


def test_no_deps_checks_only_the_named(both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "--no-deps",
                          "pydantic")
    assert set(pkgs) == {"pydantic"}


def test_dependencies_read_from_pypi_metadata(both, capsys, server, pypi):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "cryptography")
    cffi = pkgs["cffi"]
    assert cffi["required_by_detail"][0]["requirement"] == "cffi>=1.12"
    # PyPI's metadata of the same release: no name-list warning
    assert not any("name list" in w for w in pkgs["cryptography"]["warnings"])
    assert any(path.endswith(".metadata") for path, *_ in pypi.log)



def test_the_fetch_that_leads_deeper_goes_first(pypi, capsys, tmp_path):
    # One index, one worker: cryptography's metadata, then cffi's page
    # and so on down its tree, go ahead of the other roots' pages, which
    # only fill in (a first-in, first-out pool fetches those first).
    req = tmp_path / "req.txt"
    req.write_text("--index-url {}\ncryptography\npillow\nnumpy\n".format(
        pypi.index))
    code, pkgs, err = resolve(capsys, "--pi", "bookworm-64", "-j", "1",
                          "-r", str(req))
    assert {"cffi", "pycparser"} <= set(pkgs)
    paths = [path.split("/")[2] + ("" if path.endswith("/") else " meta")
             for _, path in pypi.arrivals]
    assert paths[:7] == [
        "cryptography", "cryptography meta", "cffi", "cffi meta",
        "pycparser", "pycparser meta", "pillow"]


def test_tree_draws_what_brings_in_what(both, capsys):
    code = main(["--no-cache", *BOOKWORM_32, *both, "--tree", "cffi",
                 "cryptography", "cycle-a"])
    out = capsys.readouterr().out
    tree = out[out.index("\n\n") + 2:out.index("\n\n", out.index("\n\n")
                                                 + 2)].splitlines()
    assert tree == [
        "cffi 1.17.1: ok",
        "└── pycparser 2.22: ok",
        "cryptography 44.0.0: ok",
        "└── cffi 1.17.1 (cffi>=1.12): ok (its dependencies are above)",
        "cycle-a 1.0: ok",
        "└── cycle-b 1.0: ok",
        "    └── cycle-a 1.0 (cycle-a>=1.0): ok (a cycle)"]
    assert code == 0


def test_tree_colours_only_the_status(both, capsys):
    main(["--no-cache", *BOOKWORM_32, *both, "--tree", "--color", "always",
          "cryptography"])
    out = capsys.readouterr().out
    assert "└── cffi 1.17.1 (cffi>=1.12): \x1b[32mok\x1b[0m" in out


def test_tree_roots_are_what_was_asked_for(both, capsys, tmp_path,
                                           monkeypatch):
    """The roots are the requirements, whatever their file is called
    (its lines' source starts 'constraint reqs.txt:'); a constraint adds
    no root."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "constraint reqs.txt").write_text("cryptography\n")
    (tmp_path / "con.txt").write_text("cffi>=1.12\n")
    main(["--no-cache", *BOOKWORM_32, *both, "--tree",
          "-r", "constraint reqs.txt", "-c", "con.txt"])
    out = capsys.readouterr().out
    assert "\n\ncryptography 44.0.0: ok\n└── cffi 1.17.1 (cffi>=1.12): ok\n" \
        in out
    assert "\ncffi 1.17.1: ok" not in out


@pytest.mark.parametrize("other", ["--json", "--summary", "--no-deps"])
def test_tree_refuses_what_contradicts_it(both, capsys, other):
    assert main(["--no-cache", *both, "--tree", other, "cffi"]) == 2
    assert "--tree" in capsys.readouterr().err


def _a_bug_for(monkeypatch, name):
    """Deciding ``name`` raises what no check foresaw (pip's format
    control, asked about every name the resolver ranks, fails)."""
    from piwcheck.select import Formats

    allowed = Formats.allowed

    def buggy(self, asked):
        if asked == name:
            raise RuntimeError("a bug\nits second line")
        return allowed(self, asked)
    monkeypatch.setattr(Formats, "allowed", buggy)


def test_a_bug_fails_its_package_not_the_run(both, capsys, monkeypatch):
    """A bug met while deciding one package makes it an error whose
    reason is one line naming the exception (so it can be reported);
    the others are reported; exit 3; no traceback without DEBUG."""
    _a_bug_for(monkeypatch, "pycparser")
    code, out, err = run(capsys, "--no-cache", *BOOKWORM_32, *both, "cffi",
                         "numpy")
    assert code == 3 and "Traceback" not in err
    assert "numpy 2.1.3: ok" in out and "cffi 1.17.1: " in out
    why = [line for line in out.splitlines() if "internal error" in line]
    assert why == ["  why:    internal error: RuntimeError: a bug"]
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "cffi", "numpy")
    assert pkgs["pycparser"]["status"] == "error" and code == 3
    assert pkgs["pycparser"]["required_by"] == ["cffi"]
    assert pkgs["numpy"]["status"] == "ok"


def test_debug_shows_the_bugs_traceback(both, capsys, monkeypatch):
    _a_bug_for(monkeypatch, "numpy")
    monkeypatch.setenv("DEBUG", "1")
    code, out, err = run(capsys, "--no-cache", *BOOKWORM_32, *both, "numpy")
    assert code == 3
    assert "Traceback" in err and "RuntimeError: a bug" in err
    assert err.count("Traceback") == 1


def test_a_requires_python_in_metadata_alone_holds(both, capsys):
    # the page says nothing of Python; 2.0's METADATA wants >=3.99
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "rp-new")
    assert code == 0 and pkgs["rp-new"]["version"] == "1.0", err
    # one the target's Python fits: the newest
    code, pkgs, err = resolve(capsys, "--pi", "bookworm-32",
                              "--python-version", "3.99", *both, "rp-new")
    assert code == 0 and pkgs["rp-new"]["version"] == "2.0", err


def test_an_invalid_requires_python_in_metadata_is_said_and_ignored(
        both, capsys):
    code, pkgs, err = resolve(capsys, *BOOKWORM_32, *both, "rp-bad")
    assert code == 0 and pkgs["rp-bad"]["version"] == "2.0", err
    assert "its metadata's Requires-Python '>= three' is invalid (pip " \
        "ignores it)" in pkgs["rp-bad"]["warnings"]
