# SPDX-License-Identifier: BSD-3-Clause
"""dpkg and apt state (piwcheck.apt), against a crafted database."""

import json
import os
import re
import shutil
import string
import subprocess
import tempfile

import pytest

from conftest import native_arch, write_status
from piwcheck import apt
from piwcheck.facts import DPKG_ARCHES


@pytest.mark.parametrize("name", [
    "libc6", "libssl1.1", "libstdc++6", "libgtk-3-0", "zlib1g",
    "libopenblas0-pthread", "libok2:armhf", "python3.11", "libglib2.0-0",
    "libgtk2.0-0t64", "libsigc++-2.0-0v5", "libffi8:arm64",
    "libgtk-3-0t64", "python3-ruamel.yaml", "dvd+rw-tools", "libc++1-14",
    "libxml++2.6-2v5", "gir1.2-gtk-3.0"])
def test_valid_names(name):
    assert apt.valid_name(name)


@pytest.mark.parametrize("name", [
    "x", "LibUpper", "libfoo; rm -rf /", "$(reboot)", "-lib", "+lib",
    "lib foo", "lib\nfoo", "libfoo:", "libfoo:arm:hf", "", "lib_foo",
    "libfoo`id`", ".lib", "libfoo:ARMHF", "libfoo\n", "libfoo1\n",
    # apt reads these as a remove, a version, a release, other packages
    "openssh-client-", "zlib1.+", "g++", "libc6=2.36-9", "libc6/bookworm",
    "libc6:any", "libc6:all", "libc6:native", "libc6:linux-*",
    "libc6:armhf:armhf", "lib*", "zlib1?", "lib[a-z]", "^zlib", "zlib$",
    "zlib|ssh", "zlib1g^", "?name(ssh)", "~nssh", "!zlib", "libc6_",
    # a '.' or '+' no exact package has: apt-get reads it as a regex
    "lib1.", "lib1.:armhf", "zlib1.-dev", "lib..1", "libfoo-.1",
    "lib-+x", "libc++.1", "zlib1.+x", "a.", "0.+", None, 6])
def test_invalid_names(name):
    assert not apt.valid_name(name)
    assert apt.why_invalid(name)


def test_invalid_names_are_shown_escaped_and_short():
    assert apt.shown("lib\x1b[31mred\u202e") == "'lib\\x1b[31mred\\u202e'"
    long = apt.shown("a" * 1000 + "\x07")
    assert long == "'" + "a" * 80 + "...'"
    assert apt.invalid_warning("openssh-client-") == (
        "piwheels lists an invalid apt package name 'openssh-client-' "
        "(apt would read its trailing '-' as remove); ignored")


def test_installed_reads_crafted_database(dpkg_db):
    arch = native_arch()
    state = apt.installed(
        ["libgfortran5", "libopenblas0-pthread", "libnothere1", "tzdata",
         "libgood1", "libok2:armhf", "libok2", "libffi8:" + arch], arch)
    assert state == {
        "libgfortran5": True,
        "libopenblas0-pthread": False,  # removed, config files left
        "libnothere1": False,
        "tzdata": True,                 # Architecture: all
        "libgood1": False,              # unpacked, not configured
        "libok2:armhf": True,
        "libok2": arch == "armhf",      # installed for armhf only
        "libffi8:" + arch: True,
    }


def test_installed_never_passes_invalid_names(dpkg_db):
    assert apt.installed(["libc6", "--admindir=/", "$(x)"],
                         native_arch()) == {"libc6": True}


def test_installed_without_dpkg(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert apt.installed(["libc6"], "amd64") is None
    assert apt.known(["libc6"], "amd64") is None


def test_known_asks_apt(apt_config):
    arch = native_arch()
    state = apt.known(["libopenblas0-pthread", "libssl1.1", "libgfortran5",
                       "libok2:armhf"], arch)
    assert state == {"libopenblas0-pthread": True, "libssl1.1": False,
                     "libgfortran5": True, "libok2:armhf": True}


def test_install_command():
    assert apt.install_command(["libssl3", "libffi8", "libssl3"]) == \
        "sudo apt install libssl3 libffi8"
    assert apt.install_command(["libssl3", "x; rm -rf /"]) == \
        "sudo apt install libssl3"
    assert apt.install_command([]) is None
    assert apt.install_command(["$(reboot)"]) is None


# -- property: what the validator accepts, apt reads as one package -------

try:
    from hypothesis import assume, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - every CI set has hypothesis
    given = None

needs_hypothesis = pytest.mark.skipif(given is None,
                                      reason="hypothesis is not installed")
#: Debian policy 5.6.7's package name, optionally with an architecture.
POLICY = re.compile(r"[a-z0-9][a-z0-9+.-]+(:[a-z0-9][a-z0-9-]*)?")
#: What apt-get reads as a pattern, glob, regex, task, modifier, version
#: or release (apt-pkg/cacheset.cc), beside '.' and '+' inside a name.
SPECIAL = set("?~*[]!|^$=/_") | set(string.whitespace)


def _names():
    """Names near the edge: Debian-like ones, with apt's special
    characters and architectures mixed in, and any text."""
    near = st.from_regex(
        r"[a-z0-9.+\-]{1,10}(:(armhf|arm64|amd64|any|all|native|linux-\*"
        r"|x))?[-+=/^$*?]?", fullmatch=True)
    return st.one_of(near, st.text(max_size=14))


if given is not None:
    @needs_hypothesis
    @settings(derandomize=True, max_examples=2000, deadline=None)
    @given(_names())
    def test_accepted_names_are_plain_debian_names(name):
        """Accepted: a Debian policy name, with no character apt reads
        specially beyond '.' and '+' inside it, no trailing '-' or '+',
        and an ':arch' only of dpkg's."""
        if not apt.valid_name(name):
            return
        assert POLICY.fullmatch(name)
        assert not SPECIAL & set(name)
        pkg, _, arch = name.partition(":")
        assert pkg[-1] not in "+-."
        for i, c in enumerate(pkg):  # as in an exact package's name
            if c == ".":
                assert pkg[i - 1].isalnum() and pkg[i + 1].isalnum()
            if c == "+":
                assert pkg[i - 1].isalnum() or pkg[i - 1] == "+"
                assert pkg[i + 1] != "."
        assert not arch or arch in DPKG_ARCHES
        assert apt.install_command([name]) == "sudo apt install " + name


def _debian_names():
    """Debian policy names, many with '.' and '+' inside."""
    return st.from_regex(r"[a-z0-9][a-z0-9+.-]{1,10}", fullmatch=True)


def _apt_root(root, packages, installed, arch):
    """An APT_CONFIG (as conftest's apt_config) whose only repository
    has ``packages``, of which ``installed`` are installed."""
    for sub in ("lists/partial", "cache/archives/partial", "etc/apt.conf.d",
                "etc/preferences.d", "etc/sources.list.d", "repo"):
        os.makedirs(os.path.join(root, sub))
    write_status(os.path.join(root, "status"),
                 [(name, arch, "install ok installed") for name in installed])
    with open(os.path.join(root, "repo", "Packages"), "w") as f:
        for name in packages:
            f.write("Package: {0}\nVersion: 1.0-1\nArchitecture: {1}\n"
                    "Maintainer: T <t@example.org>\nFilename: ./{0}.deb\n"
                    "Size: 100\nDescription: d\n\n".format(name, arch))
    with open(os.path.join(root, "sources.list"), "w") as f:
        f.write("deb [trusted=yes] file:{} ./\n".format(
            os.path.join(root, "repo")))
    conf = os.path.join(root, "apt.conf")
    with open(conf, "w") as f:
        f.write('Dir::State "{r}/";\nDir::State::Lists "{r}/lists/";\n'
                'Dir::State::status "{r}/status";\nDir::Cache "{r}/cache/";\n'
                'Dir::Etc "{r}/etc/";\nDir::Etc::sourcelist '
                '"{r}/sources.list";\nDir::Etc::sourceparts '
                '"{r}/etc/sources.list.d/";\nAPT::Architecture "{a}";\n'
                'Acquire::Languages "none";\n'.format(r=root, a=arch))
    env = dict(os.environ, APT_CONFIG=conf, LC_ALL="C")
    subprocess.run(["apt-get", "update", "-q"], env=env, check=True,
                   capture_output=True)
    return env


def _simulate(tool, names, env):
    """(packages installed, lines that remove or select by pattern) of
    ``tool install -s names``."""
    proc = subprocess.run([tool, "-q", "-s", "install"] + names, env=env,
                          capture_output=True, text=True)
    lines = (proc.stdout + proc.stderr).splitlines()
    inst = [line.split()[1] for line in lines if line.startswith("Inst ")]
    other = [line for line in lines if line.startswith(
        ("Remv ", "Purg ", "Note, selecting"))]
    return inst, other


def _decoys(pkg):
    """(packages, installed packages) a glob, regex or modifier reading
    of ``pkg`` would also install, or remove."""
    new = {pkg + "x", "x" + pkg, pkg.replace(".", "x"), pkg.rstrip("+"),
           pkg.replace("+", "")}
    installed = {pkg.rstrip("-")}
    return new - installed - {pkg}, installed - {pkg}


if given is not None:
    @needs_hypothesis
    @pytest.mark.skipif(not shutil.which("apt-get"),
                        reason="apt is not installed")
    @settings(derandomize=True, max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.one_of(_debian_names(), _names()),
                              st.booleans()), min_size=1, max_size=6))
    def test_apt_reads_an_accepted_name_as_one_package(names):
        """Real apt, on a crafted repository: every accepted name it has
        is installed alone (no other package, no removal, no pattern
        selection), by apt-get and apt; one it has not is only an error
        for apt (the command is ``apt install``), never another package,
        though decoys a glob, regex or modifier would select or remove
        are there, installed; and apt.known says it has not (so on this
        machine it never reaches the command, and apt-get, which reads
        an unknown name with '.' or '+' as a regex, never sees it)."""
        arch = native_arch()
        ok = {n: has for n, has in names if apt.valid_name(n)
              and n.partition(":")[2] in ("", arch)}
        assume(ok)
        pkgs = {n.partition(":")[0] for n, has in ok.items() if has}
        known = [n for n, has in ok.items() if has]
        unknown = [n for n, has in ok.items() if not has
                   and n.partition(":")[0] not in pkgs]
        new, old = set(), set()
        for n in ok:
            more, installed = _decoys(n.partition(":")[0])
            new |= more
            old |= installed
        mine = pkgs | {n.partition(":")[0] for n in unknown}
        old = {d for d in old if POLICY.fullmatch(d)} - mine
        new = {d for d in new if POLICY.fullmatch(d)} - mine - old
        with tempfile.TemporaryDirectory() as root:
            env = _apt_root(root, sorted(pkgs | new | old), sorted(old),
                            arch)
            for tool in ("apt-get", "apt") if known else ():
                inst, other = _simulate(tool, known, env)
                assert sorted(inst) == sorted(pkgs) and not other, tool
            for name in unknown:
                inst, other = _simulate("apt", [name], env)
                assert not inst and not other, name
            if unknown:
                saved = os.environ.get("APT_CONFIG")
                os.environ["APT_CONFIG"] = env["APT_CONFIG"]
                try:
                    said = apt.known(unknown + known, arch)
                finally:
                    if saved is None:
                        del os.environ["APT_CONFIG"]
                    else:
                        os.environ["APT_CONFIG"] = saved
                assert said == dict({n: False for n in unknown},
                                    **{n: True for n in known}), said


def _evil_project(server, platforms, abi="cp311"):
    """'aptevil' on ``server``: its wheels' apt list has a package to
    remove, a regex and worse beside a real name."""
    doc = {"package": "aptevil", "releases": {"1.0": {
        "released": "2024-01-01 00:00:00", "prerelease": False,
        "yanked": False, "skip_reason": "", "files": {}}}}
    for plat in platforms:
        fn = "aptevil-1.0-{0}-{0}-{1}.whl".format(abi, plat)
        doc["releases"]["1.0"]["files"][fn] = {
            "file_url": "{}/simple/aptevil/{}".format(server.url, fn),
            "filehash": "0" * 64, "filesize": 1000, "builder_abi": abi,
            "file_abi_tag": abi, "platform": plat, "requires_python": None,
            "pip_dependencies": [],
            "apt_dependencies": ["libopenblas0-pthread", "openssh-client-",
                                 "zlib1.+", "libc6:any", "lib\x1b[2Jx",
                                 "lib1."]}
    server.add("aptevil", doc)


def _refused(out):
    assert "aptevil 1.0: " in out and "\x1b" not in out
    for shown, why in (
            ("'openssh-client-'", "apt would read its trailing '-' as "
             "remove"),
            ("'zlib1.+'", "apt would read its trailing '+' as a modifier"),
            ("'libc6:any'", "its architecture 'any' is not one of dpkg's"),
            ("'lib\\x1b[2Jx'", "not a Debian package name"),
            ("'lib1.'", "its '.' is not between letters or digits")):
        assert "warning: piwheels lists an invalid apt package name " + \
            shown + " (" + why in out


def test_the_command_has_only_names_apt_installs(fresh_server, capsys):
    """piwheels' list of a package to remove and a regex, for a
    described Pi: only the real name reaches the command; the others
    are warnings under the package whose list gave them."""
    from piwcheck.cli import main

    _evil_project(fresh_server, ("linux_armv7l", "linux_armv6l"))
    code = main(["--pi", "bookworm-32", *fresh_server.only, "aptevil"])
    out = capsys.readouterr().out
    assert code == 0 and "aptevil 1.0: ok" in out
    assert out.rstrip().splitlines()[-1] == \
        "  sudo apt install libopenblas0-pthread"
    _refused(out)
    code = main(["--pi", "bookworm-32", "--json", *fresh_server.only,
                 "aptevil"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["apt_install"] == ["libopenblas0-pthread"]
    assert len(doc["packages"][0]["warnings"]) == 5


def test_the_command_has_only_names_apt_installs_here(fresh_server, capsys,
                                                      apt_config):
    """The same on this machine, where dpkg and apt are asked."""
    import sys

    from packaging import tags

    from piwcheck.cli import main

    abi = "cp{}{}".format(*sys.version_info[:2])
    _evil_project(fresh_server, (next(iter(tags.sys_tags())).platform,),
                  abi)
    code = main([*fresh_server.only, "aptevil"])
    out = capsys.readouterr().out
    assert code == 1 and "aptevil 1.0: missing apt packages" in out
    assert out.rstrip().splitlines()[-1] == \
        "  sudo apt install libopenblas0-pthread"
    _refused(out)
