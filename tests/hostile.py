# SPDX-License-Identifier: BSD-3-Clause
"""A catalogue of hostile index answers, and a driver that runs piwcheck
on each in a child process of its own, under a memory limit.

``CATALOGUE`` lists ``Hostile`` entries: where the answer is served (the
piwheels fake's project document, the PyPI fake's simple page, or the
piwheels site's /packages.json), how (a callable(handler, name) as in
``faults.FAULTS``, given the project's name), and what piwcheck must
make of it: ``error`` with words of the one-line reason, or a status and
the file it must choose once the bad files are skipped.

``python3 hostile.py`` reads a JSON list of [key, argv] on stdin and
prints, for each, the exit code, stdout, stderr, seconds and peak RSS
(kB) of ``piwcheck.cli.main(argv)`` run in a forked child whose address
space is limited to ``LIMIT_AS`` (piwcheck is imported once, before the
forks, so each child starts as a fresh process would, only sooner)."""

import gzip
import json
import os
import sys
import zlib
from collections import namedtuple

#: The child's address-space limit; Python and its libraries need a
#: few hundred MB of it.
LIMIT_AS = 1 << 30

Hostile = namedtuple("Hostile", "id site play status words")

SHA = "ab" * 32


def send(h, name, body, headers=(), status=200, length=True):
    """Answer ``body`` with exactly ``headers`` (pairs, repeats allowed,
    any text), then hang up."""
    h._record(name, status)
    head = ["HTTP/1.1 {} X".format(status)]
    head += ["{}: {}".format(k, v) for k, v in headers]
    head.append("Connection: close")
    if length:
        head.append("Content-Length: {}".format(len(body)))
    h.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
    h.wfile.flush()
    h.close_connection = True


def answer(body, ctype="application/json", headers=(), status=200,
           length=True):
    """A play: ``body`` (bytes, or callable(name) -> bytes)."""
    def play(h, name):
        data = body(name) if callable(body) else body
        send(h, name, data, [("Content-Type", ctype)] + list(headers),
             status, length)
    return play


# -- piwheels documents ----------------------------------------------------

def entry(name, filename, **changes):
    """A valid piwheels file entry for ``filename``."""
    e = {"file_url": "https://example.org/{}/{}".format(name, filename),
         "filehash": SHA, "filesize": 1000, "builder_abi": "cp311",
         "file_abi_tag": "none", "platform": "any",
         "requires_python": None, "apt_dependencies": [],
         "pip_dependencies": []}
    e.update(changes)
    return e


def good_wheel(name):
    """The one good wheel of every hostile project."""
    return "{}-1.0-py3-none-any.whl".format(name.replace("-", "_"))


def piw_doc(extra=None, **changes):
    """callable(name) -> a piwheels document whose release 1.0 has one
    good wheel, with ``extra`` (callable(name) -> {version: {filename:
    entry}}) added; ``changes`` change the good wheel's entry."""
    def make(name):
        releases = {"1.0": {"files": {good_wheel(name): entry(
            name, good_wheel(name), **changes)}}}
        for version, files in (extra(name) if extra else {}).items():
            releases.setdefault(version, {"files": {}})["files"].update(
                files)
        return json.dumps({"package": name, "releases": releases}).encode()
    return make


def piw_extra(*filenames, version="2.0", **changes):
    """``extra`` for piw_doc: files (``{n}`` is the project's name with
    '_' for '-') in release ``version``."""
    def make(name):
        n = name.replace("-", "_")
        return {version: {fn.format(n=n): entry(name, fn.format(n=n),
                                                **changes)
                          for fn in filenames}}
    return make


def nested(depth, inner=b"1"):
    return b"[" * depth + inner + b"]" * depth


def tags_filename(parts):
    comp = ".".join("a{}".format(i) for i in range(parts))
    return "{{n}}-2.0-{c}-{c}-{c}.whl".format(c=comp)


# -- answers of the transport ---------------------------------------------

def gzipped_zeros(size):
    """``size`` zero bytes, gzipped."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    out = [c.compress(block) for _ in range(size >> 20)]
    return b"".join(out + [c.flush()])


_BOMB = []


def bomb(name):
    """256 MB of zeros, gzipped three times over: a few hundred bytes."""
    if not _BOMB:
        _BOMB.append(gzip.compress(gzip.compress(gzipped_zeros(1 << 28))))
    return _BOMB[0]


def deflated(raw):
    def make(name):
        c = zlib.compressobj(6, zlib.DEFLATED, -15 if raw else 15)
        return c.compress(piw_doc()(name)) + c.flush()
    return make


def redirect(location):
    return answer(b"", "text/html", [("Location", location)], status=302)


def simple_json(files):
    """callable(name) -> a PEP 691 page of ``files`` (callable(name) ->
    list), plus one good wheel."""
    def make(name):
        rows = [{"filename": good_wheel(name), "url": good_wheel(name),
                 "hashes": {"sha256": SHA}}] + files(name)
        return json.dumps({"meta": {"api-version": "1.0"}, "name": name,
                           "files": rows}).encode()
    return make


def simple_html(links):
    """callable(name) -> a PEP 503 page of ``links`` (callable(name) ->
    list of hrefs), plus one good wheel."""
    def make(name):
        hrefs = [good_wheel(name) + "#sha256=" + SHA] + links(name)
        return ("<!DOCTYPE html><html><body>" + "".join(
            '<a href="{}">x</a>\n'.format(h) for h in hrefs) +
            "</body></html>").encode()
    return make


PEP691 = "application/vnd.pypi.simple.v1+json"
W = "{n}-2.0-py3-none-any.whl"


def _n(name):
    return name.replace("-", "_")


CATALOGUE = [
    # -- JSON bombs (piwheels documents, PEP 691 pages, packages.json) --
    Hostile("deep-arrays", "piwheels", answer(lambda n: nested(200000)), "error",
            "nests more than 64 deep"),
    Hostile("deep-unclosed", "piwheels", answer(
        lambda n: b'{"releases": ' + b'{"a": ' * 100000), "error",
        "nests more than 64 deep"),
    Hostile("deep-in-a-field", "piwheels", answer(
        lambda n: piw_doc()(n)[:-1] + b', "x": ' + nested(5000) + b"}"),
        "error", "nests more than 64 deep"),
    Hostile("many-values", "piwheels", answer(
        lambda n: b"[" + b"0," * 2100000 + b"0]"), "error", "more than 2000000 JSON"),
    Hostile("many-empty-objects", "piwheels", answer(
        lambda n: b"[" + b"{}," * 2100000 + b"{}]"), "error", "more than 2000000 JSON"),
    Hostile("huge-integer", "piwheels", answer(
        lambda n: piw_doc()(n).replace(b'"filesize": 1000',
                                       b'"filesize": ' + b"9" * 5000)),
        "error", "not JSON"),
    Hostile("simple-deep", "simple", answer(
        lambda n: b'{"files": ' + nested(200000), PEP691), "error",
        "nests more than 64 deep"),
    # -- versions, names, tags --
    Hostile("version-5000-digits", "piwheels", answer(piw_doc(piw_extra(
        "{n}-" + "1" * 5000 + "-py3-none-any.whl", version="1" * 5000))),
        "ok", "1.0"),
    Hostile("version-200-digits", "piwheels", answer(piw_doc(piw_extra(
        "{n}-" + "9" * 200 + "-py3-none-any.whl", version="9" * 200))),
        "ok", "9" * 200),
    Hostile("empty-tag-part", "piwheels", answer(piw_doc(piw_extra(
        "{n}-2.0-py3..-none-any.whl"))), "ok", "1.0"),
    Hostile("interpreter-not-identifier", "piwheels", answer(piw_doc(
        piw_extra("{n}-2.0-3py-none-any.whl"))), "ok", "1.0"),
    Hostile("27-million-tags", "piwheels", answer(piw_doc(piw_extra(
        tags_filename(300)))), "ok", "1.0"),
    Hostile("8000-tags", "piwheels", answer(piw_doc(piw_extra(
        tags_filename(20)))), "ok", "1.0"),
    Hostile("build-tag-5000-digits", "piwheels", answer(piw_doc(piw_extra(
        "{n}-2.0-" + "1" * 5000 + "-py3-none-any.whl"))), "ok", "1.0"),
    Hostile("build-tag-unicode-digits", "piwheels", answer(piw_doc(
        piw_extra("{n}-2.0-\u0663-py3-none-any.whl"))), "ok", "1.0"),
    Hostile("files-per-release", "piwheels", answer(piw_doc(piw_extra(
        *["{n}-2.0-%d-py3-none-any.whl" % i for i in range(10001)]))),
        "error", "more than 10000 files"),
    Hostile("not-the-projects-name", "piwheels", answer(lambda n: piw_doc(
        piw_extra("numpy-9.9-py3-none-any.whl", version="9.9"))(n).replace(
            b'"package": "' + n.encode(), b'"package": "numpy')),
        "ok", "1.0"),
    Hostile("other-release", "piwheels", answer(piw_doc(piw_extra(
        "{n}-9.9-py3-none-any.whl", version="2.0"))), "ok", "1.0"),
    Hostile("readme-and-passwd", "piwheels", answer(piw_doc(piw_extra(
        "README", "/etc/passwd", "../../{n}-2.0.tar.gz"))), "ok", "1.0"),
    Hostile("control-characters", "piwheels", answer(piw_doc(piw_extra(
        "{n}-2.0-py3-none-any\x1b[2J.whl", "{n}-2.0\x00.tar.gz"))),
        "ok", "1.0"),
    Hostile("file-url", "piwheels", answer(piw_doc(piw_extra(
        W, file_url="file:///etc/passwd"))), "ok", "1.0"),
    Hostile("hash-path", "piwheels", answer(piw_doc(
        filehash="../../../../tmp/planted")), "error",
        "'filehash' is not a sha256"),
    Hostile("hash-newline", "piwheels", answer(piw_doc(
        filehash=SHA + "\n")), "error", "'filehash' is not a sha256"),
    Hostile("wrong-types", "piwheels", answer(piw_doc(
        apt_dependencies=[1])), "error", "holds a non-string"),
    Hostile("releases-a-list", "piwheels", answer(b'{"releases": []}'),
            "error", "field 'releases' is list"),
    Hostile("invalid-utf8", "piwheels", answer(
        lambda n: piw_doc()(n).replace(b'"1.0"', b'"1.0\xff"', 1)),
        "error", "not JSON"),
    # -- the transport --
    # decoding 64 MB is bounded by the cap, or on a slow or busy machine
    # by the document's time budget first: either is the bound working
    Hostile("gzip-bomb", "piwheels", answer(bomb, headers=[
        ("Content-Encoding", "gzip, gzip, gzip")]), "error",
        ("larger than 64 MB", "the answer took longer than")),
    Hostile("gzip-cut-short", "piwheels", answer(
        lambda n: gzip.compress(piw_doc()(n))[:-12],
        headers=[("Content-Encoding", "gzip")]), "error", "cut short"),
    Hostile("gzip-twice-good", "piwheels", answer(
        lambda n: gzip.compress(gzip.compress(piw_doc()(n))),
        headers=[("Content-Encoding", "gzip, gzip")]), "ok", "1.0"),
    Hostile("deflate-raw-good", "piwheels", answer(deflated(True), headers=[
        ("Content-Encoding", "deflate")]), "ok", "1.0"),
    Hostile("deflate-zlib-good", "piwheels", answer(deflated(False),
            headers=[("Content-Encoding", "deflate")]), "ok", "1.0"),
    Hostile("encoding-not-asked", "piwheels", answer(piw_doc(), headers=[
        ("Content-Encoding", "br")]), "error", "not asked for (br)"),
    Hostile("encoded-ten-times", "piwheels", answer(piw_doc(), headers=[
        ("Content-Encoding", ", ".join(["gzip"] * 10))]), "error",
        "encoded 10 times over"),
    Hostile("plain-70-mb", "piwheels", answer(lambda n: b" " * 70000000), "error",
            "larger than 64 MB"),
    Hostile("huge-content-length", "piwheels", answer(
        piw_doc(), headers=[("Content-Length", "9" * 30)], length=False),
        "error", "cut short"),
    Hostile("content-length-superscript", "piwheels", answer(
        piw_doc(), headers=[("Content-Length", "\u00b2"),
                            ("Cache-Control", "max-age=600")],
        length=False), None, None),
    Hostile("duplicate-content-length", "piwheels", answer(
        piw_doc(), headers=[("Content-Length", "10"),
                            ("Content-Length", "20")], length=False),
        "error", ""),
    Hostile("retry-after-superscript", "piwheels", answer(
        b"busy", "text/html", [("Retry-After", "\u00b2")], status=503),
        "error", "answered HTTP 503"),
    Hostile("retry-after-huge", "piwheels", answer(
        b"busy", "text/html", [("Retry-After", "9" * 400)], status=429),
        "error", "asked to wait 86400 s"),
    Hostile("redirect-bad-ipv6", "piwheels", redirect("http://[::1"),
            "error", "IPv6"),
    Hostile("redirect-file", "piwheels", redirect("file:///etc/passwd"),
            "error", "adapters"),
    Hostile("redirect-no-host", "piwheels", redirect("http://"),
            "error", ""),
    Hostile("wrong-content-type", "simple", answer(
        simple_json(lambda n: []), "application/octet-stream"),
        "error", "not a simple index page"),
    # -- the simple API --
    Hostile("simple-files-not-a-list", "simple", answer(
        b'{"files": {}}', PEP691), "error", "not a PEP 691 project page"),
    Hostile("simple-wrong-types", "simple", answer(simple_json(
        lambda n: [{"filename": 5, "url": []}]), PEP691), "error",
        "not a file entry"),
    Hostile("simple-hash-path", "simple", answer(simple_json(
        lambda n: [{"filename": W.format(n=_n(n)), "url": "x.whl",
                    "hashes": {"sha256": "../../planted"}}]), PEP691),
        "error", "sha256 is not 64 hex digits"),
    Hostile("simple-100001-files", "simple", answer(simple_json(
        lambda n: [{"filename": "a", "url": "a"}] * 100000), PEP691),
        "error", "more than 100000 files"),
    Hostile("simple-foreign-files", "simple", answer(simple_json(
        lambda n: [{"filename": f.format(n=_n(n)), "url": u}
                   for f, u in [("numpy-9.9-py3-none-any.whl", "a.whl"),
                                ("README", "README"),
                                ("passwd", "/etc/passwd"),
                                ("{n}-2.0-py3..-none-any.whl", "b.whl"),
                                (W, "file:///etc/" + W)]]), PEP691),
        "ok", "1.0"),
    Hostile("html-million-links", "simple", answer(
        lambda n: b"<html><body>" + b'<a href="x">x</a>' * 1000000 +
        b"</body>", "text/html"), "error", "more than 100000 links"),
    Hostile("html-bad-hash", "simple", answer(simple_html(
        lambda n: [W.format(n=_n(n)) + "#sha256=../../planted"]),
        "text/html"), "error", "sha256 is not 64 hex digits"),
    Hostile("html-foreign-links", "simple", answer(simple_html(
        lambda n: ["numpy-9.9-py3-none-any.whl", "README", "/etc/passwd",
                   "file:///x/" + W.format(n=_n(n)),
                   "{}-2.0-py3..-none-any.whl".format(_n(n))]),
        "text/html"), "ok", "1.0"),
    Hostile("html-marked-section", "simple", answer(
        b"<html><body><![if x]><a href='y'>y</a><![endif]>"
        b"<!unclosed <![CDATA[ <a", "text/html"), "no-match", None),
    Hostile("html-invalid-utf8", "simple", answer(
        b"<html>\xff\xfe<a href='x'>x</a></html>", "text/html"),
        "error", "not UTF-8"),
    Hostile("html-char-references", "simple", answer(
        b"<a href='&#99999999999;&#0;&#xD800;'>x</a>", "text/html"),
        "no-match", None),
    # -- piwheels' download statistics (fetched for --json) --
    Hostile("packages-json-deep", "stats", answer(
        lambda n: nested(200000)),
            None, None),
    Hostile("packages-json-deep-row", "stats", answer(
        lambda n: b'[["numpy", 1, 2], ' + nested(200000) + b"]"), None, None),
    Hostile("packages-json-bomb", "stats", answer(bomb, headers=[
        ("Content-Encoding", "gzip, gzip, gzip")]), None, None),
]


def _child(argv, out, err):
    """In a forked child: piwcheck.cli.main(argv) under LIMIT_AS, its
    output into the files ``out`` and ``err``; never returns."""
    import resource

    code = 99
    try:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        from piwcheck.cli import main
        code = main(argv)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 98)


def run_all(jobs, parallel=3):
    """{key: result} of each [key, argv] of ``jobs``, ``parallel`` at a
    time: exit code, stdout, stderr, seconds and peak RSS (kB) of
    piwcheck.cli.main(argv) in a forked child under LIMIT_AS."""
    import tempfile
    import time

    todo, running, results = list(jobs), {}, {}
    while todo or running:
        while todo and len(running) < parallel:
            key, argv = todo.pop(0)
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
            start = time.monotonic()
            pid = os.fork()
            if pid == 0:
                _child(argv, out, err)
            running[pid] = (key, out, err, start)
        pid, status, usage = os.wait4(-1, 0)
        key, out, err, start = running.pop(pid)
        took = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        results[key] = {
            "code": status >> 8 if os.WIFEXITED(status) else -status,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "seconds": took, "rss_kb": usage.ru_maxrss}
        out.close()
        err.close()
    return results


def main():
    import piwcheck.cli  # noqa: F401  (imported once, before the forks)
    import requests  # noqa: F401

    json.dump(run_all(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
