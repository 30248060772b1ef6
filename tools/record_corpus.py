#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Record tests/data/corpus/ from PyPI: real simple-API pages (PEP 691
JSON) of the projects a Raspberry Pi user installs, trimmed to the
releases that matter, and the core metadata of the wheels the judge's
targets can install (read from the wheels themselves, with HTTP range
requests: PyPI's mirror here gives no PEP 658 files).

    python3 tools/record_corpus.py [--out tests/data/corpus] [--cache DIR]

Uses requests and packaging (piwcheck's own dependencies) and the
standard library.  Asks PyPI for one page a project and one or two
ranges a wheel: a few hundred requests in all.  --cache keeps what was
fetched, so a second run asks nothing again."""

import argparse
import datetime
import email.parser
import hashlib
import json
import os
import re
import struct
import sys
import zlib

import requests
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "https://pypi.org/simple/{}/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "corpus")

#: Projects a Pi user installs; their dependencies are added.
PROJECTS = """numpy pillow opencv-python-headless scipy pandas cryptography
cffi pycparser pydantic pydantic-core annotated-types typing-extensions
typing-inspection fastapi starlette anyio sniffio orjson grpcio protobuf
lxml psutil pyyaml matplotlib contourpy cycler fonttools kiwisolver
packaging pyparsing python-dateutil six aiohttp aiohappyeyeballs aiosignal
attrs frozenlist multidict propcache yarl idna paho-mqtt flask werkzeug
jinja2 markupsafe itsdangerous click blinker gpiozero colorzero rpi-gpio
smbus2 spidev requests urllib3 certifi charset-normalizer pytz tzdata
""".split()

#: Newest final releases kept of each project.
NEWEST = 4

#: Requirements whose newest match is kept too (the judge's specifiers,
#: and releases kept for their badly named files).
SPECS = """numpy<2 pillow>=10,<11 scipy<1.14 pandas<2.2 protobuf<5
pydantic<2 matplotlib<3.9 urllib3<2 cryptography<42
opencv-python-headless<4.12 pydantic==0.18 pydantic==0.18.1 pydantic==0.18.2""".split()

#: The judge's targets: (abi, Python, glibc minor, machine).
TARGETS = {
    "bookworm-32": ("cp311", "3.11.2", 36, "armv7l"),
    "bookworm-64": ("cp311", "3.11.2", 36, "aarch64"),
    "trixie-64": ("cp313", "3.13.5", 41, "aarch64"),
}

#: Wheels no judge target (a Pi) nor an x86-64 glibc Linux installs:
#: other systems, musl, other machines.  Left out of the pages.
OTHER_OS = re.compile(r"-[^-]*(win|macosx|ios|android|musllinux|i686|ppc64|"
                      r"s390x|riscv64|loongarch64)[^-]*\.whl$")


def target_tags(abi, python, glibc, machine):
    """{tag: rank} of a target, in its pip's order (manylinux first, as
    the pips of Bookworm and Trixie rank them)."""
    plats = []
    for minor in range(glibc, 16, -1):
        plats.append("manylinux_2_{}_{}".format(minor, machine))
        if minor == 17:
            plats.append("manylinux2014_" + machine)
    plats.append("linux_" + machine)
    py = tuple(int(x) for x in python.split(".")[:2])
    order = list(cpython_tags(py, [abi], plats)) + list(
        compatible_tags(py, "cp{}{}".format(*py), plats))
    return {t: i for i, t in reversed(list(enumerate(order)))}


def marker_env(abi, python, glibc, machine):
    return {"implementation_name": "cpython", "os_name": "posix",
            "platform_machine": machine, "platform_system": "Linux",
            "platform_python_implementation": "CPython",
            "sys_platform": "linux", "platform_release": "",
            "platform_version": "", "implementation_version": python,
            "python_full_version": python,
            "python_version": python.rsplit(".", 1)[0], "extra": ""}


def wheel_tags(filename):
    """The tags of a wheel name, or None when pip would not read it."""
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6):
        return None
    try:
        return {Tag(i, a, p) for i in parts[-3].split(".")
                for a in parts[-2].split(".") for p in parts[-1].split(".")}
    except Exception:
        return None


def version_of(filename, canon):
    """The release a file belongs to (text), or None."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) in (5, 6) and canonicalize_name(parts[0]) == canon:
            return parts[1]
        return None
    stem = re.sub(r"\.(tar\.gz|tar\.bz2|zip|tgz|tar)$", "", filename)
    if stem == filename:
        return None
    for i, ch in enumerate(stem):
        if ch == "-" and canonicalize_name(stem[:i]) == canon:
            return stem[i + 1:]
    return None


def parsed(text):
    try:
        return Version(text)
    except InvalidVersion:
        return None


class Fetcher:
    def __init__(self, cache):
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "piwcheck-record-corpus"
        self.cache = cache
        self.requests = 0
        #: answers taken from --cache (fetched by an earlier run)
        self.from_cache = 0
        if cache:
            os.makedirs(cache, exist_ok=True)

    def _cached(self, key, make):
        path = os.path.join(self.cache, hashlib.sha256(
            key.encode()).hexdigest()) if self.cache else None
        if path and os.path.exists(path):
            self.from_cache += 1
            with open(path, "rb") as f:
                return f.read()
        data = make()
        if path:
            with open(path, "wb") as f:
                f.write(data)
        return data

    def get(self, url, headers=None):
        self.requests += 1
        r = self.session.get(url, headers=headers or {}, timeout=60)
        r.raise_for_status()
        return r

    def page(self, name):
        url = PYPI.format(name)
        return json.loads(self._cached(url, lambda: self.get(
            url, {"Accept": JSON_TYPE}).content))

    def metadata(self, url):
        """A wheel's *.dist-info/METADATA, read by ranges."""
        return self._cached("meta " + url, lambda: self._read_member(url))

    def _range(self, url, spec):
        r = self.get(url, {"Range": "bytes=" + spec})
        if r.status_code != 206:
            raise RuntimeError("{}: no range answer".format(url))
        total = int(r.headers["Content-Range"].rsplit("/", 1)[1])
        return r.content, total

    def _read_member(self, url):
        tail, total = self._range(url, "-65536")
        start = total - len(tail)
        eocd = tail.rfind(b"PK\x05\x06")
        if eocd < 0:
            raise RuntimeError("{}: no end of central directory".format(url))
        cd_size, cd_offset = struct.unpack("<II", tail[eocd + 12:eocd + 20])
        if cd_offset < start:
            more, _ = self._range(url, "{}-{}".format(cd_offset, start - 1))
            tail, start = more + tail, cd_offset
        pos = cd_offset - start
        member = None
        while tail[pos:pos + 4] == b"PK\x01\x02":
            (method, csize, n, m, k, offset) = (
                struct.unpack("<H", tail[pos + 10:pos + 12])[0],
                struct.unpack("<I", tail[pos + 20:pos + 24])[0],
                *struct.unpack("<HHH", tail[pos + 28:pos + 34]),
                struct.unpack("<I", tail[pos + 42:pos + 46])[0])
            name = tail[pos + 46:pos + 46 + n].decode("utf-8")
            if re.fullmatch(r"[^/]+\.dist-info/METADATA", name):
                member = (method, csize, offset)
            pos += 46 + n + m + k
        if member is None:
            raise RuntimeError("{}: no METADATA".format(url))
        method, csize, offset = member
        if offset < start:
            head, _ = self._range(url, "{}-{}".format(
                offset, offset + 30 + 1024 + csize))
            base = offset
        else:
            head, base = tail, start
        local = offset - base
        n, m = struct.unpack("<HH", head[local + 26:local + 30])
        data = head[local + 30 + n + m:local + 30 + n + m + csize]
        if method == 8:
            data = zlib.decompress(data, -15)
        elif method != 0:
            raise RuntimeError("{}: compression {}".format(url, method))
        return data


def strip_description(text):
    """Core metadata without the long description (the body, and the
    old Description header) and without a License header's continuation
    lines (whole license texts): nothing pip decides reads them, and
    they are most of the size."""
    head = text.split("\n\n", 1)[0]
    out, skipping = [], False
    for line in head.split("\n"):
        if line.startswith((" ", "\t", "|")) and skipping:
            continue
        lower = line.lower()
        skipping = lower.startswith(("description:", "license:"))
        if not lower.startswith("description:"):
            out.append(line)
    return "\n".join(out).rstrip("\n") + "\n\n"


def requires(meta_text):
    msg = email.parser.Parser().parsestr(meta_text)
    return msg.get_all("Requires-Dist") or []


class Recorder:
    def __init__(self, fetcher):
        self.fetch = fetcher
        self.pages = {}       # canon -> page
        self.keep = {}        # canon -> set of version texts
        self.meta = {}        # filename -> stripped metadata
        self.tags = {k: target_tags(*v) for k, v in TARGETS.items()}
        self.envs = [marker_env(*v) for v in TARGETS.values()]

    def releases(self, canon):
        """{version text: [file dicts]} of the page, other OSes left
        out."""
        out = {}
        for f in self.pages[canon]["files"]:
            v = version_of(f["filename"], canon)
            if v is not None and not OTHER_OS.search(f["filename"]):
                out.setdefault(v, []).append(f)
        return out

    def add(self, name):
        canon = canonicalize_name(name)
        if canon in self.pages:
            return canon
        self.pages[canon] = self.fetch.page(canon)
        rels = self.releases(canon)
        finals = sorted((parsed(v), v) for v in rels
                        if parsed(v) is not None
                        and not parsed(v).is_prerelease
                        and not all(f.get("yanked") for f in rels[v]))
        self.keep[canon] = {v for _, v in finals[-NEWEST:]}
        return canon

    def add_spec(self, req):
        canon = self.add(req.name)
        rels = self.releases(canon)
        if any(parsed(v) is not None and req.specifier.contains(
                parsed(v), prereleases=True) for v in self.keep[canon]):
            return False
        match = sorted((parsed(v), v) for v in rels if parsed(v) is not None
                       and req.specifier.contains(parsed(v)))
        if not match:
            # a version pip cannot parse (kept on purpose) or none at all
            match = [(None, v) for v in rels if "==" in str(req.specifier)
                     and str(req.specifier).split("==")[1] == v]
        if match:
            self.keep[canon].add(match[-1][1])
            return True
        return False

    def chosen(self, files):
        """The wheel of ``files`` each target's pip ranks first."""
        out = set()
        for order in self.tags.values():
            ranked = []
            for f in files:
                tags = wheel_tags(f["filename"]) \
                    if f["filename"].endswith(".whl") else None
                ranks = [order[t] for t in tags or () if t in order]
                if ranks:
                    ranked.append((min(ranks), f["filename"], f))
            if ranked:
                out.add(min(ranked, key=lambda r: r[:2])[1])
        return out

    def read_metadata(self):
        """Metadata of every kept wheel a target can install; True when
        a new release was kept for a dependency."""
        grew = False
        for canon in sorted(self.pages):
            for v, files in self.releases(canon).items():
                if v not in self.keep[canon]:
                    continue
                chosen = self.chosen(files)
                for f in files:
                    fn = f["filename"]
                    if fn in self.meta or fn not in chosen:
                        continue
                    text = self.fetch.metadata(f["url"]).decode("utf-8")
                    self.meta[fn] = strip_description(
                        text.replace("\r\n", "\n"))
                    for line in requires(self.meta[fn]):
                        grew |= self.follow(line)
        return grew

    def follow(self, line):
        """Keep a release of a dependency that some target needs."""
        try:
            req = Requirement(line)
        except InvalidRequirement:
            return False
        if req.marker is not None and not any(
                _holds(req.marker, env) for env in self.envs):
            return False
        new = canonicalize_name(req.name) not in self.pages
        return self.add_spec(req) or new

    def trimmed(self, canon):
        """The page with only the kept releases' files."""
        page = self.pages[canon]
        keep = self.keep[canon]
        files = []
        for f in page["files"]:
            v = version_of(f["filename"], canon)
            if v in keep and not OTHER_OS.search(f["filename"]):
                g = {k: f[k] for k in ("filename", "hashes", "requires-python",
                                        "size", "upload-time", "yanked")
                     if k in f}
                g["url"] = f["filename"]
                files.append(g)
        return {"meta": page["meta"], "name": page["name"],
                "versions": [v for v in page.get("versions", ())
                             if v in keep], "files": files}


def _holds(marker, env):
    try:
        return Marker(str(marker)).evaluate(env)
    except Exception:
        return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--cache", help="keep what was fetched here")
    args = parser.parse_args(argv)
    rec = Recorder(Fetcher(args.cache))
    for name in PROJECTS:
        rec.add(name)
    for spec in SPECS:
        rec.add_spec(Requirement(spec))
    while rec.read_metadata():
        pass
    simple = os.path.join(args.out, "simple")
    metadir = os.path.join(args.out, "metadata")
    for d in (simple, metadir):
        os.makedirs(d, exist_ok=True)
        for fn in os.listdir(d):
            os.unlink(os.path.join(d, fn))
    lines = []
    for canon in sorted(rec.pages):
        with open(os.path.join(simple, canon + ".json"), "w") as f:
            json.dump(rec.trimmed(canon), f, indent=0, sort_keys=True)
            f.write("\n")
        kept = sorted(rec.keep[canon], key=lambda v: (parsed(v) is None,
                                                     parsed(v) or v))
        lines.append("{}: {}".format(canon, " ".join(kept)))
    for fn, text in sorted(rec.meta.items()):
        with open(os.path.join(metadir, fn + ".metadata"), "w") as f:
            f.write(text)
    with open(os.path.join(args.out, "RECORDED"), "w") as f:
        f.write("recorded {} from https://pypi.org/simple/ ({} requests, "
                "{} answers from --cache)\n{} projects, {} metadata files"
                "\n\n".format(
                    datetime.datetime.now(datetime.timezone.utc).strftime(
                        "%Y-%m-%d %H:%M UTC"), rec.fetch.requests,
                    rec.fetch.from_cache, len(rec.pages), len(rec.meta)))
        f.write("\n".join(lines) + "\n")
    print("{} projects, {} metadata files, {} requests, {} from the "
          "cache".format(len(rec.pages), len(rec.meta), rec.fetch.requests,
                         rec.fetch.from_cache))


if __name__ == "__main__":
    sys.exit(main())
