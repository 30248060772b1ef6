# SPDX-License-Identifier: BSD-3-Clause
"""After the install (#14): real shared objects from real compilers (this
machine's gcc, and Debian's ARM cross compilers), in a crafted
site-packages and in wheel files; what each needs, where the loader finds
it, which apt package provides what is missing."""

import json
import os
import shutil
import subprocess
import sysconfig
import zipfile

import pytest

from conftest import native_arch
from helpers import site_python
from piwcheck.cli import main
from piwcheck.libs.elf import read
from piwcheck.libs.installed import check_installed
from piwcheck.libs.loader import Loader
from piwcheck.libs.machine import Machine, this_machine
from piwcheck.libs.naming import guess_packages

SOURCE = "int piwtest_f(void) { return 1; }\n"
ABSENT = "libpiwtest-absent.so.1"

needs_gcc = pytest.mark.skipif(not shutil.which("gcc"),
                               reason="gcc is not installed")
needs_arm = pytest.mark.skipif(
    not shutil.which("arm-linux-gnueabihf-gcc"),
    reason="gcc-arm-linux-gnueabihf is not installed (CI installs it)")


def compile_so(tmp_path, out, cc="gcc", soname=None, needs=(), runpath=None,
               march=None, startfiles=True):
    """A real shared object: ``needs`` are (folder, -l name) to link."""
    src = tmp_path / "src.c"
    src.write_text(SOURCE)
    cmd = [cc, "-shared", "-fPIC", "-o", str(out), str(src),
           "-Wl,--no-as-needed"]
    if march:
        cmd += ["-marm", "-march=" + march]
    if not startfiles:
        cmd.append("-nostartfiles")
    if soname:
        cmd.append("-Wl,-soname," + soname)
    if runpath:
        cmd.append("-Wl,--enable-new-dtags,-rpath," + runpath)
    for folder, lib in needs:
        cmd += ["-L" + str(folder), "-l" + lib]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def stub(tmp_path, cc="gcc", march=None):
    """A library whose soname is ABSENT, to link against and then leave
    out, as a missing apt package leaves it out."""
    folder = tmp_path / ("stub-" + cc)
    folder.mkdir(exist_ok=True)
    compile_so(tmp_path, folder / "libpiwtest.so", cc, soname=ABSENT,
               march=march)
    return folder


def dist(site, name, version, files):
    """An installed distribution: its files and a RECORD naming them."""
    info = site / "{}-{}.dist-info".format(name, version)
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: {}\n"
                                   "Version: {}\n".format(name, version))
    rows = []
    for rel, path in files.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        rows.append("{},,\n".format(rel))
    (info / "RECORD").write_text("".join(rows))


def fancy_module(tmp_path):
    """(module, its bundled library): the module needs ABSENT and
    libbundled.so.1, which it finds through $ORIGIN/../fancy.libs."""
    s = stub(tmp_path)
    bundled = compile_so(tmp_path, tmp_path / "libbundled.so.1",
                         soname="libbundled.so.1")
    bdir = tmp_path / "bundle"
    bdir.mkdir()
    shutil.copy(bundled, bdir / "libbundled.so.1")
    mod = compile_so(tmp_path, tmp_path / "mod.so", needs=[
        (s, "piwtest"), (bdir, ":libbundled.so.1")],
        runpath="$ORIGIN/../fancy.libs")
    return mod, bundled


@pytest.fixture
def site(tmp_path):
    return tmp_path / "site-packages"


@needs_gcc
def test_reading_a_real_object(tmp_path):
    s = stub(tmp_path)
    so = compile_so(tmp_path, tmp_path / "m.so", needs=[(s, "piwtest")],
                    runpath="$ORIGIN/../x.libs")
    info = read(open(so, "rb"), "m.so")
    assert info.needed[0] == ABSENT and "libc.so.6" in info.needed
    assert info.runpath == ("$ORIGIN/../x.libs",) and info.rpath == ()


@needs_gcc
def test_an_installed_environment(tmp_path, site, capsys, apt_config,
                                  monkeypatch):
    """A missing soname is named, with the package Debian's naming gives
    and apt confirms; a bundled library is found through $ORIGIN; the
    system's libc is found and owned; the apt line installs the one
    package."""
    mod, bundled = fancy_module(tmp_path)
    ok = compile_so(tmp_path, tmp_path / "ok.so")
    triplet = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    dist(site, "fancy", "1.0", {"fancy/_core.cpython-311-{}.so".format(
        triplet): mod, "fancy.libs/libbundled.so.1": bundled})
    dist(site, "plain", "2.0", {"plain/_c.so": ok})
    python = site_python(tmp_path, site)
    info = os.path.join(os.environ["DPKG_ADMINDIR"], "info")
    libc = "/lib/{}/libc.so.6".format(triplet)  # this machine's, owned
    with open(os.path.join(info, "libc6:{}.list".format(native_arch())),
              "w") as f:
        f.write("{}\n{}\n".format(libc, os.path.realpath(libc)))
    code = main(["--installed", "--python", str(python), "--json"])
    doc = json.loads(capsys.readouterr().out)
    dists = {d["name"]: d for d in doc["distributions"]}
    fancy = dists["fancy"]
    assert code == 1 and fancy["status"] == "missing-apt"
    libs = {lib["soname"]: lib for lib in fancy["libraries"]}
    assert libs[ABSENT]["path"] is None
    assert libs[ABSENT]["package"] == "libpiwtest-absent1"
    assert libs[ABSENT]["package_guessed"] and libs[ABSENT]["known_to_apt"]
    assert libs["libbundled.so.1"]["found_by"] == "DT_RUNPATH"
    assert libs["libbundled.so.1"]["path"] == str(
        site / "fancy.libs" / "libbundled.so.1")
    assert libs["libc.so.6"]["package"] == "libc6"
    assert dists["plain"]["status"] == "ok"
    assert doc["apt_command"] == "sudo apt install libpiwtest-absent1"
    main(["--installed", "--python", str(python)])
    out = capsys.readouterr().out
    assert "fancy 1.0: missing apt packages" in out
    assert "libpiwtest-absent.so.1  missing: apt package libpiwtest-absent1" \
        " (Debian's naming; apt knows it)" in out
    assert out.rstrip().endswith("sudo apt install libpiwtest-absent1")


@needs_gcc
def test_a_guess_no_apt_confirms_stays_out_of_the_apt_command(
        tmp_path, site, capsys, monkeypatch):
    """No apt here (apt-cache and apt-file not on PATH): the package
    Debian's naming gives a missing soname is said to be probably it,
    and the apt command does not name it."""
    mod, bundled = fancy_module(tmp_path)
    dist(site, "fancy", "1.0", {"fancy/_core.so": mod,
                                "fancy.libs/libbundled.so.1": bundled})
    python = site_python(tmp_path, site)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if not name.startswith("apt") and \
                        not (bin_dir / name).exists():
                    (bin_dir / name).symlink_to(os.path.join(folder, name))
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("apt-cache") is None
    code = main(["--installed", "--python", str(python), "--json"])
    doc = json.loads(capsys.readouterr().out)
    main(["--installed", "--python", str(python)])
    out = capsys.readouterr().out
    fancy = doc["distributions"][0]
    lib = {lib["soname"]: lib for lib in fancy["libraries"]}[ABSENT]
    assert code == 1 and fancy["status"] == "missing-lib"
    assert lib["package"] == "libpiwtest-absent1" and lib["package_guessed"]
    assert lib["known_to_apt"] is None
    assert doc["apt_install"] == [] and doc["apt_command"] is None
    assert "missing: probably apt package libpiwtest-absent1 (Debian's " \
        "naming; no apt here to confirm it, so not in the apt command)" in out
    assert "sudo apt install" not in out


@needs_arm
def test_armv7_code_on_an_armv6_cpu(tmp_path, site):
    """Illegal instruction, found before it happens: Tag_CPU_arch v7 on
    an ARMv6 CPU (a Pi Zero); the v6 build of the same code is fine."""
    cc = "arm-linux-gnueabihf-gcc"
    v7 = compile_so(tmp_path, tmp_path / "v7.so", cc, march="armv7-a+fp")
    v6 = compile_so(tmp_path, tmp_path / "v6.so", cc, march="armv6+fp",
                    startfiles=False)
    assert read(open(v6, "rb"), "v6").cpu_arch == 6
    assert read(open(v7, "rb"), "v7").cpu_arch == 10
    dist(site, "seven", "1", {"seven/_m.so": v7})
    dist(site, "six", "1", {"six/_m.so": v6})
    zero = Machine("arm", 32, "hard", 6)
    found = {d.name: d for d in check_installed([str(site)], zero,
                                                Loader(cache={}))}
    assert found["seven"].wrong == [("seven/_m.so", "compiled for ARMv7, "
                                     "this CPU is ARMv6 (a Pi Zero or Pi 1):"
                                     " 'Illegal instruction'")]
    assert found["six"].wrong == []
    pi4 = Machine("arm", 32, "hard", 7)
    assert check_installed([str(site)], pi4, Loader(cache={}))[0].wrong == []


@needs_arm
def test_wrong_architecture_and_float_abi(tmp_path, site):
    arm = compile_so(tmp_path, tmp_path / "a.so", "arm-linux-gnueabihf-gcc",
                     march="armv7-a+fp")
    dist(site, "armlib", "1", {"armlib/_m.so": arm})
    x86 = Machine("x86_64", 64, None)
    d = check_installed([str(site)], x86, Loader(cache={}))[0]
    assert d.wrong[0][1] == "built for arm (32-bit), this machine is x86_64"
    armel = Machine("arm", 32, "soft", 7)
    d = check_installed([str(site)], armel, Loader(cache={}))[0]
    assert "hard-float ABI, this system is soft-float" in d.wrong[0][1]


def test_the_cpu_comes_from_cpuinfo(tmp_path, monkeypatch):
    """The CPU description is a seam: a Pi Zero's /proc/cpuinfo."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nmodel name : ARMv6-compatible "
                       "processor rev 7 (v6l)\nCPU architecture: 7\n")
    monkeypatch.setenv("PIWCHECK_CPUINFO", str(cpuinfo))
    assert this_machine("armhf") == Machine("arm", 32, "hard", 6)


@needs_gcc
def test_a_wheel_file_read_inside_its_zip(tmp_path, capsys):
    """The same check of a wheel file, from inside the zip: its bundled
    library is found beside the module, the missing one is named."""
    mod, bundled = fancy_module(tmp_path)
    wheel = tmp_path / "fancy-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.write(mod, "fancy/_core.so")
        z.write(bundled, "fancy.libs/libbundled.so.1")
        z.writestr("fancy-1.0.dist-info/METADATA",
                   "Metadata-Version: 2.1\nName: fancy\nVersion: 1.0\n")
    code = main(["--json", str(wheel)])
    doc = json.loads(capsys.readouterr().out)
    d = doc["distributions"][0]
    libs = {lib["soname"]: lib for lib in d["libraries"]}
    assert libs["libbundled.so.1"]["path"] == "fancy.libs/libbundled.so.1"
    assert libs["libbundled.so.1"]["found_by"] == "in the wheel (DT_RUNPATH)"
    assert libs[ABSENT]["path"] is None and code == 1
    assert not (tmp_path / "fancy").exists()  # nothing unpacked


def test_a_wheel_that_is_not_a_zip(tmp_path, capsys):
    bad = tmp_path / "bad-1.0-py3-none-any.whl"
    bad.write_text("not a zip")
    code = main([str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "not a wheel file" in err and err.count("\n") == 1


@pytest.mark.parametrize("soname,codename,names", [
    ("libopenblas.so.0", "bookworm", ["libopenblas0-pthread"]),
    ("libGL.so.1", "bookworm", ["libgl1"]),
    ("libssl.so.1.1", "bullseye", ["libssl1.1"]),
    ("libfoo-2.0.so.0", "bookworm", ["libfoo-2.0-0"]),
    ("libglib-2.0.so.0", "bookworm", ["libglib2.0-0"]),
    ("libgthread-2.0.so.0", "trixie", ["libglib2.0-0t64"]),
    ("libssl.so.3", "trixie", ["libssl3t64"]),
    ("libfoo.so.3", "trixie", ["libfoo3", "libfoo3t64"]),
    ("libjpeg.so.62", "trixie", ["libjpeg62-turbo"]),
    ("libstdc++.so.6", "bookworm", ["libstdc++6"]),
    ("notalib.so", "bookworm", []),
])
def test_debian_library_package_naming(soname, codename, names):
    assert guess_packages(soname, codename) == names


def test_no_name_apt_misreads_becomes_a_librarys_package(tmp_path):
    """piwheels' list (for an installed distribution) and any other
    source: a name apt would read as a removal, a regex or another
    architecture's package is an error of the distribution, never a
    library's package, so never in the apt command."""
    from piwcheck.libs.installed import Distribution, Library
    from piwcheck.libs.naming import Owners, name_packages

    def dist(name, soname, piwheels=None):
        d = Distribution(name, "1.0", str(tmp_path))
        d.libraries[soname] = Library(soname, ["m.so"])
        d.piwheels = piwheels
        return d

    listed = dist("listed", ABSENT,
                  ("listed-1.0-cp311-cp311-linux_armv7l.whl",
                   ("libpiwtest-absent1-", "zlib1g-", "libpiwtest-absent1",
                    "zlib1.+")))
    shipped = dist("shipped", "libz.so.1")
    name_packages([listed, shipped], Owners(str(tmp_path)), "bookworm",
                  lambda names: {n: True for n in names},
                  lambda sonames: {"libz.so.1": ["zlib1g-"]})
    assert listed.libraries[ABSENT].package == "libpiwtest-absent1"
    assert listed.errors == [
        "piwheels' apt list for listed-1.0-cp311-cp311-linux_armv7l.whl "
        "has an invalid apt package name {!r} ({}); ignored".format(n, why)
        for n, why in (
            ("libpiwtest-absent1-", "apt would read its trailing '-' as "
             "remove"),
            ("zlib1g-", "apt would read its trailing '-' as remove"),
            ("zlib1.+", "apt would read its trailing '+' as a modifier, "
             "not a part of the name"))]
    lib = shipped.libraries["libz.so.1"]
    assert lib.package is None and lib.known_to_apt is None
    assert shipped.errors == [
        "libz.so.1: apt-file names the invalid apt package name 'zlib1g-' "
        "(apt would read its trailing '-' as remove); ignored"]


def test_installed_is_for_this_machine(capsys):
    code = main(["--installed", "--pi", "bookworm-32"])
    assert code == 2 and "checked for this machine" in capsys.readouterr().err


# --deep: the wheel pip would fetch, downloaded from the fakes and read

needs_aarch64 = pytest.mark.skipif(
    not shutil.which("aarch64-linux-gnu-gcc"),
    reason="gcc-aarch64-linux-gnu is not installed (CI installs it)")


def wheel_bytes(tmp_path, name, mod, bundled=None):
    """A wheel's bytes: ``mod`` as name/_core.so, ``bundled`` in
    name.libs/, found there through the module's $ORIGIN RUNPATH."""
    out = tmp_path / (name + ".whl")
    with zipfile.ZipFile(out, "w") as z:
        z.write(mod, name + "/_core.so")
        if bundled is not None:
            z.write(bundled, "fancy.libs/libbundled.so.1")  # its RUNPATH
        z.writestr(name + "-1.0.dist-info/METADATA",
                   "Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n"
                   .format(name))
    return out.read_bytes()


def host_platform():
    """This machine's best platform tag (packaging 20.9 has no
    platform_tags)."""
    from packaging import tags
    return next(iter(tags.sys_tags())).platform


def serve(pypi, name, filename, data, **extra):
    pypi.files.add(name, [dict({"filename": filename, "data": data},
                               **extra)])


@needs_gcc
def test_deep_reads_the_wheel_pip_would_fetch(tmp_path, pypi, capsys,
                                             apt_config):
    """A PyPI wheel has no apt list; --deep downloads it and reads it:
    the bundled library is in the wheel, the missing one is named with
    the package apt knows, and the apt line installs it."""
    if not host_platform().endswith("x86_64"):
        pytest.skip("the host compiler's wheels are x86_64")
    mod, bundled = fancy_module(tmp_path)
    fn = "deepfancy-1.0-py3-none-{}.whl".format(host_platform())
    serve(pypi, "deepfancy", fn, wheel_bytes(tmp_path, "deepfancy", mod,
                                             bundled))
    args = ["--no-cache", "--index-url", pypi.index, "deepfancy"]
    code = main(["--json"] + args)
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["packages"][0]["deep"] is None  # not asked
    code = main(["--json", "--deep"] + args)
    doc = json.loads(capsys.readouterr().out)
    pkg = doc["packages"][0]
    libs = {lib["soname"]: lib for lib in pkg["deep"]["libraries"]}
    assert libs["libbundled.so.1"]["found_by"] == "in the wheel (DT_RUNPATH)"
    assert libs[ABSENT]["path"] is None and libs[ABSENT]["checked"]
    assert libs[ABSENT]["package"] == "libpiwtest-absent1"
    assert pkg["status"] == "missing-apt" and code == 1
    assert doc["apt_command"] == "sudo apt install libpiwtest-absent1"
    main(["--deep"] + args)
    out = capsys.readouterr().out
    assert "  libs:   libc.so.6" in out
    assert "libpiwtest-absent.so.1  missing: apt package libpiwtest-absent1" \
        " (Debian's naming; apt knows it)" in out
    assert "  files:  2 compiled files, 1 library bundled" in out
    assert out.rstrip().endswith("Install the missing apt packages with:\n"
                                 "  sudo apt install libpiwtest-absent1")


@needs_gcc
def test_deep_keeps_the_wheel_by_its_hash(tmp_path, pypi, capsys):
    mod = compile_so(tmp_path, tmp_path / "ok.so")
    fn = "deepkept-1.0-py3-none-{}.whl".format(host_platform())
    data = wheel_bytes(tmp_path, "deepkept", mod)
    serve(pypi, "deepkept", fn, data)
    cache = tmp_path / "cache"
    args = ["--json", "--deep", "--cache-dir", str(cache), "--index-url",
            pypi.index, "deepkept"]
    for _ in range(2):
        assert main(args) == 0
        assert json.loads(capsys.readouterr().out)["packages"][0]["deep"]
    import hashlib
    kept = cache / "wheels" / (hashlib.sha256(data).hexdigest() + ".whl")
    assert kept.read_bytes() == data
    downloads = [p for _, p in pypi.arrivals if p.endswith(".whl")]
    assert len(downloads) == 1  # the second run read the kept file
    assert not [p for p in os.listdir(cache / "wheels")
                if p.endswith(".part")]


@needs_gcc
def test_deep_refuses_a_wheel_whose_hash_is_not_the_indexs(tmp_path, pypi,
                                                           capsys):
    """pip refuses a file whose sha256 is not the index's: so does
    --deep, and keeps nothing."""
    mod = compile_so(tmp_path, tmp_path / "ok.so")
    fn = "deepbad-1.0-py3-none-{}.whl".format(host_platform())
    serve(pypi, "deepbad", fn, wheel_bytes(tmp_path, "deepbad", mod),
          sha256="0" * 64)
    cache = tmp_path / "cache"
    code = main(["--deep", "--cache-dir", str(cache), "--index-url",
                 pypi.index, "deepbad"])
    out, err = capsys.readouterr()
    assert code == 3 and "deepbad 1.0: error" in out
    assert "its sha256 is" in out and "not the 0000" in out
    assert os.listdir(cache / "wheels") == []


@needs_gcc
def test_deep_has_a_size_cap(tmp_path, pypi, capsys, monkeypatch):
    import piwcheck.libs.deep
    monkeypatch.setattr(piwcheck.libs.deep, "MAX_BYTES", 1000)
    mod = compile_so(tmp_path, tmp_path / "ok.so")
    fn = "deepbig-1.0-py3-none-{}.whl".format(host_platform())
    serve(pypi, "deepbig", fn, wheel_bytes(tmp_path, "deepbig", mod))
    code = main(["--deep", "--no-cache", "--index-url", pypi.index,
                 "deepbig"])
    out = capsys.readouterr().out
    size = len(pypi.files.data(pypi.files.entries["deepbig"][0]))
    assert code == 3 and "  warning: --deep: {} is {:.1f} MB, more than " \
        "--deep downloads (0.0 MB)".format(fn, size / 1e6) in out
    assert not [p for _, p in pypi.arrivals if p.endswith(".whl")]


@needs_gcc
def test_deep_stops_a_download_past_the_cap(tmp_path, fresh_server, capsys,
                                            monkeypatch):
    """An index that gives a wrong size is stopped by the download's own
    count of bytes."""
    import hashlib

    import piwcheck.libs.deep
    if not host_platform().endswith("x86_64"):
        pytest.skip("the host compiler's wheels are x86_64")
    monkeypatch.setattr(piwcheck.libs.deep, "MAX_BYTES", 1000)
    mod = compile_so(tmp_path, tmp_path / "ok.so")
    data = wheel_bytes(tmp_path, "deeplie", mod)
    fn = "deeplie-1.0-py3-none-linux_x86_64.whl"
    fresh_server.add("deeplie", {"package": "deeplie", "releases": {"1.0": {
        "released": "2024-01-01 00:00:00", "prerelease": False,
        "yanked": False, "skip_reason": "", "files": {fn: {
            "file_url": "{}/simple/deeplie/{}".format(fresh_server.url, fn),
            "filehash": hashlib.sha256(data).hexdigest(), "filesize": 10,
            "builder_abi": "cp311", "file_abi_tag": "none",
            "platform": "linux_x86_64", "requires_python": None,
            "apt_dependencies": ["libc6"], "pip_dependencies": []}}}}})
    fresh_server.files.entries["deeplie"][0]["data"] = data
    code = main(["--deep", "--no-cache", "--piwheels-url", fresh_server.url,
                 "--index-url", fresh_server.index, "deeplie"])
    out = capsys.readouterr().out
    assert "--deep: {}/simple/deeplie/{}: larger than 0.0 MB".format(
        fresh_server.url, fn) in out and code == 3


@needs_aarch64
def test_deep_for_another_machine(tmp_path, pypi, capsys):
    """A 64-bit Pi, checked from a PC: the aarch64 module's libraries are
    not looked for here, but named with Debian's package naming."""
    cc = "aarch64-linux-gnu-gcc"
    s = stub(tmp_path, cc)
    mod = compile_so(tmp_path, tmp_path / "a64.so", cc, needs=[(s, "piwtest")])
    assert read(open(mod, "rb"), "a64").machine == "aarch64"
    fn = "deeparm-1.0-py3-none-manylinux_2_17_aarch64.whl"
    serve(pypi, "deeparm", fn, wheel_bytes(tmp_path, "deeparm", mod))
    req = tmp_path / "req.txt"
    req.write_text("--index-url {}\ndeeparm\n".format(pypi.index))
    code = main(["--json", "--deep", "--no-cache", "--pi", "bookworm-64",
                 "-r", str(req)])
    pkg = json.loads(capsys.readouterr().out)["packages"][0]
    libs = {lib["soname"]: lib for lib in pkg["deep"]["libraries"]}
    assert not libs[ABSENT]["checked"] and libs[ABSENT]["path"] is None
    assert libs[ABSENT]["package"] == "libpiwtest-absent1"
    assert libs["libc.so.6"]["package"] == "libc6"
    assert pkg["status"] == "ok" and code == 0


@needs_arm
def test_deep_confirms_piwheels_apt_list(tmp_path, fresh_server, pypi,
                                         capsys):
    """A piwheels wheel whose files need a library its apt list does not
    name: --deep says so; ARMv7 code is flagged for an ARMv6 Pi."""
    import hashlib
    cc = "arm-linux-gnueabihf-gcc"
    s = stub(tmp_path, cc, march="armv7-a+fp")
    mod = compile_so(tmp_path, tmp_path / "v7.so", cc, needs=[(s, "piwtest")],
                     march="armv7-a+fp")
    data = wheel_bytes(tmp_path, "deeppiw", mod)
    files = {}
    for plat in ("linux_armv6l", "linux_armv7l"):  # one build, two names
        fn = "deeppiw-1.0-py3-none-{}.whl".format(plat)
        files[fn] = {
            "file_url": "{}/simple/deeppiw/{}".format(fresh_server.url, fn),
            "filehash": hashlib.sha256(data).hexdigest(),
            "filesize": len(data), "builder_abi": "cp311",
            "file_abi_tag": "none", "platform": plat,
            "requires_python": None, "apt_dependencies": ["libc6"],
            "pip_dependencies": []}
    fresh_server.add("deeppiw", {"package": "deeppiw", "releases": {"1.0": {
        "released": "2024-01-01 00:00:00", "prerelease": False,
        "yanked": False, "skip_reason": "", "files": files}}})
    for e in fresh_server.files.entries["deeppiw"]:
        e["data"] = data
    code = main(["--deep", "--no-cache", "--pi", "bookworm-armv6",
                 "--piwheels-url", fresh_server.url, "--index-url",
                 pypi.index, "--extra-index-url", fresh_server.index,
                 "deeppiw"])
    out = capsys.readouterr().out
    assert "deeppiw 1.0: cannot run on this machine" in out
    assert "compiled for ARMv7, this CPU is ARMv6" in out
    code = main(["--deep", "--no-cache", "--pi", "bookworm-32",
                 "--piwheels-url", fresh_server.url, "--index-url",
                 pypi.index, "--extra-index-url", fresh_server.index,
                 "deeppiw"])
    out = capsys.readouterr().out
    assert "deeppiw 1.0: ok" in out and code == 0
    assert "its compiled files need libpiwtest-absent.so.1 " \
        "(libpiwtest-absent1, by Debian's naming), which piwheels' apt " \
        "list does not name" in out


@needs_gcc
def test_a_wheel_files_own_metadata(tmp_path, capsys):
    """Its Requires-Python decides whether this Python installs it; its
    Requires-Dist, markers evaluated here, are what pip installs too."""
    import sys
    mod = compile_so(tmp_path, tmp_path / "ok.so")
    here = "{}.{}".format(*sys.version_info[:2])

    def make(requires_python):
        wheel = tmp_path / "meta-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            z.write(mod, "meta/_c.so")
            z.writestr("meta-1.0.dist-info/WHEEL",
                       "Wheel-Version: 1.0\nTag: py3-none-any\n")
            z.writestr("meta-1.0.dist-info/METADATA", (
                "Metadata-Version: 2.1\nName: meta\nVersion: 1.0\n"
                "Requires-Python: {}\nRequires-Dist: cffi>=1.12\n"
                "Requires-Dist: tomli; python_version < \"3.0\"\n"
                "Requires-Dist: rich; extra == \"cli\"\n"
                "Provides-Extra: cli\n").format(requires_python))
        return wheel
    code = main(["--json", str(make(">=" + here))])
    d = json.loads(capsys.readouterr().out)["distributions"][0]
    assert d["requires_dist"] == ["cffi>=1.12"] and code == 0
    main([str(make(">=" + here))])
    assert "  needs:  cffi>=1.12 (from its METADATA; pip installs these " \
        "too)" in capsys.readouterr().out
    code = main(["--json", str(make("<3"))])
    d = json.loads(capsys.readouterr().out)["distributions"][0]
    assert d["status"] == "wrong-arch" and code == 1
    assert d["cannot_run"][0]["why"].startswith("it requires Python <3, "
                                                "this one is 3.")


@needs_gcc
def test_installed_from_piwheels_takes_its_apt_list(
        tmp_path, site, capsys, apt_config, fresh_server, monkeypatch):
    """A distribution whose name, version and WHEEL tags match a piwheels
    file, with pip configured for piwheels: the missing library's package
    is the entry of that file's apt list (a flavour, as
    libopenblas0-pthread is of libopenblas0), not Debian's bare naming."""
    import hashlib
    s = stub(tmp_path)
    mod = compile_so(tmp_path, tmp_path / "m.so", needs=[(s, "piwtest")])
    dist(site, "piwnum", "1.0", {"piwnum/_core.so": mod})
    plat = "linux_x86_64"
    (site / "piwnum-1.0.dist-info" / "WHEEL").write_text(
        "Wheel-Version: 1.0\nTag: py3-none-{}\n".format(plat))
    fn = "piwnum-1.0-py3-none-{}.whl".format(plat)
    fresh_server.add("piwnum", {"package": "piwnum", "releases": {"1.0": {
        "released": "2024-01-01 00:00:00", "prerelease": False,
        "yanked": False, "skip_reason": "", "files": {fn: {
            "file_url": fresh_server.url + "/simple/piwnum/" + fn,
            "filehash": hashlib.sha256(b"x").hexdigest(), "filesize": 1,
            "builder_abi": "cp311", "file_abi_tag": "none",
            "platform": plat, "requires_python": None,
            "apt_dependencies": ["libc6", "libpiwtest-absent1-pthread"],
            "pip_dependencies": []}}}}})
    python = site_python(tmp_path, site)
    args = ["--installed", "--python", str(python), "--json", "--no-cache",
            "--piwheels-url", fresh_server.url]
    # pip not configured for piwheels: piwheels is not asked
    code = main(args)
    d = json.loads(capsys.readouterr().out)["distributions"][0]
    assert d["libraries"][-1]["package"] == "libpiwtest-absent1"
    assert fresh_server.count("piwnum") == 0 and d["piwheels_file"] is None
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nextra-index-url = {}\n".format(
        fresh_server.index))
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    code = main(args)
    doc = json.loads(capsys.readouterr().out)
    d = doc["distributions"][0]
    libs = {lib["soname"]: lib for lib in d["libraries"]}
    assert libs[ABSENT]["package"] == "libpiwtest-absent1-pthread"
    assert not libs[ABSENT]["package_guessed"]
    assert libs[ABSENT]["known_to_apt"] and d["piwheels_file"] == fn
    assert doc["apt_command"] == "sudo apt install libpiwtest-absent1-pthread"
    assert code == 1


@needs_gcc
def test_apt_file_names_the_package_that_ships_a_missing_library(
        tmp_path, site, capsys, apt_file):
    """With apt-file's Contents lists, the package that ships the soname
    in a library folder is named (not a file of that name elsewhere),
    ahead of Debian's naming."""
    s = stub(tmp_path)
    mod = compile_so(tmp_path, tmp_path / "m.so", needs=[(s, "piwtest")])
    dist(site, "needy", "1.0", {"needy/_core.so": mod})
    python = site_python(tmp_path, site)
    code = main(["--installed", "--python", str(python), "--json"])
    doc = json.loads(capsys.readouterr().out)
    libs = {lib["soname"]: lib for lib in
            doc["distributions"][0]["libraries"]}
    assert libs[ABSENT]["package"] == "libpiwtest-other1"
    assert libs[ABSENT]["package_from"] == "apt-file"
    assert not libs[ABSENT]["package_guessed"]
    assert doc["apt_command"] == "sudo apt install libpiwtest-other1"
    main(["--installed", "--python", str(python)])
    assert "missing: apt package libpiwtest-other1 (from apt-file)" in \
        capsys.readouterr().out
    assert code == 1


def test_installed_output_goes_to_the_file(tmp_path, capsys):
    """-o writes the --installed report to the file; a file that cannot
    be written is one line and exit 2, not a traceback."""
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\nprintf '%s\\n' '[]'\n")
    python.chmod(0o755)
    args = ["--installed", "--python", str(python), "--json"]
    out_file = tmp_path / "installed.json"
    assert main(args + ["-o", str(out_file)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out_file.read_text())["distributions"] == []
    bad = str(tmp_path / "no" / "x.json")
    assert main(args + ["-o", bad]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [
        "piwcheck: error: --output {}: cannot write it: No such file or "
        "directory".format(bad)]


# --installed --python: an interpreter that never answers, or answers
# nonsense, is one line within probe.SECONDS


def _bad_python(tmp_path, body):
    path = tmp_path / "python"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_installed_python_that_never_answers(tmp_path, capsys, monkeypatch):
    import time

    from piwcheck import probe
    monkeypatch.setattr(probe, "SECONDS", 1.0)
    bad = _bad_python(tmp_path, "sleep 60 &\nexec sleep 60\n")
    began = time.monotonic()
    code = main(["--installed", "--python", bad])
    err = capsys.readouterr().err
    assert time.monotonic() - began < 5
    assert code == 2 and err == "piwcheck: error: --python {}: not a " \
        "Python interpreter piwcheck can ask (it did not answer within " \
        "1 s)\n".format(bad)


@pytest.mark.parametrize("said", ["", "[1, 2]", '{"a": 1}', "[[[[" * 1000,
                                  "not json"],
                         ids=["empty", "numbers", "object", "nested", "text"])
def test_installed_python_that_answers_nonsense(tmp_path, capsys, said):
    bad = _bad_python(tmp_path, "cat <<'END'\n{}\nEND\n".format(said))
    code = main(["--installed", "--python", bad])
    err = capsys.readouterr().err
    assert code == 2 and err == "piwcheck: error: --python {}: not a " \
        "Python interpreter piwcheck can ask\n".format(bad)
