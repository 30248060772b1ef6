# SPDX-License-Identifier: BSD-3-Clause
"""Requirements files exactly as pip reads them (#12).  Each case is
read by piwcheck and, where a current pip is at hand (the judge of
tests/test_pip_judge.py), by pip's own parser: both must take the same
requirements, or both refuse the file.  The effects of options are
checked against what pip's handle_line does."""

import json
import os
import subprocess

import pytest

from piwcheck.errors import InputError
from piwcheck.inputs.reqfile import Reader

JUDGE = os.environ.get("PIWCHECK_JUDGE_PYTHON")

#: pip's parser, run in the judge: prints the requirements it takes, or
#: the error.
PIP_PARSE = r"""
import json, sys
from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements
from pip._vendor.packaging.utils import canonicalize_name
try:
    out = []
    for r in parse_requirements(sys.argv[1], PipSession()):
        ireq = install_req_from_parsed_requirement(r)
        name = canonicalize_name(ireq.req.name) if ireq.req else "(local)"
        out.append([name, r.is_editable, r.constraint])
except Exception as exc:
    out = {"error": "{}: {}".format(type(exc).__name__, exc)}
print(json.dumps(out))
"""

CASES = {
    # bare archive and wheel names are local files, not project names
    "sdist-name": "foo-1.0.tar.gz\n",
    "wheel-name": "simple-0.1-py2.py3-none-any.whl\n",
    "wheel-extras": "simple-0.1-py2.py3-none-any.whl[extra]\n",
    "bad-wheel-name": "simple-0.1.whl\n",
    # options on a requirement, -e or -r line are not file-level
    "pre-on-requirement": "foo --pre\n",
    "pre-on-include": "-r inc.txt --pre\n",
    # several -r/-e on one line: the first only
    "two-includes": "-r inc.txt -r other.txt\n",
    "two-editables": "-e ./a -e ./b\n",
    # continuation lines with more than one backslash
    "double-backslash": "numpy\\\\\n>=1.0\n",
    # an empty marker
    "empty-marker": "numpy;\n",
    "empty-marker-space": "numpy ; \n",
    # pip 26's options and optparse's unambiguous prefixes
    "all-releases": "--all-releases :all:\nnumpy\n",
    "only-final": "--only-final numpy\nnumpy\n",
    "no-require-hashes": "--no-require-hashes\nnumpy\n",
    "prefix-extra-index": "--extra-index https://x.invalid/simple\nnumpy\n",
    "prefix-requirement": "--requirem inc.txt\n",
    "ambiguous-prefix": "--no numpy\n",
    # values pip refuses
    "hash-no-colon": "numpy --hash=abc\n",
    "hash-md5": "numpy --hash=md5:0123\n",
    "hash-good": "numpy --hash=sha256:0123\n",
    "unknown-feature": "--use-feature=no-such-feature\nnumpy\n",
    "known-feature": "--use-feature=fast-deps\nnumpy\n",
    "compatible-star": "numpy~=1.0.*\n",
    "config-settings-bad": "numpy --config-settings=novalue\n",
    # options older pips took (#20)
    "install-option": "numpy --install-option=--prefix=/x\n",
    "global-option": "numpy --global-option=build_ext\n",
    "install-option-alone": "--install-option=--x\nnumpy\n",
    "global-option-alone": "--global-option=x\nnumpy\n",
    # editables pip refuses: no name, an archive, not a project, not local
    "editable-vcs-no-name": "-e git+https://github.com/x/y.git\n",
    "editable-hg-no-name": "-e hg+https://x.invalid/y\n",
    "editable-archive-url": "-e https://x.invalid/foo-1.0.tar.gz\n",
    "editable-archive-path": "-e ./a.tar.gz\n",
    "editable-missing-dir": "-e ./nonexistent\n",
    "editable-empty": "-e ''\n",
    "editable-egg-in-path": "-e ./a#egg=a\n",
    "editable-remote-file": "-e file://./a\n",
    "editable-ok": "-e ./a[extra]\n-e file:./b\n",
    "editable-vcs-named": "-e git+https://github.com/x/y.git#egg=y\n",
    "editable-named-url": "-e y @ git+https://github.com/x/y.git\n",
    # #egg= with extras: pip 26 refuses it
    "egg-extras-vcs": "git+https://github.com/x/y.git#egg=foo[bar]\n",
    "egg-extras-editable": "-e git+https://github.com/x/y.git#egg=foo[bar]\n",
    "egg-extras-url": "https://x.invalid/foo-1.0.tar.gz#egg=foo[bar]\n",
    # legacy specifiers and versions: pip 24.1 and newer refuse them
    "legacy-star": "foo>=1.0.*\n",
    "legacy-star-lt": "foo<1.0.*\n",
    "legacy-version": "adapt-parser==1.0.0x\n",
    "legacy-not-equal": "foo!=1.0.0x\n",
    "legacy-double-star": "foo==1.0.*.*\n",
    "legacy-word": "foo==dev\n",
    "arbitrary-equality": "foo===foo\n",
    # paths: pip reads them from the current directory
    "backslash-space": "foo \\ \nbar\n",
    "slash-in-name": "foo/bar==1.0\n",
    "tilde": "~/foo\n",
    "absolute-file": "/etc/passwd\n",
    "missing-dir": "./nonexistent\n",
    "project-dir": "./a\n./b[x]\n",
    "not-a-project": ".\n",
    "backslash-name": "foo\\bar\n",
    "version-then-url": "foo==1.0 @ https://x.invalid/f.whl\n",
    "missing-archive": "./dist/nope-1.0.tar.gz\n",
    # what follows a requirement's options is dropped, as pip drops it
    "hash-before-spec": "foo --hash=sha256:abc ==1.0\n",
    "hash-then-word": "foo --hash=sha256:abc bar\n",
    "options-then-word": "--pre foo\n",
    "hashes": "foo==1.0 --hash=sha256:abc --hash sha256:def\n",
    # a requirement before -e: pip 25 and newer read it as the editable
    "args-then-editable": "foo -e ./a\n",
}

@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """pip reads a local path from the current directory: the cases'
    projects are there, for piwcheck as for pip."""
    monkeypatch.chdir(tmp_path)


#: Files the cases include.
INCLUDED = {"inc.txt": "colorzero\n", "other.txt": "gpiozero\n"}


def _write(tmp_path, text, name="requirements.txt"):
    for fn, body in INCLUDED.items():
        (tmp_path / fn).write_text(body)
    for project in ("a", "b"):  # pip checks that an editable path exists
        (tmp_path / project).mkdir(exist_ok=True)
        (tmp_path / project / "pyproject.toml").write_text(
            "[project]\nname = \"{}\"\nversion = \"1\"\n".format(project))
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _ours(path):
    reader = Reader()
    try:
        parsed = reader.read(path)
        parsed.check_pip(_NEWEST)  # the judge is pip 26
    except InputError as exc:
        return {"error": str(exc)}, None
    def name(r):
        # pip names a local sdist or a directory only once it is built
        path = r.text.split(";")[0].split("[")[0].strip()
        named = " @ " in r.text or "+" in path.split(":")[0]  # VCS
        local = r.reason is not None and not (r.editable and named) and (
            r.editable or not path.endswith(".whl"))
        return "(local)" if local else r.name
    return [[name(r), r.editable, False] for r in parsed.requirements] + [
        [name(r), r.editable, True] for r in parsed.constraints], parsed


class _NEWEST:
    """A target whose pip is the newest."""

    pip_version = None
    os_codename = None


def _pips(path):
    proc = subprocess.run([JUDGE, "-c", PIP_PARSE, path],
                          capture_output=True, text=True, timeout=120,
                          cwd=os.path.dirname(path))
    return json.loads(proc.stdout)


@pytest.mark.skipif(not JUDGE, reason="no judge pip (PIWCHECK_JUDGE_PYTHON)")
@pytest.mark.parametrize("case", sorted(CASES))
def test_pip_takes_the_same_requirements(tmp_path, case):
    path = _write(tmp_path, CASES[case])
    ours, _ = _ours(path)
    pips = _pips(path)
    if isinstance(pips, dict):
        assert isinstance(ours, dict), (pips, ours)
    else:
        assert ours == pips


def read(tmp_path, text):
    path = _write(tmp_path, text)
    reader = Reader()
    return reader.read(path)


def test_archive_names_are_local_files(tmp_path):
    p = read(tmp_path, "foo-1.0.tar.gz\nsimple-0.1-py2.py3-none-any.whl"
                       "[extra]\n")
    assert [r.name for r in p.requirements] == ["foo", "simple"]
    assert all(r.reason for r in p.requirements)
    assert "a local file" in p.requirements[1].reason
    with pytest.raises(InputError, match=r"requirements.txt:1: invalid "
                                         r"wheel filename 'simple-0.1.whl'"):
        read(tmp_path, "simple-0.1.whl\n")


def test_only_option_lines_set_file_options(tmp_path):
    assert not read(tmp_path, "foo --pre\n").options.pre
    assert not read(tmp_path, "-r inc.txt --pre\n").options.pre
    assert not read(tmp_path, "-e ./a --pre\n").options.pre
    assert read(tmp_path, "--pre\nfoo\n").options.pre


def test_the_first_include_of_a_line(tmp_path):
    p = read(tmp_path, "-r inc.txt -r other.txt\n")
    assert [r.name for r in p.requirements] == ["colorzero"]
    p = read(tmp_path, "-e ./a -e ./b\n")
    assert [r.text for r in p.requirements] == ["./a"]


def test_continuations_strip_every_backslash(tmp_path):
    p = read(tmp_path, "numpy\\\\\n>=1.0\n")
    assert [str(r.specifier) for r in p.requirements] == [">=1.0"]


def test_an_empty_marker(tmp_path):
    p = read(tmp_path, "numpy;\nscipy ; \n")
    assert [(r.name, r.marker) for r in p.requirements] == [
        ("numpy", None), ("scipy", None)]


def test_a_pep_263_coding_line(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("# -*- coding: latin-1 -*-\n# caf\xe9\nnumpy\n"
                     .encode("latin-1"))
    assert [r.name for r in Reader().read(str(path)).requirements] == \
        ["numpy"]
    path.write_bytes(b"# coding: no-such-codec\nnumpy\n")
    with pytest.raises(InputError, match="unknown encoding"):
        Reader().read(str(path))


def test_pip_26_options_and_prefixes(tmp_path):
    p = read(tmp_path, "--all-releases :all:\n--only-final numpy\n"
                       "--no-require-hashes\n--extra-index "
                       "https://x.invalid/simple\nnumpy\n")
    assert p.options.formats == [("all-releases", ":all:"),
                                 ("only-final", "numpy")]
    assert p.options.extra_index_urls == ["https://x.invalid/simple"]
    assert [r.name for r in read(tmp_path, "--requirem inc.txt\n")
            .requirements] == ["colorzero"]
    with pytest.raises(InputError, match="ambiguous option: --no"):
        read(tmp_path, "--no numpy\n")


@pytest.mark.parametrize("text,words", [
    ("numpy --hash=abc\n", "must be a hash name followed by a value"),
    ("numpy --hash=md5:0123\n", "allowed hash algorithms for --hash are "
                                "sha256, sha384, sha512"),
    ("--use-feature=no-such-feature\n", "invalid choice: 'no-such-feature'"),
    ("numpy~=1.0.*\n", "invalid requirement 'numpy~=1.0.*'"),
    ("numpy --config-settings=novalue\n", "must be of the form KEY=VAL"),
])
def test_values_pip_refuses(tmp_path, text, words):
    with pytest.raises(InputError) as exc:
        read(tmp_path, text)
    assert words in str(exc.value)
    assert str(exc.value).startswith(str(tmp_path / "requirements.txt") +
                                     ":1: ")


def test_an_empty_variable_is_left_as_written(tmp_path, monkeypatch):
    monkeypatch.setenv("EMPTY", "")
    monkeypatch.setenv("NAME", "numpy")
    p = read(tmp_path, "${NAME}\n--extra-index-url https://x.invalid/"
                       "${EMPTY}simple\n")
    assert [r.text for r in p.requirements] == ["numpy"]
    assert p.options.extra_index_urls == [
        "https://x.invalid/${EMPTY}simple"]


def test_constraints_refuse_extras_and_editables(tmp_path):
    for line in ("numpy[extra]\n", "-e ./a\n"):
        (tmp_path / "c.txt").write_text(line)
        with pytest.raises(InputError, match="c.txt:1: .*pip refuses it"):
            read(tmp_path, "-c c.txt\nnumpy\n")


def test_an_included_url_is_fetched(server, tmp_path):
    """-r of an http(s):// or file:// URL is read, the former through
    piwcheck's transport, and a relative include inside it is joined to
    its URL; one that does not answer is a one-line input error."""
    from piwcheck.net import Transport
    transport = Transport(timeout=2)

    def fetch(url):
        return transport.fetch(url, lambda body, ctype: body, "text/plain")
    # the fake serves each document at /project/<name>/json/
    server.add("flat", b"gpiozero\n")
    server.add("nested", b"numpy\n-r ../../flat/json/\n")
    p = Reader(fetch).read(_write(tmp_path, "-r {}/project/nested/json/\n"
                                  .format(server.url)))
    assert [r.name for r in p.requirements] == ["numpy", "gpiozero"]
    (tmp_path / "file.txt").write_text("colorzero\n")
    p = Reader(fetch).read(_write(tmp_path, "-r file://{}\n".format(
        tmp_path / "file.txt")))
    assert [r.name for r in p.requirements] == ["colorzero"]
    with pytest.raises(InputError, match="requirements.txt:1: .*/project/"
                                         "nothing/json/: cannot fetch it"):
        Reader(fetch).read(_write(tmp_path, "-r {}/project/nothing/json/\n"
                                  .format(server.url)))


def test_legacy_options_are_taken_with_a_warning(tmp_path):
    p = read(tmp_path, "numpy --install-option=--prefix=/x\n")
    assert [r.name for r in p.requirements] == ["numpy"]
    assert p.warnings[0].endswith("--install-option: pip 26 refuses it; "
                                  "Bookworm's pip 23.0.1 takes it")
