# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures: a real piwheels-format server, a crafted dpkg database, a
crafted apt configuration, and interpreters that describe a Pi."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from packaging import tags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from distfiles import DATA  # noqa: E402
from piwserver import PiwheelsServer  # noqa: E402
from pypiserver import PypiServer  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path_factory):
    """Reach the 127.0.0.1 test server directly even where a proxy is set
    (pybuild sets http_proxy to a dead port during builds), and keep the
    cache out of the user's home; and never read this machine's pip
    configuration."""
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    # this machine's own pip configuration is not the target's
    for name in list(os.environ):
        if name.startswith("PIP_") or name == "VIRTUAL_ENV":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    # nor its machine-wide files (Raspberry Pi OS's /etc/pip.conf names
    # piwheels), its users' or its venv's: a test that names a
    # PIP_CONFIG_FILE reads that file and nothing of this machine
    mine = tmp_path_factory.mktemp("pip-config")
    monkeypatch.setattr("piwcheck.pipconf.SITE_FILE",
                        str(mine / "etc-pip.conf"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(mine / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(mine / "config"))
    monkeypatch.setenv("VIRTUAL_ENV", str(mine / "venv"))
    # a test that forgets --piwheels-url must not reach piwheels.org:
    # the discard port of this machine refuses it at once
    monkeypatch.setenv("PIWCHECK_PIWHEELS_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("XDG_CACHE_HOME",
                       str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(scope="session")
def _server():
    server = PiwheelsServer(os.path.join(DATA, "projects")).start()
    yield server
    server.stop()


def _clean(shared):
    """A shared server with no faults, no delay and an empty log, for one
    test."""
    shared.faults.clear()
    shared.reset_log()
    shared.delay = 0.0
    yield shared
    shared.faults.clear()


@pytest.fixture
def server(_server):
    """The shared piwheels fake, with no faults and an empty log."""
    yield from _clean(_server)


@pytest.fixture(scope="session")
def _pypi():
    server = PypiServer().start()
    yield server
    server.stop()


@pytest.fixture
def pypi(_pypi):
    """The shared PyPI fake, with no faults and an empty log."""
    yield from _clean(_pypi)


@pytest.fixture
def both(server, pypi):
    """Options for the two indexes as Raspberry Pi OS's pip uses them:
    PyPI, then piwheels as the extra index."""
    return ["--piwheels-url", server.url, "--index-url", pypi.index,
            "--extra-index-url", server.index]


@pytest.fixture
def fresh_server():
    """A server of its own, for tests that change its documents."""
    server = PiwheelsServer(os.path.join(DATA, "projects")).start()
    yield server
    server.stop()


#: Packages in the crafted dpkg database: (name, arch, status); arch
#: None is this machine's (dpkg's native architecture: the suite runs on
#: armhf too).
DPKG_PACKAGES = [
    ("libgfortran5", None, "install ok installed"),
    ("libopenblas0-pthread", None, "deinstall ok config-files"),
    ("libffi8", None, "install ok installed"),
    ("libc6", None, "install ok installed"),
    ("libgood1", None, "install ok unpacked"),
    ("libok2", "armhf", "install ok installed"),
    ("tzdata", "all", "install ok installed"),
]


def write_status(path, packages):
    """A dpkg ``status`` file for ``packages``."""
    stanzas = []
    for name, arch, status in packages:
        arch = arch or native_arch()
        stanzas.append(textwrap.dedent("""\
            Package: {}
            Status: {}
            Priority: optional
            Section: libs
            Maintainer: Test <test@example.org>
            Architecture: {}
            Multi-Arch: {}
            Version: 1.0-1
            Description: test package {}
            """).format(name, status, arch,
                       "foreign" if arch == "all" else "same", name))
    with open(path, "w") as f:
        f.write("\n".join(stanzas))


@pytest.fixture
def dpkg_db(tmp_path, monkeypatch):
    """DPKG_ADMINDIR pointing at a crafted database."""
    if not shutil.which("dpkg-query"):
        pytest.skip("dpkg-query is not installed")
    admin = tmp_path / "dpkg"
    (admin / "info").mkdir(parents=True)
    (admin / "updates").mkdir()
    write_status(admin / "status", DPKG_PACKAGES)
    monkeypatch.setenv("DPKG_ADMINDIR", str(admin))
    return admin


def native_arch():
    return subprocess.run(["dpkg", "--print-architecture"],
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def apt_config(tmp_path, dpkg_db, monkeypatch):
    """APT_CONFIG for an apt that knows ``libopenblas0-pthread`` and the
    crafted dpkg database, from a local flat repository."""
    if not (shutil.which("apt-get") and shutil.which("apt-cache")):
        pytest.skip("apt is not installed")
    root = tmp_path / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "etc/apt.conf.d",
                "etc/preferences.d", "etc/sources.list.d", "repo"):
        (root / sub).mkdir(parents=True)
    arch = native_arch()
    (root / "repo" / "Packages").write_text(textwrap.dedent("""\
        Package: libopenblas0-pthread
        Version: 0.3.21+ds-4
        Architecture: {0}
        Maintainer: Test <test@example.org>
        Filename: ./libopenblas0-pthread_0.3.21+ds-4_{0}.deb
        Size: 100
        Description: OpenBLAS

        Package: libpiwtest-absent1
        Version: 1.0-1
        Architecture: {0}
        Maintainer: Test <test@example.org>
        Filename: ./libpiwtest-absent1_1.0-1_{0}.deb
        Size: 100
        Description: the library the ELF tests need

        Package: libpiwtest-absent1-pthread
        Version: 1.0-1
        Architecture: {0}
        Maintainer: Test <test@example.org>
        Filename: ./libpiwtest-absent1-pthread_1.0-1_{0}.deb
        Size: 100
        Description: a flavour of it, as libopenblas0-pthread is
        """).format(arch))
    (root / "sources.list").write_text(
        "deb [trusted=yes] file:{} ./\n".format(root / "repo"))
    conf = root / "apt.conf"
    conf.write_text(textwrap.dedent("""\
        Dir::State "{r}/";
        Dir::State::Lists "{r}/lists/";
        Dir::State::status "{s}";
        Dir::Cache "{r}/cache/";
        Dir::Etc "{r}/etc/";
        Dir::Etc::sourcelist "{r}/sources.list";
        Dir::Etc::sourceparts "{r}/etc/sources.list.d/";
        APT::Architecture "{a}";
        Acquire::Languages "none";
        """).format(r=root, s=dpkg_db / "status", a=arch))
    monkeypatch.setenv("APT_CONFIG", str(conf))
    proc = subprocess.run(["apt-get", "update", "-q"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        pytest.skip("apt-get update failed: " + proc.stderr[-200:])
    return conf


@pytest.fixture
def apt_file(apt_config, tmp_path):
    """apt_config's apt with Contents lists for apt-file, as
    /etc/apt/apt.conf.d/50apt-file.conf fetches them: they say
    ``libpiwtest-other1`` ships libpiwtest-absent.so.1 (not the package
    Debian's naming gives it)."""
    conf = "/etc/apt/apt.conf.d/50apt-file.conf"
    if not shutil.which("apt-file") or not os.path.exists(conf):
        pytest.skip("apt-file is not installed (CI installs it)")
    root = tmp_path / "apt"
    shutil.copy(conf, root / "etc" / "apt.conf.d")
    arch = native_arch()
    triplet = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"],
                             capture_output=True, text=True).stdout.strip() \
        if shutil.which("dpkg-architecture") else "x86_64-linux-gnu"
    (root / "repo" / "Contents-{}".format(arch)).write_text(
        "usr/lib/{0}/libpiwtest-absent.so.1\tlibs/libpiwtest-other1\n"
        "usr/share/doc/libpiwtest-absent.so.1\tdoc/libpiwtest-doc\n"
        .format(triplet))
    proc = subprocess.run(["apt-get", "update", "-q"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        pytest.skip("apt-get update failed: " + proc.stderr[-200:])
    return apt_config


def pi_tags(abi="cp311", arch="armv7l"):
    """The tags a Raspberry Pi's pip computes, in its order."""
    py = (3, int(abi[3:].rstrip("mt")))
    plats = ["manylinux_2_36_" + arch, "manylinux_2_17_" + arch,
             "manylinux2014_" + arch, "linux_" + arch]
    interp = "cp{}{}".format(*py)
    return [str(t) for t in list(tags.cpython_tags(py, [abi], plats))
            + list(tags.compatible_tags(py, interp, plats))]


@pytest.fixture
def pi_python(tmp_path):
    """Make an executable that answers piwcheck's --python question the way
    a Raspberry Pi's python3 would (tags, marker environment)."""
    def make(abi="cp311", arch="armv7l", full="3.11.2"):
        env = {"implementation_name": "cpython",
               "implementation_version": full, "os_name": "posix",
               "platform_machine": arch, "platform_release": "6.6.51+rpt",
               "platform_system": "Linux", "platform_version": "#1 SMP",
               "python_full_version": full,
               "platform_python_implementation": "CPython",
               "python_version": full.rsplit(".", 1)[0],
               "sys_platform": "linux"}
        path = tmp_path / "python-{}-{}".format(abi, arch)
        answer = json.dumps({"tags": pi_tags(abi, arch), "env": env})
        assert "'" not in answer
        # printf is a shell builtin: the script works with an empty PATH
        path.write_text("#!/bin/sh\nprintf '%s\\n' '{}'\n".format(answer))
        path.chmod(0o755)
        return str(path)
    return make
