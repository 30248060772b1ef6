# SPDX-License-Identifier: BSD-3-Clause
"""A piwheels-format HTTP server on 127.0.0.1 for tests and benchmarks.

Serves ``/project/<name>/json/`` from a folder of ``<name>.json`` files the
way piwheels' static site does (301 without the trailing slash, an HTML 404
for anything else, ETag and Last-Modified with conditional 304s), its
simple index ``/simple/<name>/`` with real wheel files for pip, and can
misbehave on purpose: see ``FAULTS``.  Run it alone with
``python3 tests/piwserver.py --help``."""

import argparse
import email.utils
import gzip
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from distfiles import SIMPLE_JSON, Files, pypi_requires

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                    "projects")
#: Longest any misbehaving answer runs, so nothing outlives a test.
FAULT_LIMIT = 120.0

NOT_FOUND = (b"<!DOCTYPE html><html><head><title>piwheels - 404</title>"
             b"</head><body><h1>Not Found</h1></body></html>\n")


class PiwheelsServer:
    """The server; ``documents`` maps canonical names to bytes."""

    #: Whether the simple index answers PEP 691 JSON (piwheels: HTML only)
    #: and offers PEP 658 metadata files.
    simple_json = False
    metadata_files = False

    def __init__(self, data_dir=DATA, delay=0.0, gzip_bodies=False,
                 bandwidth=None):
        self.documents = {}
        self.mtimes = {}
        #: The files of the simple index, made from the documents.
        self.files = Files()
        if data_dir:
            for fn in sorted(os.listdir(data_dir)):
                if fn.endswith(".json"):
                    with open(os.path.join(data_dir, fn), "rb") as f:
                        self.add(fn[:-5], f.read())
        #: The download statistics served at /packages.json (bytes).
        self.packages_json = None
        if self.documents:  # its own projects, used as much as released
            self.packages_json = json.dumps([
                [name, 100 * len(json.loads(body).get("releases", {})),
                 1000 * len(json.loads(body).get("releases", {}))]
                for name, body in sorted(self.documents.items())
                if body.startswith(b"{")], separators=(",", ":")).encode()
        self.delay = delay
        self.gzip_bodies = gzip_bodies
        #: Bytes a second for all bodies together (a shared link), or None.
        self.bandwidth = bandwidth
        self._link_free = 0.0
        #: name -> fault: a key of FAULTS, or a callable(handler, name).
        self.faults = {}
        self.log = []
        #: (time.monotonic(), path) of each request as it arrived, before
        #: any delay.
        self.arrivals = []
        #: Requests that came as a forward proxy's (absolute URI), and
        #: CONNECT tunnels opened.
        self.proxied = 0
        self.tunnels = 0
        #: Exceptions raised while answering (clients that hung up).
        self.errors = []
        self.statuses = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = None
        self._thread = None

    def send_slowly(self, wfile, body, chunk=16384):
        """Write ``body`` no faster than the shared link allows."""
        for i in range(0, len(body), chunk):
            piece = body[i:i + chunk]
            with self.lock:
                start = max(time.monotonic(), self._link_free)
                self._link_free = start + len(piece) / self.bandwidth
                done = self._link_free
            time.sleep(max(0.0, done - time.monotonic()))
            wfile.write(piece)

    def add(self, name, body, mtime=1700000000.0):
        """Serve ``body`` (bytes, or an object to encode) for ``name``."""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
        self.documents[name] = body
        self.mtimes[name] = mtime
        try:
            releases = json.loads(body)["releases"]
            entries = []
            for version, r in releases.items():
                for fn, f in sorted(r["files"].items()):
                    requires = pypi_requires(name, version)
                    entries.append({
                        "filename": fn,
                        "requires_python": f.get("requires_python"),
                        "yanked": bool(r.get("yanked")),
                        "requires_dist": f.get("pip_dependencies") or []
                        if requires is None else requires})
        except (ValueError, KeyError, TypeError, AttributeError):
            entries = []
        self.files.add(name, entries)

    def start(self, port=0, tls=None):
        """Listen on 127.0.0.1; ``tls`` is (certfile, keyfile) for HTTPS."""
        server = self

        class Handler(_Handler):
            piw = server

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # a client that hung up mid-answer is normal here
                server.errors.append(sys.exc_info()[1])

        self._httpd = Server(("127.0.0.1", port), Handler)
        self.scheme = "http"
        if tls:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket,
                                                     server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def url(self):
        return "{}://127.0.0.1:{}".format(self.scheme,
                                          self._httpd.server_address[1])

    @property
    def index(self):
        """The simple index URL, as pip.conf names it."""
        return self.url + "/simple"

    @property
    def only(self):
        """piwcheck's options for this site as the only index."""
        return ["--piwheels-url", self.url, "--index-url", self.index]

    def stop(self):
        self.stopping.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self):
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc):
        self.stop()

    def count(self, name=None):
        """Requests for ``name``'s document (all requests when None)."""
        with self.lock:
            return sum(1 for entry in self.log
                       if name is None or entry[1] == name)

    def reset_log(self):
        with self.lock:
            self.log.clear()
            self.arrivals.clear()
            self.statuses.clear()
            self.proxied = 0
            self.tunnels = 0


class _Handler(BaseHTTPRequestHandler):
    piw = None  # set per server
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without TCP_NODELAY,
    # Nagle's algorithm and the client's delayed ACK add 40 ms to every
    # small answer, which no real server does.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _record(self, name, status):
        with self.piw.lock:
            self.piw.log.append((self.path, name, status, dict(self.headers)))
            self.piw.statuses[status] += 1

    def send_body(self, status, body, ctype="application/json",
                  headers=None, name=None):
        self._record(name, status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body is not None and self.command != "HEAD":
            if self.piw.bandwidth:
                self.piw.send_slowly(self.wfile, body)
            else:
                self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_CONNECT(self):
        """Act as an HTTPS proxy: tunnel to a server on 127.0.0.1 only."""
        import select

        host, _, port = self.path.rpartition(":")
        if host not in ("127.0.0.1", "localhost") or not port.isdigit():
            return self.send_body(403, b"", "text/plain")
        try:
            upstream = socket.create_connection((host, int(port)), 5)
        except OSError:
            return self.send_body(502, b"", "text/plain")
        with self.piw.lock:
            self.piw.tunnels += 1
        self.send_response(200, "Connection established")
        self.end_headers()
        sockets = [self.connection, upstream]
        deadline = time.monotonic() + FAULT_LIMIT
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select(sockets, [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is self.connection
                     else self.connection).sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()
            self.close_connection = True

    def do_GET(self):
        with self.piw.lock:
            self.piw.arrivals.append((time.monotonic(), self.path))
        if self.piw.delay:
            time.sleep(self.piw.delay)
        path = self.path
        if path.startswith("http://"):  # asked as a forward proxy
            path = "/" + path.split("/", 3)[-1]
            self.piw.proxied += 1
        parts = path.split("?")[0].split("/")
        if len(parts) >= 3 and parts[1] == "simple" and parts[2]:
            return self.do_simple(parts[2], "/".join(parts[3:]), path)
        if len(parts) == 5 and parts[1] == "pypi" and parts[4] == "json" \
                and hasattr(self.piw, "release_json"):
            body = self.piw.release_json(parts[2], parts[3])
            if body is None:
                return self.send_body(404, NOT_FOUND, "text/html",
                                      name=parts[2])
            return self.send_body(200, body, name=parts[2])
        if path.split("?")[0] == "/packages.json" and \
                self.piw.packages_json is not None:
            fault = self.piw.faults.get("packages.json")
            if fault is not None:
                handler = FAULTS[fault] if isinstance(fault, str) else fault
                if handler(self, "packages.json") is not False:
                    return
            return self.send_document("packages.json",
                                      self.piw.packages_json)
        # ['', 'project', name, 'json', ''] or without the final ''
        if len(parts) in (4, 5) and parts[1] == "project" \
                and parts[3] == "json":
            name = parts[2]
            fault = self.piw.faults.get(name)
            if fault is not None:
                handler = FAULTS[fault] if isinstance(fault, str) else fault
                if handler(self, name) is not False:
                    return
            if name in self.piw.documents:
                if len(parts) == 4:
                    return self.send_body(
                        301, b"", "text/html",
                        {"Location": path + "/"}, name)
                return self.send_document(name)
            return self.send_body(404, NOT_FOUND, "text/html", name=name)
        self.send_body(404, NOT_FOUND, "text/html")

    def do_simple(self, name, rest, path):
        """/simple/<name>/ and the files it links to."""
        from packaging.utils import canonicalize_name

        fault = self.piw.faults.get(canonicalize_name(name))
        if fault is not None and not rest:
            handler = FAULTS[fault] if isinstance(fault, str) else fault
            if handler(self, canonicalize_name(name)) is not False:
                return
        files = self.piw.files
        canon = canonicalize_name(name)
        if canon not in files.entries or not files.entries[canon]:
            return self.send_body(404, NOT_FOUND, "text/html", name=canon)
        if name != canon or (not rest and not path.endswith("/")):
            return self.send_body(301, b"", "text/html", {
                "Location": "/simple/{}/{}".format(canon, rest)}, canon)
        if not rest:
            if self.piw.simple_json and SIMPLE_JSON in self.headers.get(
                    "Accept", ""):
                body = files.page("json", canon, "",
                                  self.piw.metadata_files)
                ctype = SIMPLE_JSON
            else:
                body = files.page("html", canon, "",
                                  self.piw.metadata_files)
                ctype = "text/html"
            etag = '"{}"'.format(hashlib.sha1(body).hexdigest()[:16])
            headers = {"ETag": etag, "Cache-Control": "max-age=0",
                       "Vary": "Accept"}
            if self.headers.get("If-None-Match") == etag:
                return self.send_body(304, None, headers=headers, name=canon)
            return self.send_body(200, body, ctype, headers, canon)
        meta = rest.endswith(".metadata") and self.piw.metadata_files
        entry = files.entry(canon, rest[:-len(".metadata")] if meta else rest)
        if entry is None:
            return self.send_body(404, NOT_FOUND, "text/html", name=canon)
        if meta:
            return self.send_body(200, files.meta(entry).encode(),
                                  "text/plain", name=canon)
        return self.send_body(200, files.data(entry),
                              "application/octet-stream", name=canon)

    def send_document(self, name, body=None):
        if body is None:
            body = self.piw.documents[name]
        etag = '"{}"'.format(hashlib.sha1(body).hexdigest()[:16])
        mtime = self.piw.mtimes.get(name, 1700000000.0)
        headers = {"ETag": etag,
                   "Last-Modified": email.utils.formatdate(mtime,
                                                           usegmt=True),
                   "Cache-Control": "max-age=0"}
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")]
        elif ims is not None:
            try:
                fresh = email.utils.parsedate_to_datetime(
                    ims).timestamp() >= int(mtime)
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            return self.send_body(304, None, headers=headers, name=name)
        if self.piw.gzip_bodies and "gzip" in self.headers.get(
                "Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send_body(200, body, headers=headers, name=name)


def _wait(handler, seconds):
    """Sleep up to ``seconds``; False when the server is stopping."""
    return not handler.piw.stopping.wait(min(seconds, FAULT_LIMIT))


def _status(code, headers=None, times=None):
    """Answer ``code``; with ``times``, only the first that many requests
    (then the document is served)."""
    def fault(h, name):
        if times is not None:
            with h.piw.lock:
                seen = sum(1 for e in h.piw.log if e[1] == name)
            if seen >= times:
                return False
        h.send_body(code, b"<html><body>busy</body></html>", "text/html",
                    headers, name)
    return fault


def _reset(h, name):
    h._record(name, "reset")
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def _hang(h, name):
    h._record(name, "hang")
    _wait(h, FAULT_LIMIT)
    h.close_connection = True


def _trickle(h, name):
    h._record(name, "trickle")
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "1000000")
    h.end_headers()
    try:
        while _wait(h, 0.5):
            h.wfile.write(b" ")
            h.wfile.flush()
    except OSError:
        pass
    h.close_connection = True


def _trickle_headers(h, name):
    """Headers one byte at a time, each well within any read timeout."""
    h._record(name, "trickle-headers")
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
        b"X-Padding: " + b"x" * 10000
    deadline = time.monotonic() + FAULT_LIMIT
    try:
        for byte in head:
            if not _wait(h, 0.5) or time.monotonic() > deadline:
                break
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
    except OSError:
        pass
    h.close_connection = True


def _endless(h, name):
    h._record(name, "endless")
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b" " * 65536
    deadline = time.monotonic() + FAULT_LIMIT
    try:
        start = b'{"releases": {"x": '
        h.wfile.write(b"%x\r\n%s\r\n" % (len(start), start))
        while time.monotonic() < deadline and not h.piw.stopping.is_set():
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass
    h.close_connection = True


def _truncated(h, name):
    body = h.piw.documents.get(name, b'{"releases": {}}' * 10)
    h._record(name, "truncated")
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body[:len(body) // 2])
    h.wfile.flush()
    h.close_connection = True


def _body(payload, ctype="application/json", headers=None):
    def fault(h, name):
        h.send_body(200, payload, ctype, headers, name)
    return fault


def _redirect_loop(h, name):
    h.send_body(302, b"", "text/html", {"Location": h.path}, name)


FAULTS = {
    "500": _status(500),
    "429-long": _status(429, {"Retry-After": "120"}),
    "503-once": _status(503, times=1),
    "429": _status(429, {"Retry-After": "1"}, times=1),
    "reset": _reset,
    "hang": _hang,
    "trickle": _trickle,
    "trickle-headers": _trickle_headers,
    "endless": _endless,
    "truncated": _truncated,
    "bad-gzip": _body(b"\x1f\x8b\x08\x00garbage-not-gzip",
                      headers={"Content-Encoding": "gzip"}),
    "not-json": _body(b'{"releases": {"1.0": '),
    "html": _body(b"<html><body>Please log in to the Wi-Fi</body></html>",
                  "text/html"),
    "empty": _body(b""),
    "redirect-loop": _redirect_loop,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA,
                        help="folder of <name>.json documents")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds added to every answer")
    parser.add_argument("--bandwidth", type=float, default=None,
                        help="MB a second for all answers together")
    args = parser.parse_args(argv)
    server = PiwheelsServer(args.data, delay=args.delay, bandwidth=(
        args.bandwidth * 1e6 if args.bandwidth else None)).start(args.port)
    print(server.url, flush=True)
    serve_until_interrupted(server)


def serve_until_interrupted(server):
    """Keep a started fake serving until ^C, then stop it."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
