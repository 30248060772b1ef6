# SPDX-License-Identifier: BSD-3-Clause
"""Real distribution files and simple-API pages for the test indexes, so
that real pip can install from them: wheels (zip, with METADATA, WHEEL
and RECORD) and sdists (tar.gz that setuptools builds), made on demand
and the same bytes every time."""

import base64
import hashlib
import html
import io
import json
import os
import re
import tarfile
import zipfile

from packaging.utils import canonicalize_name

#: The tests' data folder: ``projects/`` (piwheels' JSON documents) and
#: ``pypi/`` (the PyPI fake's files).
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_EPOCH = (2020, 1, 1, 0, 0, 0)


def split(filename):
    """(distribution name, version) of a wheel or sdist filename."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return parts[0], parts[1]
    stem = re.sub(r"\.(tar\.gz|zip)$", "", filename)
    name, _, version = stem.rpartition("-")
    return name, version


def metadata(name, version, requires_python=None, requires_dist=()):
    """Core metadata text (PEP 643 / 2.1)."""
    lines = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version]
    if requires_python:
        lines.append("Requires-Python: " + requires_python)
    extras = sorted(set(re.findall(r"extra\s*==\s*[\"']([^\"']+)[\"']",
                                   " ".join(requires_dist))))
    lines.extend("Provides-Extra: " + e for e in extras)
    lines.extend("Requires-Dist: " + r for r in requires_dist)
    return "\n".join(lines) + "\n\n"


def wheel(filename, meta):
    """A wheel's bytes, with ``meta`` as its METADATA."""
    name, version = split(filename)
    tags = filename[:-4].split("-")[-3:]
    info = "{}-{}.dist-info".format(name, version)
    wheel_text = "Wheel-Version: 1.0\nGenerator: piwcheck-tests\n" \
        "Root-Is-Purelib: {}\n".format(
            "true" if tags[2] == "any" else "false")
    for py in tags[0].split("."):
        for abi in tags[1].split("."):
            for plat in tags[2].split("."):
                wheel_text += "Tag: {}-{}-{}\n".format(py, abi, plat)
    pkg = re.sub(r"\W", "_", name.lower())
    members = [("{}/__init__.py".format(pkg), b""),
               (info + "/METADATA", meta.encode()),
               (info + "/WHEEL", wheel_text.encode())]
    record = ""
    for path, data in members:
        digest = base64.urlsafe_b64encode(
            hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += "{},sha256={},{}\n".format(path, digest, len(data))
    record += info + "/RECORD,,\n"
    members.append((info + "/RECORD", record.encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in members:
            z.writestr(zipfile.ZipInfo(path, _EPOCH), data)
    return out.getvalue()


def sdist(filename, meta, requires_python=None):
    """An sdist's bytes that setuptools builds without a network."""
    name, version = split(filename)
    top = "{}-{}".format(name, version)
    pkg = re.sub(r"\W", "_", name.lower())
    setup_cfg = "[metadata]\nname = {}\nversion = {}\n\n[options]\n" \
        "py_modules =\n".format(name, version)
    if requires_python:
        setup_cfg += "python_requires = {}\n".format(requires_python)
    files = {
        top + "/PKG-INFO": meta,
        top + "/setup.cfg": setup_cfg,
        top + "/setup.py": "from setuptools import setup\nsetup()\n",
        top + "/pyproject.toml": "[build-system]\nrequires = "
                                 "[\"setuptools\"]\nbuild-backend = "
                                 "\"setuptools.build_meta\"\n",
        top + "/{}.py".format(pkg): "",
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) \
            as tar:
        for path, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1577836800
            tar.addfile(info, io.BytesIO(data))
    # gzip writes the time into its header: make it fixed
    data = bytearray(out.getvalue())
    data[4:8] = b"\0\0\0\0"
    return bytes(data)


class Files:
    """The files of one index, made once each: ``filename -> bytes``,
    from ``name -> [entry]`` where an entry is a dict with filename and
    optionally requires_python (metadata_requires_python: the METADATA's
    alone), yanked, requires_dist, data (the file's bytes) and sha256
    (the digest the index gives)."""

    def __init__(self):
        self.entries = {}
        self._bytes = {}
        #: pages made, as an index serves them from its own store
        self._pages = {}

    def add(self, project, entries):
        self.entries[canonicalize_name(project)] = list(entries)
        self._pages.clear()
        for e in entries:
            self._bytes.pop(e["filename"], None)

    def page(self, kind, project, base, metadata_files=False):
        """The simple page of ``kind`` ('json' or 'html'), made once
        until the project changes (a changed entry dict in place needs
        ``add`` again)."""
        key = (kind, canonicalize_name(project), base, metadata_files)
        if key not in self._pages:
            make = self.simple_json if kind == "json" else self.simple_html
            self._pages[key] = make(project, base, metadata_files)
        return self._pages[key]

    def entry(self, project, filename):
        for e in self.entries.get(canonicalize_name(project), ()):
            if e["filename"] == filename:
                return e
        return None

    def meta(self, e):
        name, version = split(e["filename"])
        # metadata_requires_python: the METADATA's alone (the index's
        # page says nothing, as an index without data-requires-python)
        return metadata(name, version, e.get("metadata_requires_python",
                                             e.get("requires_python")),
                        e.get("requires_dist", ()))

    def data(self, e):
        if "data" in e:  # the bytes given (a wheel with real ELF files)
            return e["data"]
        fn = e["filename"]
        if fn not in self._bytes:
            meta = self.meta(e)
            self._bytes[fn] = wheel(fn, meta) if fn.endswith(".whl") \
                else sdist(fn, meta, e.get("requires_python"))
        return self._bytes[fn]

    def sha256(self, e):
        """The file's digest, or the one the entry says (a bad one)."""
        return e.get("sha256") or hashlib.sha256(self.data(e)).hexdigest()

    def simple_html(self, project, base, metadata_files=False):
        """A PEP 503 page; hrefs relative to ``base`` (the page's URL)."""
        links = []
        for e in self.entries[canonicalize_name(project)]:
            attrs = ' href="{}{}#sha256={}"'.format(
                base, e["filename"], self.sha256(e))
            if e.get("requires_python"):
                attrs += ' data-requires-python="{}"'.format(
                    html.escape(e["requires_python"]))
            if e.get("yanked"):
                attrs += ' data-yanked="{}"'.format(
                    html.escape(e["yanked"] if isinstance(e["yanked"], str)
                                else ""))
            if metadata_files and e["filename"].endswith(".whl"):
                digest = hashlib.sha256(self.meta(e).encode()).hexdigest()
                attrs += ' data-dist-info-metadata="sha256={0}" ' \
                         'data-core-metadata="sha256={0}"'.format(digest)
            links.append("<a{}>{}</a><br/>".format(attrs, e["filename"]))
        return ("<!DOCTYPE html><html><head><meta name=\"pypi:repository-"
                "version\" content=\"1.0\"><title>Links for {0}</title>"
                "</head><body><h1>Links for {0}</h1>{1}</body></html>\n"
                .format(project, "".join(links))).encode()

    def simple_json(self, project, base, metadata_files=False):
        """A PEP 691 page."""
        files = []
        for e in self.entries[canonicalize_name(project)]:
            f = {"filename": e["filename"], "url": base + e["filename"],
                 "hashes": {"sha256": self.sha256(e)},
                 "size": len(self.data(e))}
            if e.get("requires_python"):
                f["requires-python"] = e["requires_python"]
            if e.get("yanked"):
                f["yanked"] = e["yanked"]
            if metadata_files and e["filename"].endswith(".whl"):
                digest = hashlib.sha256(self.meta(e).encode()).hexdigest()
                # PEP 714's key, and the old one as PyPI spells it (a
                # dict under "dist-info-metadata" crashes pip 23.0)
                f["core-metadata"] = f["data-dist-info-metadata"] = {
                    "sha256": digest}
            files.append(f)
        return json.dumps({"meta": {"api-version": "1.1"}, "name": project,
                           "files": files}).encode()


def pypi_requires(project, version):
    """The Requires-Dist the PyPI test data gives a release, or None: a
    wheel built from the same sdist (piwheels') has the same metadata."""
    from packaging.version import InvalidVersion, Version

    path = os.path.join(DATA, "pypi", canonicalize_name(project) + ".json")
    try:
        with open(path) as f:
            entries = json.load(f)["files"]
        wanted = Version(version)
    except (OSError, ValueError, InvalidVersion):
        return None
    for e in entries:
        try:
            if Version(split(e["filename"])[1]) == wanted:
                return e.get("requires_dist", [])
        except InvalidVersion:
            continue
    return None
