# SPDX-License-Identifier: BSD-3-Clause
"""The man page, bash completion and README say what the parser says."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from piwcheck.cli import build_parser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENDOCS = os.path.join(ROOT, "debian", "gendocs.py")
OPTIONS = sorted(o for a in build_parser()._actions for o in a.option_strings)

needs_source = pytest.mark.skipif(
    not os.path.exists(GENDOCS), reason="not in a source tree")


def gendocs(kind):
    return subprocess.run([sys.executable, GENDOCS, kind],
                          capture_output=True, text=True, check=True,
                          cwd=ROOT).stdout


@needs_source
@pytest.mark.skipif(not shutil.which("dpkg-parsechangelog"),
                    reason="dpkg-dev is not installed")
def test_man_page_covers_every_option():
    page = gendocs("man")
    assert page.startswith('.TH PIWCHECK 1 "')
    assert "piwcheck \\- check piwheels wheels" in page
    for option in OPTIONS:
        assert option.replace("-", "\\-") in page, option
    assert ".SH EXIT STATUS" in page and ".SH ENVIRONMENT" in page
    for code in "0123":
        assert "\\fB{}\\fR".format(code) in page
    if shutil.which("man"):
        text = subprocess.run(["man", "-l", "-"], input=page,
                              capture_output=True, text=True,
                              env=dict(os.environ, MANWIDTH="80")).stdout
        assert "index unreachable" in text


@needs_source
def test_bash_completion_covers_every_option():
    script = gendocs("bash")
    for option in OPTIONS:
        assert " {} ".format(option) in " " + script.replace("'", " "), option
    if shutil.which("bash"):
        subprocess.run(["bash", "-n"], input=script, text=True, check=True)


def test_readme_documents_every_option():
    readme = os.path.join(ROOT, "README.rst")
    if not os.path.exists(readme):
        pytest.skip("not in a source tree")
    with open(readme) as f:
        text = f.read()
    for option in OPTIONS:
        if option not in ("-h", "--help"):
            assert "``{}".format(option) in text or \
                ", ``{}".format(option) in text, option


#: The README's examples (run with the test servers) and their codes.
EXAMPLES = {"--pi bookworm-32 numpy RPi.GPIO cryptography pillow": 1,
            "--pi bookworm-32 --tree cryptography pydantic": 0,
            "--pi bookworm-32 nump rpigpio": 1}


@needs_source
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_readme_example_is_what_piwcheck_prints(server, pypi, capsys,
                                                example):
    """The README's examples, run against the test servers, with their
    URLs shown as the real ones."""
    import re

    from piwcheck.cli import main

    with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as f:
        text = f.read()
    start = text.index("    $ piwcheck {}\n".format(example))
    end = re.compile(r"\n\n(?=\S)").search(text, start).start()
    lines = [line[4:] for line in text[start:end].splitlines()]
    args = lines[0].split()[2:]
    code = main(["--no-cache", "--piwheels-url", server.url,
                 "--index-url", pypi.index] + args)
    out = capsys.readouterr().out
    out = out.replace("Indexes: " + pypi.index,
                      "Indexes: PyPI (https://pypi.org/simple)")
    out = out.replace(pypi.index, "PyPI").replace(
        server.url, "https://www.piwheels.org")
    assert code == EXAMPLES[example]
    assert [line.rstrip() for line in out.splitlines()] == lines[1:]


@needs_source
@pytest.mark.skipif(not (shutil.which("dpkg-parsechangelog")
                         and shutil.which("groff")),
                    reason="dpkg-dev or groff is not installed")
def test_man_page_renders_cleanly():
    """#13.12: groff has nothing to warn about; every variable is a term
    with its description, not a bold line of its own; EXAMPLES holds the
    README's commands; the date comes from the changelog."""
    page = gendocs("man")
    assert re.match(r'\.TH PIWCHECK 1 "\d{4}-\d\d-\d\d" ', page)
    proc = subprocess.run(["groff", "-man", "-Tutf8", "-ww"], input=page,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    text = re.sub(r".\x08", "", proc.stdout)  # no overstrike
    assert re.search(r"HTTPS_PROXY, HTTP_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE"
                     r"\n +proxies and CA certificates", text), text
    assert re.search(r"PIP_PRE, PIP_ONLY_BINARY.*\n +pip's own settings",
                     text)
    examples = text[text.index("EXAMPLES"):text.index("SEE ALSO")]
    with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as f:
        readme = f.read()
    for command in ("piwcheck numpy", "piwcheck 'pillow>=10' gpiozero",
                    "piwcheck -r requirements.txt",
                    "piwcheck --pi bookworm-32"):
        assert command in examples and command in readme, command


@needs_source
def test_readme_actions_command(tmp_path, server, pypi):
    """The GitHub Actions example's command, run by sh in a sample
    project with ``piwcheck`` on PATH reaching the test servers: the
    job summary gets what a direct run prints, and the step fails as
    it does."""
    from test_precommit import _direct, _env, _fakes, _sample

    with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as f:
        readme = f.read()
    line = next(line.strip() for line in readme.splitlines()
                if line.strip().startswith("- run: piwcheck "))
    command = line[len("- run: "):]
    words, _, redirect = command.partition(" >> ")
    assert redirect == '"$GITHUB_STEP_SUMMARY"'
    args = words.split()[1:]
    assert "--matrix" in args and "markdown" in args
    _sample(tmp_path)
    summary = tmp_path / "summary.md"
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "piwcheck").write_text("#!/bin/sh\nexec {} -m piwcheck {} "
                                   '"$@"\n'.format(sys.executable, " ".join(
                                       _fakes(server, pypi))))
    (shim / "piwcheck").chmod(0o755)
    command = " ".join(["piwcheck"] + args) + " >> " + redirect
    env = dict(_env(), GITHUB_STEP_SUMMARY=str(summary),
               PATH=str(shim) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(["sh", "-c", command], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=300)
    direct = _direct(tmp_path, _fakes(server, pypi) + args)
    assert proc.returncode == direct.returncode == 1  # pillow: no wheel
    assert summary.read_text() == direct.stdout
    for name in ("numpy", "pillow", "gpiozero"):
        assert name in direct.stdout.lower()


def _one_index_commands():
    """The README's "PyPI only" and "piwheels only" commands, by name."""
    import re

    with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as f:
        text = f.read()
    found = {}
    for who, command in re.findall(
            r"\* (PyPI|piwheels) only: ``(piwcheck [^`]+)``", text):
        found[who] = command.split()[1:]
    return found, text


@needs_source
def test_readme_one_index_commands_ask_that_index_only(capsys, tmp_path,
                                                       monkeypatch):
    """The commands ask only PyPI, only piwheels: offline (nothing is
    asked of anyone), the Indexes line says what would be."""
    from piwcheck.cli import main

    found, text = _one_index_commands()
    assert sorted(found) == ["PyPI", "piwheels"]
    shown = {"PyPI": "Indexes: PyPI (https://pypi.org/simple)",
             "piwheels": "Indexes: piwheels "
                         "(https://www.piwheels.org/simple)"}
    for who, args in found.items():
        main(["--offline", "--cache-dir", str(tmp_path), "--piwheels-url",
              "https://www.piwheels.org"] + args)
        assert capsys.readouterr().out.splitlines()[1] == shown[who], who
    # on the Pi: /etc/pip.conf names piwheels, and pip's --isolated
    # still reads it; PIP_CONFIG_FILE=/dev/null drops every file
    assert "``PIP_CONFIG_FILE=/dev/null piwcheck numpy``" in text
    from piwcheck import pipconf
    with open(pipconf.SITE_FILE, "w") as f:
        f.write("[global]\nextra-index-url=https://www.piwheels.org/simple\n")
    monkeypatch.delenv("PIP_CONFIG_FILE")
    for args in (["numpy"], ["--isolated", "numpy"]):
        main(["--offline", "--cache-dir", str(tmp_path), "--piwheels-url",
              "https://www.piwheels.org"] + args)
        assert capsys.readouterr().out.splitlines()[1] == \
            "Indexes: PyPI (https://pypi.org/simple), piwheels " \
            "(https://www.piwheels.org/simple)", args
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for extra, who in (([], "PyPI"), (["--index-url",
                                       "https://www.piwheels.org/simple"],
                                      "piwheels")):
        main(["--offline", "--cache-dir", str(tmp_path), "--piwheels-url",
              "https://www.piwheels.org"] + extra + ["numpy"])
        assert capsys.readouterr().out.splitlines()[1] == shown[who]


#: The README's --matrix examples and their codes: run with PyPI's
#: fake reached as http://pypi.org through a proxy (so the table names
#: it PyPI, and its columns are as wide as with the real one).
MATRIX_EXAMPLES = {"numpy RPi.GPIO cryptography pillow --matrix": 1,
                   "numpy RPi.GPIO cryptography pillow --matrix "
                   "bookworm-32,bookworm-64,trixie-32 --format markdown": 1}


@needs_source
@pytest.mark.parametrize("example", sorted(MATRIX_EXAMPLES))
def test_readme_matrix_example_is_what_piwcheck_prints(
        server, pypi, capsys, monkeypatch, example):
    import re

    from piwcheck.cli import main

    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, pypi.url)
    with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as f:
        text = f.read()
    start = text.index("    $ piwcheck {}\n".format(example))
    end = re.compile(r"\n\n(?=\S)").search(text, start).start()
    lines = [line[4:] for line in text[start:end].splitlines()]
    code = main(["--no-cache", "--piwheels-url", server.url,
                 "--index-url", "http://pypi.org/simple",
                 "--trusted-host", "pypi.org"]
                + lines[0].split()[2:])
    out = capsys.readouterr().out.replace(
        "http://pypi.org", "https://pypi.org").replace(
        server.url, "https://www.piwheels.org")
    assert code == MATRIX_EXAMPLES[example]
    assert pypi.proxied > 0
    assert [line.rstrip() for line in out.splitlines()] == lines[1:]
