#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks piwcheck's soname -> Debian package naming against Debian's own
Contents lists (bullseye, bookworm and trixie; armhf and arm64).

    python3 tools/check_sonames.py sonames   # refresh tests/data/sonames.txt
    python3 tools/check_sonames.py check     # compare, print the counts
    python3 tools/check_sonames.py check --record  # and rewrite the table

``sonames`` lists the sonames Pi users' wheels need: the DT_NEEDED that
PyPI's manylinux wheels (aarch64, armv7l) of WHEEL_PROJECTS do not vendor,
and those the packages piwheels' apt lists name (the lists in
tests/data/projects, and PIWHEELS_PACKAGES) ship in /usr/lib/<triplet>.
``check`` asks naming.guess_packages for each soname, release and
architecture and compares its first name (the one said without apt) with
the packages that ship ``[usr/]lib/<triplet>/<soname>`` there (or, for a
library apt's alternatives provide, one folder further down); ``--record``
writes what ships each soname to tests/data/apt-sonames.json, which the
naming tests read.  Contents lists are large: they are streamed, filtered
to shared libraries and kept filtered in --cache (never in the tree).
Network: deb.debian.org, and PyPI for ``sonames`` (a few hundred MB of
wheels, read and deleted one at a time).
"""

import argparse
import datetime
import glob
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from piwcheck.facts import MULTIARCH_TRIPLETS  # noqa: E402
from piwcheck.libs import naming  # noqa: E402
from piwcheck.libs.reading import read_file  # noqa: E402

MIRROR = "http://deb.debian.org/debian"
RELEASES = ("bullseye", "bookworm", "trixie")
ARCHES = {"armhf": MULTIARCH_TRIPLETS[("arm", 32, "hard")],
          "arm64": MULTIARCH_TRIPLETS[("aarch64", 64, None)]}
SONAMES = os.path.join(ROOT, "tests", "data", "sonames.txt")
TABLE = os.path.join(ROOT, "tests", "data", "apt-sonames.json")

#: Projects whose manylinux wheels Pi users install.
WHEEL_PROJECTS = (
    "numpy", "scipy", "pillow", "opencv-python-headless", "opencv-python",
    "cryptography", "cffi", "lxml", "grpcio", "psutil", "orjson",
    "pydantic-core", "matplotlib", "kiwisolver", "contourpy", "pyyaml",
    "h5py", "pyzmq", "pygame", "pandas", "aiohttp", "bcrypt", "pynacl",
    "scikit-learn", "msgpack", "uvloop", "zeroconf", "dbus-fast",
    "shapely", "pycryptodomex", "rpds-py", "tflite-runtime",
    "onnxruntime", "lgpio", "evdev", "pyaudio", "sounddevice",
)

#: Packages piwheels' apt lists name (regular expressions on the
#: package's name, matched in each release): images, maths, video, GUI
#: and the rest of what piwheels' builders link against.
PIWHEELS_PACKAGES = (
    r"libopenblas0(-pthread)?", r"libblas3", r"liblapack3",
    r"libatlas3-base", r"libgfortran5", r"libgomp1", r"libstdc\+\+6",
    r"libgcc-s1", r"libc6", r"zlib1g", r"libopenjp2-7", r"libtiff[56]",
    r"libjpeg62-turbo", r"libwebp[67]", r"libwebpdemux2",
    r"libwebpmux3", r"libpng16-16(t64)?", r"libfreetype6", r"liblcms2-2",
    r"libharfbuzz0b", r"libfribidi0", r"libimagequant0", r"libraqm0",
    r"libxcb1", r"libx11-6", r"libxext6", r"libxrender1", r"libsm6",
    r"libice6", r"libgl1", r"libglx0", r"libegl1", r"libgles2",
    r"libavcodec\d+(t64)?", r"libavformat\d+(t64)?", r"libavutil\d+",
    r"libswscale\d+", r"libswresample\d+", r"libavdevice\d+(t64)?",
    r"libavfilter\d+", r"libgtk-3-0(t64)?", r"libgdk-pixbuf-2\.0-0",
    r"libglib2\.0-0(t64)?", r"libcairo2", r"libcairo-gobject2",
    r"libpango-1\.0-0", r"libpangocairo-1\.0-0", r"libpangoft2-1\.0-0",
    r"libatk1\.0-0(t64)?", r"libgstreamer1\.0-0",
    r"libgstreamer-plugins-base1\.0-0", r"libqt5(core5a|gui5|widgets5|"
    r"test5|opengl5)(t64)?", r"libhdf5-\d+.*", r"libssl(1\.1|3)(t64)?",
    r"libffi[78]", r"libxml2", r"libxslt1\.1", r"libzmq5", r"libsodium23",
    r"libsdl2-2\.0-0", r"libsdl2-(image|mixer|ttf)-2\.0-0",
    r"libportaudio2", r"libasound2(t64)?", r"libusb-1\.0-0",
    r"libyaml-0-2", r"libgpiod2", r"libgpiod3", r"liblgpio1",
    r"libsnappy1v5", r"liblz4-1", r"libzstd1", r"libbz2-1\.0",
    r"liblzma5", r"libsqlite3-0", r"libgmp10", r"libmpfr6", r"libmpc3",
    r"libsndfile1", r"libtbb12", r"libpq5", r"libmariadb3",
    r"libgeos-c1(v5|t64)", r"libproj\d+", r"libgdal\d+(t64)?",
    r"libnetcdf\d+(t64)?", r"libdbus-1-3", r"libsystemd0", r"libudev1",
    r"libbluetooth3", r"libcap2", r"libcurl4(t64)?", r"libdc1394-25",
    r"libtesseract5", r"libzbar0(t64)?", r"libopenexr-3-1-30",
    r"libxkbcommon0", r"libwayland-client0", r"libepoxy0",
    r"libfontconfig1", r"libnsl2", r"libcrypt1", r"libuuid1",
    r"libcamera0\.\d+(t64)?", r"libcap-ng0", r"libexpat1",
)

_LIB = re.compile(r"^(?:usr/)?lib/([a-z0-9_-]+)/(?:([^/\s]+)/)?"
                  r"(lib[^/\s]*\.so\.[0-9][0-9.]*|ld-linux[^/\s]*)\s+(\S+)$")


def contents(release: str, arch: str, cache: str):
    """[(folder below the triplet's or None, soname, package)] of
    ``release``'s main Contents list for ``arch``."""
    path = os.path.join(cache, "{}-{}.txt".format(release, arch))
    if not os.path.exists(path):
        url = "{}/dists/{}/main/Contents-{}.gz".format(MIRROR, release, arch)
        print("reading", url, file=sys.stderr)
        with urllib.request.urlopen(url, timeout=60) as answer, \
                gzip.open(answer, "rt", errors="replace") as lines, \
                open(path + ".part", "w") as out:
            for line in lines:
                if ".so." in line:
                    out.write(line)
        os.rename(path + ".part", path)
    triplet = ARCHES[arch]
    rows = []
    with open(path) as f:
        for line in f:
            m = _LIB.match(line.rstrip("\n"))
            if m and m.group(1) == triplet:
                for section_package in m.group(4).split(","):
                    rows.append((m.group(2), m.group(3),
                                 section_package.rpartition("/")[2]))
    return rows


def shipped(rows):
    """soname -> the packages that ship it in the triplet's folder, or
    (when none does) one folder below it (alternatives)."""
    direct, below = {}, {}
    for folder, soname, package in rows:
        found = below if folder else direct
        if package not in found.setdefault(soname, []):
            found[soname].append(package)
    for soname, packages in below.items():
        direct.setdefault(soname, packages)
    return {s: sorted(p) for s, p in direct.items()}


def _get_json(url: str):
    request = urllib.request.Request(
        url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def _version(text: str):
    from packaging.version import InvalidVersion, Version
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def _newest_wheels(project: str):
    """The newest release's manylinux wheels for aarch64 and armv7l (one
    each, a CPython 3.11 or abi3 one first)."""
    page = _get_json("https://pypi.org/simple/{}/".format(project))
    picks = []
    for arch in ("aarch64", "armv7l"):
        wheels = [f for f in page["files"] if f["filename"].endswith(
            "_{}.whl".format(arch)) and "manylinux" in f["filename"]
            and not f.get("yanked")]
        if wheels:
            newest = max((f["filename"].split("-")[1] for f in wheels),
                         key=_version)
            same = [f for f in wheels if f["filename"].split("-")[1] == newest]
            same.sort(key=lambda f: ("-cp311-" not in f["filename"]
                                     and "abi3" not in f["filename"]))
            picks.append(same[0])
    return picks


def wheel_needs(path: str):
    """The DT_NEEDED of the wheel's ELF files that the wheel does not
    ship itself (auditwheel's vendored copies are its own)."""
    needed, own = set(), set()
    with zipfile.ZipFile(path) as z, tempfile.TemporaryDirectory() as tmp:
        for member in z.namelist():
            own.add(member.rpartition("/")[2])
            if ".so" not in member:
                continue
            target = os.path.join(tmp, "member")
            with z.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            info = read_file(target)
            if info is not None:
                needed.update(info.needed)
    return needed - own


def _wheel_needs(cache: str):
    """soname -> the WHEEL_PROJECTS whose newest manylinux wheels need it
    and do not ship it (kept in ``cache``)."""
    path = os.path.join(cache, "wheel-needs.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    needs = {}
    for project in WHEEL_PROJECTS:
        for f in _newest_wheels(project):
            print("reading", f["filename"], file=sys.stderr)
            with tempfile.NamedTemporaryFile(suffix=".whl") as tmp:
                with urllib.request.urlopen(f["url"], timeout=120) as a:
                    shutil.copyfileobj(a, tmp)
                tmp.flush()
                for soname in wheel_needs(tmp.name):
                    if project not in needs.setdefault(soname, []):
                        needs[soname].append(project)
    with open(path, "w") as f:
        json.dump(needs, f)
    return needs


def list_sonames(cache: str) -> None:
    """Writes tests/data/sonames.txt: each soname and where it comes
    from."""
    sources = {}
    for soname, projects in _wheel_needs(cache).items():
        sources[soname] = {"pypi:" + p for p in projects}
    listed = set()
    for path in glob.glob(os.path.join(ROOT, "tests", "data", "projects",
                                       "*.json")):
        with open(path) as f:
            listed.update(_apt_lists(json.load(f)))
    wanted = [re.compile(p) for p in PIWHEELS_PACKAGES]
    for release in RELEASES:
        for arch in ARCHES:
            shortest = {}  # (package, base) -> its soname, not the file
            for folder, soname, package in contents(release, arch, cache):
                if (package in listed or any(
                        w.fullmatch(package) for w in wanted)):
                    key = (package, soname.partition(".so.")[0])
                    if key not in shortest or \
                            len(soname) < len(shortest[key]):
                        shortest[key] = soname
            for (package, _), soname in shortest.items():
                sources.setdefault(soname, set()).add(
                    "apt:" + re.sub(r"t64$", "", package))
    with open(SONAMES, "w") as out:
        out.write("# soname  where it is needed (pypi: a manylinux wheel; "
                  "apt: a package piwheels lists)\n"
                  "# tools/check_sonames.py sonames, {}\n".format(
                      datetime.date.today().isoformat()))
        for soname in sorted(sources):
            out.write("{}  {}\n".format(soname, " ".join(
                sorted(sources[soname]))))
    print(len(sources), "sonames", file=sys.stderr)


def _apt_lists(document):
    """Every name in the apt_dependencies lists of a piwheels document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "apt_dependencies" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from _apt_lists(value)
    elif isinstance(document, list):
        for value in document:
            yield from _apt_lists(value)


def read_sonames(path: str = SONAMES):
    with open(path) as f:
        return [line.split()[0] for line in f
                if line.strip() and not line.startswith("#")]


def guess(soname: str, release: str, arch: str):
    """naming's first name for ``soname`` (what is said without apt)."""
    try:
        names = naming.guess_packages(soname, release, arch)
    except TypeError:  # the naming before the release's architecture
        names = naming.guess_packages(soname, release)
    return names[0] if names else None


def check(cache: str, record: bool) -> int:
    sonames = read_sonames()
    table = {}
    pairs = wrong = 0
    for release in RELEASES:
        for arch in ARCHES:
            ships = shipped(contents(release, arch, cache))
            found = {s: ships[s] for s in sonames if s in ships}
            table["{}/{}".format(release, arch)] = found
            bad = [(s, guess(s, release, arch), p)
                   for s, p in sorted(found.items())
                   if guess(s, release, arch) not in p]
            pairs += len(found)
            wrong += len(bad)
            print("{}/{}: {} sonames shipped, {} named wrong".format(
                release, arch, len(found), len(bad)))
            for soname, name, packages in bad:
                print("  {}: {} -- ships: {}".format(
                    soname, name, ", ".join(packages)))
    print("{} sonames checked ({} release/arch pairs shipped), {} named "
          "wrong".format(len(sonames), pairs, wrong))
    if record:
        with open(TABLE, "w") as out:
            out.write('{{"source": {}, "read": {}, "ships": {{'.format(
                json.dumps(MIRROR + "/dists/{release}/main/Contents-{arch}"
                           ".gz"), json.dumps(datetime.date.today()
                                              .isoformat())))
            out.write(",".join("\n {}: {{\n".format(json.dumps(key)) + ",\n"
                               .join("  {}: {}".format(json.dumps(s),
                                                       json.dumps(p))
                                     for s, p in sorted(found.items()))
                               + "}" for key, found in table.items()))
            out.write("}}\n")
    return 1 if wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("sonames", "check"))
    parser.add_argument("--cache", default=os.path.join(
        tempfile.gettempdir(), "piwcheck-contents"),
        help="where the filtered Contents lists are kept")
    parser.add_argument("--record", action="store_true",
                        help="check: write tests/data/apt-sonames.json")
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    if args.what == "sonames":
        list_sonames(args.cache)
        return 0
    return check(args.cache, args.record)


if __name__ == "__main__":
    sys.exit(main())
