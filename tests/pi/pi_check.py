#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Prove piwcheck on a Pi: install the built .deb into emulated ARM Debian
roots (qemu-user via binfmt_misc, debootstrap) and run the installed
/usr/bin/piwcheck there, with no --abi/--platform, against the test
servers on the host's 127.0.0.1: each root's /etc/pip.conf names them as
Raspberry Pi OS's names PyPI and piwheels.

    sudo python3 tests/pi/pi_check.py PIWCHECK_DEB [--roots DIR] [ROOT...]

ROOT is bookworm-armhf, trixie-armhf or bookworm-arm64 (default: all).
Roots are built once and reused (DIR defaults to /var/tmp/piwcheck-roots);
mounts are undone even when interrupted.  Needs root and Debian's
qemu-user-static and debootstrap (installed when missing).  Prints each
root's detected target and timings; exits non-zero on any failed check.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from piwserver import PiwheelsServer  # noqa: E402
from pypiserver import PypiServer  # noqa: E402

ROOTS = {
    "bookworm-armhf": ("bookworm", "armhf", "arm"),
    "trixie-armhf": ("trixie", "armhf", "arm"),
    "bookworm-arm64": ("bookworm", "arm64", "aarch64"),
}
COMPLETE = ".piwcheck-root-complete"
#: apt packages numpy's armv7l wheels need, absent from a minimal root.
NUMPY_APT = ["libgfortran5", "libopenblas0-pthread"]

MARKERS = """\
# what each machine would install
RPi.GPIO; platform_machine == "armv7l" or platform_machine == "armv6l"
gpiozero; platform_machine == "aarch64"
colorzero; python_version >= "3.13"
"""


class Failed(Exception):
    pass


def log(*args):
    print(*args, flush=True)


def sh(*cmd, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(list(cmd), **kwargs)


def ensure_tools():
    missing = [p for p, tool in (("qemu-user-static", "qemu-arm-static"),
                                 ("debootstrap", "debootstrap"))
               if not shutil.which(tool)]
    if missing:
        log("installing", " ".join(missing))
        sh("apt-get", "install", "-y", "-q", "--no-install-recommends",
           *missing, stdout=subprocess.DEVNULL)


def ensure_binfmt(qemu):
    """Register qemu-``qemu`` with the F flag (the interpreter is opened
    now, so it works inside a chroot)."""
    top = "/proc/sys/fs/binfmt_misc"
    if not os.path.exists(os.path.join(top, "register")):
        sh("mount", "-t", "binfmt_misc", "binfmt_misc", top)
    entry = os.path.join(top, "qemu-" + qemu)
    if os.path.exists(entry):
        with open(entry) as f:
            flags = [l for l in f.read().splitlines()
                     if l.startswith("flags:")]
        if flags and "F" not in flags[0]:
            raise Failed("{} is registered without the F flag; remove it "
                         "(echo -1 > {}) and run again".format(entry, entry))
        return
    with open("/usr/lib/binfmt.d/qemu-{}.conf".format(qemu)) as f:
        line = f.read().strip()
    with open(os.path.join(top, "register"), "w") as f:
        f.write(line)
    log("registered binfmt handler qemu-" + qemu)


def debian_mirror():
    """The Debian mirror this machine's apt uses (never written into the
    project: read at run time)."""
    files = ["/etc/apt/sources.list"] + sorted(
        glob.glob("/etc/apt/sources.list.d/*.list")
        + glob.glob("/etc/apt/sources.list.d/*.sources"))
    for path in files:
        try:
            text = open(path).read()
        except OSError:
            continue
        if path.endswith(".sources"):
            for stanza in text.split("\n\n"):
                fields = {}
                for line in stanza.splitlines():
                    if ":" in line and not line.startswith("#"):
                        key, _, value = line.partition(":")
                        fields[key.strip()] = value.split()
                suites = fields.get("Suites", [])
                if any("-" not in s for s in suites) and \
                        "debian-security" not in " ".join(
                            fields.get("URIs", [])):
                    for uri in fields.get("URIs", []):
                        return uri
        else:
            for line in text.splitlines():
                parts = line.split()
                if len(parts) >= 3 and parts[0] == "deb" and \
                        "-" not in parts[-2] and "security" not in line:
                    uri = [p for p in parts[1:] if "://" in p]
                    if uri:
                        return uri[0]
    raise Failed("no Debian mirror found in this machine's apt sources")


class Mounts:
    """/proc and /dev inside a root, undone on exit or a signal."""

    def __init__(self, root):
        self.root = root
        self.done = []

    def __enter__(self):
        for kind, source, where in (("proc", "proc", "proc"),
                                    ("bind", "/dev", "dev"),
                                    ("bind", "/dev/pts", "dev/pts")):
            target = os.path.join(self.root, where)
            os.makedirs(target, exist_ok=True)
            if kind == "proc":
                sh("mount", "-t", "proc", "proc", target)
            else:
                sh("mount", "--bind", source, target)
            self.done.append(target)
        return self

    def __exit__(self, *exc):
        for target in reversed(self.done):
            subprocess.run(["umount", "-l", target])
        self.done = []


def chroot(root, *cmd, check=True, capture=False, env=None):
    env = dict({"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive",
                "no_proxy": "127.0.0.1,localhost"}, **(env or {}))
    return subprocess.run(["chroot", root] + list(cmd), env=env,
                          check=check, text=True,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.PIPE if capture else None)


def build_root(path, suite, arch, mirror):
    """debootstrap a minimal root once; reuse it when complete."""
    if os.path.exists(os.path.join(path, COMPLETE)):
        log("reusing", path)
        return
    if os.path.exists(path):
        shutil.rmtree(path)  # an incomplete earlier try
    log("debootstrap", suite, arch, "into", path)
    sh("debootstrap", "--variant=minbase", "--arch=" + arch, suite, path,
       mirror, stdout=subprocess.DEVNULL)
    with open(os.path.join(path, "etc/apt/sources.list"), "w") as f:
        f.write("deb {} {} main\n".format(mirror, suite))
    open(os.path.join(path, COMPLETE), "w").close()


def write_pip_conf(root, urls):
    """/etc/pip.conf as Raspberry Pi OS ships it (piwheels as the extra
    index), with the test servers for PyPI and piwheels."""
    piw, pypi = urls
    with open(os.path.join(root, "etc/pip.conf"), "w") as f:
        f.write("[global]\nindex-url={}\nextra-index-url={}/simple\n"
                .format(pypi, piw))


def piwcheck(root, urls, *args, env=None):
    """Run the installed piwcheck in ``root``, reading the root's
    pip.conf: (exit code, JSON)."""
    proc = chroot(root, "/usr/bin/piwcheck", "--json", "--no-cache",
                  "--piwheels-url", urls[0], *args, check=False,
                  capture=True, env=env)
    if proc.returncode not in (0, 1):
        raise Failed("piwcheck {} exited {}: {}".format(
            " ".join(args), proc.returncode, proc.stderr.strip()))
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        raise Failed("piwcheck printed no JSON: " + proc.stdout[:300])


def expect(condition, message):
    if not condition:
        raise Failed(message)
    log("  ok:", message)


def packages(doc):
    return {p["name"]: p for p in doc["packages"]}


def check_bookworm_armhf(root, url):
    code, doc = piwcheck(root, url, "numpy")
    t = doc["target"]
    log("  target:", json.dumps(t))
    expect(t["abi"] == "cp311", "ABI cp311")
    expect("linux_armv7l" in t["platforms"], "platforms include linux_armv7l")
    expect("linux_armv6l" not in t["platforms"] or
           t["platforms"].index("linux_armv7l") <
           t["platforms"].index("linux_armv6l"),
           "linux_armv6l is not preferred over linux_armv7l")
    expect(t["os"] == {"id": "debian", "codename": "bookworm"},
           "os debian/bookworm")
    expect(t["dpkg_arch"] == "armhf", "dpkg_arch armhf")
    expect(t["local"] is True, "local true")
    numpy = packages(doc)["numpy"]
    expect(numpy["file"]["filename"] ==
           "numpy-2.1.3-cp311-cp311-linux_armv7l.whl",
           "the cp311 armv7l wheel is chosen")
    missing = [d["name"] for d in numpy["apt_dependencies"]
               if d["installed"] is False]
    expect(code == 1 and numpy["status"] == "missing-apt" and
           missing == NUMPY_APT,
           "missing-apt naming {}, exit 1".format(" ".join(NUMPY_APT)))
    expect(doc["apt_command"] == "sudo apt install " + " ".join(NUMPY_APT),
           "the apt command names them")
    chroot(root, "apt-get", "install", "-y", "-q", *NUMPY_APT,
           capture=True)
    try:
        code, doc = piwcheck(root, url, "numpy")
        numpy = packages(doc)["numpy"]
        expect(code == 0 and numpy["status"] == "ok",
               "after apt-get install: status ok, exit 0")
        expect(doc["apt_command"] is None, "no apt command left")
    finally:
        chroot(root, "apt-get", "purge", "-y", "-q", *NUMPY_APT,
               capture=True, check=False)


def check_trixie_armhf(root, url):
    code, doc = piwcheck(root, url, "numpy")
    t = doc["target"]
    log("  target:", json.dumps(t))
    expect(t["abi"] == "cp313", "ABI cp313")
    expect(t["os"] == {"id": "debian", "codename": "trixie"},
           "os debian/trixie")
    expect(t["dpkg_arch"] == "armhf", "dpkg_arch armhf")
    numpy = packages(doc)["numpy"]
    expect(numpy["file"]["filename"] ==
           "numpy-2.1.3-cp313-cp313-linux_armv7l.whl" and
           numpy["file"]["builder_abi"] == "cp313", "the cp313 file is chosen")


def check_bookworm_arm64(root, url):
    code, doc = piwcheck(root, url, "numpy")
    t = doc["target"]
    log("  target:", json.dumps(t))
    expect(t["dpkg_arch"] == "arm64" and "linux_aarch64" in t["platforms"],
           "dpkg_arch arm64, platform linux_aarch64")
    notes = " ".join(t["notes"])
    expect("piwheels builds wheels only for 32-bit ARM" in notes and
           "PyPI (manylinux)" in notes,
           "says piwheels builds no aarch64 wheels and pip uses PyPI's")
    expect([i["url"] for i in doc["indexes"]] ==
           [url[1], url[0] + "/simple"], "the indexes of /etc/pip.conf")
    numpy = packages(doc)["numpy"]
    expect(code == 0 and numpy["status"] == "ok" and
           numpy["file"]["filename"] == "numpy-2.1.3-cp311-cp311-manylinux"
           "_2_17_aarch64.manylinux2014_aarch64.whl" and
           numpy["file"]["index"] == url[1],
           "numpy: PyPI's manylinux aarch64 wheel, status ok, exit 0")


def check_markers(root, url, name):
    with open(os.path.join(root, "tmp/requirements.txt"), "w") as f:
        f.write(MARKERS)
    code, doc = piwcheck(root, url, "--no-deps", "-r",
                         "/tmp/requirements.txt")
    got = {n: p["status"] for n, p in packages(doc).items()}
    suite, arch = name.split("-")
    want = {
        # RPi.GPIO 0.7.1 has cp311 wheels, none for cp313 (trixie), where
        # pip would build PyPI's sdist
        "rpi-gpio": {"arm64": "skipped"}.get(
            arch, "no-wheel" if suite == "trixie" else "ok"),
        "gpiozero": "ok" if arch == "arm64" else "skipped",
        "colorzero": "ok" if suite == "trixie" else "skipped",
    }
    expect(got == want, "-r with platform_machine markers: {}".format(got))


#: What the root's own pip resolves, markers and all, to compare with.
TREE = """\
RPi.GPIO; platform_machine == "armv7l"
marker-deps
pydantic[email]
cryptography
needs-old-numpy
"""


def check_pip_agrees(root, urls):
    """The root's own pip (Debian's python3-pip, reading the root's
    /etc/pip.conf) resolves a file with markers and extras on the Pi;
    piwcheck must name the same install set."""
    chroot(root, "apt-get", "install", "-y", "-q", "--no-install-recommends",
           "python3-pip", capture=True)
    with open(os.path.join(root, "tmp/tree.txt"), "w") as f:
        f.write(TREE)
    report = os.path.join(root, "tmp/report.json")
    if os.path.exists(report):
        os.unlink(report)
    proc = chroot(root, "python3", "-m", "pip", "install", "--dry-run",
                  "--report", "/tmp/report.json", "--only-binary", ":all:",
                  "--ignore-installed", "--no-cache-dir", "-q",
                  "--break-system-packages", "-r", "/tmp/tree.txt",
                  check=False, capture=True)
    if proc.returncode != 0:
        raise Failed("the root's pip failed: " + proc.stderr[-800:])
    with open(report) as f:
        got = json.load(f)
    pip = {canonical(i["metadata"]["name"]):
           i["download_info"]["url"].rsplit("/", 1)[-1]
           for i in got["install"]}
    version = chroot(root, "python3", "-m", "pip", "--version",
                     capture=True).stdout.split()[1]
    code, doc = piwcheck(root, urls, "--only-binary", ":all:", "-r",
                         "/tmp/tree.txt")
    ours = {p["name"]: p["file"]["filename"] for p in doc["packages"]
            if p["file"] is not None}
    log("  pip {} installs: {}".format(version, json.dumps(pip,
                                                          sort_keys=True)))
    expect(ours == pip, "piwcheck names the {} files the root's pip {} "
           "installs (markers, extras, pins)".format(len(pip), version))


#: A Pi Zero's /proc/cpuinfo, for PIWCHECK_CPUINFO.
ZERO_CPUINFO = """\
processor\t: 0
model name\t: ARMv6-compatible processor rev 7 (v6l)
BogoMIPS\t: 697.95
CPU architecture: 7
Hardware\t: BCM2835
"""


def elf_wheel(folder):
    """A real linux_armv7l wheel: an ARMv7 module, compiled by Debian's
    cross compiler, that needs libgfortran.so.5 (libgfortran5's soname,
    linked against a stub of that name)."""
    import base64
    import hashlib
    import zipfile

    cc = shutil.which("arm-linux-gnueabihf-gcc")
    if cc is None:
        raise Failed("gcc-arm-linux-gnueabihf is not installed (.ci/run "
                     "installs it)")
    src = os.path.join(folder, "m.c")
    with open(src, "w") as f:
        f.write("int piwtest(void) { return 1; }\n")
    stub = os.path.join(folder, "libgfortran.so")
    sh(cc, "-shared", "-fPIC", "-marm", "-march=armv7-a+fp", "-o", stub,
       src, "-Wl,-soname,libgfortran.so.5")
    module = os.path.join(folder, "_m.so")
    sh(cc, "-shared", "-fPIC", "-marm", "-march=armv7-a+fp", "-o", module,
       src, "-Wl,--no-as-needed", "-L" + folder, "-lgfortran")
    members = {"piwtest_elf/__init__.py": b"",
               "piwtest_elf/_m.cpython-311-arm-linux-gnueabihf.so":
               open(module, "rb").read(),
               "piwtest_elf-1.0.dist-info/METADATA":
               b"Metadata-Version: 2.1\nName: piwtest-elf\nVersion: 1.0\n",
               "piwtest_elf-1.0.dist-info/WHEEL":
               b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
               b"Tag: cp311-cp311-linux_armv7l\n"}
    record = "".join("{},sha256={},{}\n".format(
        name, base64.urlsafe_b64encode(hashlib.sha256(data).digest())
        .rstrip(b"=").decode(), len(data)) for name, data in members.items())
    members["piwtest_elf-1.0.dist-info/RECORD"] = (
        record + "piwtest_elf-1.0.dist-info/RECORD,,\n").encode()
    wheel = os.path.join(folder, "piwtest_elf-1.0-cp311-cp311-linux_armv7l"
                                 ".whl")
    with zipfile.ZipFile(wheel, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return wheel


def needs_libgfortran5(code, status, libs, doc):
    """What piwcheck says of the test wheel while libgfortran5 is not
    installed: libgfortran.so.5 missing, its package named, the apt
    command installing it, exit 1."""
    lib = libs.get("libgfortran.so.5") or {}
    return (code == 1 and status == "missing-apt" and
            "path" in lib and lib["path"] is None and
            lib.get("package") == "libgfortran5" and
            doc["apt_command"] == "sudo apt install libgfortran5")


def check_installed_libraries(root, urls, pypi):
    """Before the install, --deep reads the wheel pip would fetch (from
    the PyPI fake) and names libgfortran5; after it, pip installs that
    wheel, which needs libgfortran.so.5 and the root lacks it;
    --installed names libgfortran5; after apt-get install it is ok; on a
    CPU said to be ARMv6 the ARMv7 code is flagged."""
    work = tempfile.mkdtemp()
    try:
        wheel = elf_wheel(work)
        shutil.copy(wheel, os.path.join(root, "tmp"))
        inside = "/tmp/" + os.path.basename(wheel)
        chroot(root, "apt-get", "purge", "-y", "-q", "libgfortran5",
               capture=True, check=False)
        with open(wheel, "rb") as f:
            pypi.files.add("piwtest-elf", [{
                "filename": os.path.basename(wheel), "data": f.read()}])
        code, doc = piwcheck(root, urls, "--deep", "piwtest-elf")
        pkg = packages(doc).get("piwtest-elf") or {}
        libs = {lib["soname"]: lib for lib in
                (pkg.get("deep") or {}).get("libraries", ())}
        log("  --deep:", json.dumps({"status": pkg.get("status"),
                                     "apt_command": doc["apt_command"]}))
        expect(needs_libgfortran5(code, pkg.get("status"), libs, doc),
               "--deep, before pip install: the wheel from PyPI needs "
               "libgfortran.so.5, apt package libgfortran5, exit 1")
        chroot(root, "python3", "-m", "pip", "install", "-q", "--no-index",
               "--no-deps", "--break-system-packages", inside, capture=True)
        code, doc = piwcheck(root, urls, "--installed")
        dists = {d["name"]: d for d in doc["distributions"]}
        dist = dists.get("piwtest_elf") or dists.get("piwtest-elf")
        libs = {lib["soname"]: lib for lib in dist["libraries"]} \
            if dist else {}
        log("  before:", json.dumps({"status": dist and dist["status"],
                                     "apt_command": doc["apt_command"]}))
        expect(needs_libgfortran5(code, dist and dist["status"], libs, doc),
               "--installed: libgfortran.so.5 missing, apt package "
               "libgfortran5, exit 1")
        chroot(root, "apt-get", "install", "-y", "-q", "libgfortran5",
               capture=True)
        code, doc = piwcheck(root, urls, "--installed")
        dist = {d["name"]: d for d in doc["distributions"]}[dist["name"]]
        lib = {x["soname"]: x for x in dist["libraries"]}["libgfortran.so.5"]
        log("  after:", json.dumps({"status": dist["status"], "path":
                                    lib["path"], "package": lib["package"]}))
        expect(code == 0 and dist["status"] == "ok" and
               lib["package"] == "libgfortran5",
               "after apt-get install libgfortran5: found ({}, {}), exit 0"
               .format(lib["path"], lib["found_by"]))
        with open(os.path.join(root, "tmp/cpuinfo-zero"), "w") as f:
            f.write(ZERO_CPUINFO)
        code, doc = piwcheck(root, urls, "--installed", env={
            "PIWCHECK_CPUINFO": "/tmp/cpuinfo-zero"})
        dist = {d["name"]: d for d in doc["distributions"]}[dist["name"]]
        expect(code == 1 and dist["status"] == "wrong-arch" and
               "this CPU is ARMv6" in dist["cannot_run"][0]["why"],
               "on a CPU said to be ARMv6: the ARMv7 code is flagged")
    finally:
        chroot(root, "python3", "-m", "pip", "uninstall", "-y", "-q",
               "--break-system-packages", "piwtest-elf", capture=True,
               check=False)
        chroot(root, "apt-get", "purge", "-y", "-q", "libgfortran5",
               capture=True, check=False)
        shutil.rmtree(work, ignore_errors=True)


def canonical(name):
    import re
    return re.sub(r"[-_.]+", "-", name).lower()


#: The fakes of this run, for checks that serve files of their own.
SERVERS: dict = {}

CHECKS = {"bookworm-armhf": check_bookworm_armhf,
          "trixie-armhf": check_trixie_armhf,
          "bookworm-arm64": check_bookworm_arm64}


def run_root(name, deb, roots, mirror, url):
    suite, arch, qemu = ROOTS[name]
    path = os.path.join(roots, name)
    times = {}
    start = time.monotonic()
    ensure_binfmt(qemu)
    build_root(path, suite, arch, mirror)
    times["root"] = time.monotonic() - start
    with Mounts(path):
        t = time.monotonic()
        chroot(path, "apt-get", "update", "-q", capture=True)
        target = os.path.join(path, "tmp", os.path.basename(deb))
        shutil.copy(deb, target)
        proc = chroot(path, "apt-get", "install", "-y", "-q",
                      "--no-install-recommends", "/tmp/" +
                      os.path.basename(deb), capture=True, check=False)
        if proc.returncode != 0:
            raise Failed("apt-get install failed: " + proc.stdout[-500:]
                         + proc.stderr[-500:])
        version = chroot(path, "/usr/bin/piwcheck", "--version",
                         capture=True).stdout.strip()
        log("  installed:", version, "on", chroot(
            path, "python3", "--version", capture=True).stdout.strip())
        times["install"] = time.monotonic() - t
        t = time.monotonic()
        write_pip_conf(path, url)
        try:
            CHECKS[name](path, url)
            check_markers(path, url, name)
            if name == "bookworm-armhf":
                check_pip_agrees(path, url)
                check_installed_libraries(path, url, SERVERS["pypi"])
        finally:
            chroot(path, "apt-get", "purge", "-y", "-q", "piwcheck",
                   capture=True, check=False)
            os.unlink(target)
        times["checks"] = time.monotonic() - t
    times["total"] = time.monotonic() - start
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deb", help="the piwcheck_*_all.deb to install")
    parser.add_argument("roots", nargs="*", metavar="ROOT",
                        help="which roots (default: all of {})".format(
                            ", ".join(ROOTS)))
    parser.add_argument("--dir", default="/var/tmp/piwcheck-roots",
                        help="where the roots live (default: %(default)s)")
    args = parser.parse_args(argv)
    for name in args.roots:
        if name not in ROOTS:
            parser.error("unknown root {!r}".format(name))
    if os.geteuid() != 0:
        sys.exit("run as root: it uses chroot, mount and debootstrap")
    # SIGTERM/SIGHUP unwind like ^C, so the mounts are undone.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    deb = os.path.abspath(args.deb)
    ensure_tools()
    mirror = debian_mirror()
    os.makedirs(args.dir, exist_ok=True)
    server = PiwheelsServer().start()
    pypi = PypiServer().start()
    SERVERS["pypi"] = pypi
    failed = []
    timings = {}
    try:
        for name in args.roots or list(ROOTS):
            log("=== {}".format(name))
            try:
                timings[name] = run_root(name, deb, args.dir, mirror,
                                         (server.url, pypi.index))
            except (Failed, subprocess.CalledProcessError) as exc:
                log("  FAILED:", exc)
                failed.append(name)
    finally:
        server.stop()
        pypi.stop()
    log("=== timings (s)")
    for name, t in timings.items():
        log("  {:<15} root {:6.1f}  install {:6.1f}  checks {:6.1f}  "
            "total {:6.1f}".format(name, t["root"], t["install"],
                                   t["checks"], t["total"]))
    if failed:
        log("FAILED:", " ".join(failed))
        return 1
    log("all roots passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
