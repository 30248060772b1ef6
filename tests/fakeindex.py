# SPDX-License-Identifier: BSD-3-Clause
"""What the two fake indexes (piwserver.PiwheelsServer and
pypiserver.PypiServer) share: a threaded HTTP server on 127.0.0.1
(HTTPS when asked), a request log, a delay and a shared-link bandwidth,
the faults of ``faults.FAULTS``, forward and CONNECT proxying to
127.0.0.1, and a simple index (``/simple/<name>/`` and its files) made
from ``files`` (a ``distfiles.Files``).  Each fake adds its own paths by
overriding ``IndexHandler.route``."""

import hashlib
import socket
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from distfiles import SIMPLE_JSON, Files
from faults import FAULT_LIMIT, FAULTS

NOT_FOUND = (b"<!DOCTYPE html><html><head><title>piwheels - 404</title>"
             b"</head><body><h1>Not Found</h1></body></html>\n")


#: The name of each thread a fake server runs.
SERVER_THREAD = "fake-index"


class FakeIndex:
    """A fake index server; a subclass names its ``handler`` class."""

    #: Whether the simple index answers PEP 691 JSON (else HTML only)
    #: and offers PEP 658 metadata files.
    simple_json = False
    metadata_files = False
    #: Seconds of Cache-Control max-age on the simple pages and their
    #: files (0: pages must be revalidated by their ETag; files carry
    #: no cache headers).
    max_age = 0

    def __init__(self, delay=0.0, bandwidth=None):
        #: The files of the simple index.
        self.files = Files()
        self.delay = delay
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
        #: Requests inside their delay now, and the most there were.
        self.waiting = 0
        self.peak_waiting = 0
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

    def start(self, port=0, tls=None, client_ca=None):
        """Listen on 127.0.0.1; ``tls`` is (certfile, keyfile) for HTTPS;
        ``client_ca``: the clients must show a certificate it signed."""
        server = self

        class Handler(self.handler):
            fake = server

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def process_request_thread(self, request, client_address):
                # named, so ThreadPeak knows it when its run is over
                # (a thread's target is gone by the time it ends)
                threading.current_thread().name = SERVER_THREAD
                super().process_request_thread(request, client_address)

            def handle_error(self, request, client_address):
                # a client that hung up mid-answer is normal here
                server.errors.append(sys.exc_info()[1])

        self._httpd = Server(("127.0.0.1", port), Handler)
        self.scheme = "http"
        if tls:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            if client_ca:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(client_ca)
            self._httpd.socket = context.wrap_socket(self._httpd.socket,
                                                     server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        daemon=True, name=SERVER_THREAD)
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
        """piwcheck's options for this index alone."""
        return ["--index-url", self.index]

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
        """Requests for ``name`` (all requests when None)."""
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
            self.peak_waiting = 0


class IndexHandler(BaseHTTPRequestHandler):
    """Answers for a FakeIndex (``fake``, set per server)."""

    fake = None
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without TCP_NODELAY,
    # Nagle's algorithm and the client's delayed ACK add 40 ms to every
    # small answer, which no real server does.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _record(self, name, status):
        with self.fake.lock:
            self.fake.log.append((self.path, name, status,
                                  dict(self.headers)))
            self.fake.statuses[status] += 1

    def send_body(self, status, body, ctype="application/json",
                  headers=None, name=None):
        self._record(name, status)
        self.send_response(status)
        if status != 304:  # a 304 has no body to describe (RFC 9110)
            self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body is not None and self.command != "HEAD":
            if self.fake.bandwidth:
                self.fake.send_slowly(self.wfile, body)
            else:
                self.wfile.write(body)

    def fault(self, name):
        """Play the fault set for ``name``, if any; True when it answered
        (False: answer normally)."""
        fault = self.fake.faults.get(name)
        if fault is None:
            return False
        play = FAULTS[fault] if isinstance(fault, str) else fault
        return play(self, name) is not False

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
        with self.fake.lock:
            self.fake.tunnels += 1
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
        with self.fake.lock:
            self.fake.arrivals.append((time.monotonic(), self.path))
        if self.fake.delay:
            with self.fake.lock:
                self.fake.waiting += 1
                self.fake.peak_waiting = max(self.fake.peak_waiting,
                                             self.fake.waiting)
            try:
                time.sleep(self.fake.delay)
            finally:
                with self.fake.lock:
                    self.fake.waiting -= 1
        path = self.path
        if path.startswith("http://"):  # asked as a forward proxy
            path = "/" + path.split("/", 3)[-1]
            self.fake.proxied += 1
        parts = path.split("?")[0].split("/")
        if len(parts) >= 3 and parts[1] == "simple" and parts[2]:
            return self.do_simple(parts[2], "/".join(parts[3:]), path)
        if not self.route(path, parts):
            self.send_body(404, NOT_FOUND, "text/html")

    def route(self, path, parts):
        """Answer a request outside /simple/ (``parts``: its path split
        at "/"); False when this index has no such path."""
        return False

    def do_simple(self, name, rest, path):
        """/simple/<name>/ and the files it links to."""
        from packaging.utils import canonicalize_name

        canon = canonicalize_name(name)
        if not rest and self.fault(canon):
            return
        files = self.fake.files
        if canon not in files.entries or not files.entries[canon]:
            return self.send_body(404, NOT_FOUND, "text/html", name=canon)
        if name != canon or (not rest and not path.endswith("/")):
            return self.send_body(301, b"", "text/html", {
                "Location": "/simple/{}/{}".format(canon, rest)}, canon)
        if not rest:
            return self.simple_page(canon)
        meta = rest.endswith(".metadata") and self.fake.metadata_files
        entry = files.entry(canon, rest[:-len(".metadata")] if meta else rest)
        if entry is None:
            return self.send_body(404, NOT_FOUND, "text/html", name=canon)
        body = files.meta(entry) if meta else files.data(entry)
        if body is None:  # not held (the recorded corpus has no files)
            return self.send_body(404, NOT_FOUND, "text/html", name=canon)
        headers = ({"Cache-Control": "max-age={}".format(self.fake.max_age)}
                   if self.fake.max_age else None)
        if meta:
            return self.send_body(200, body.encode(), "text/plain", headers,
                                  name=canon)
        return self.send_body(200, body, "application/octet-stream", headers,
                              name=canon)

    def simple_page(self, canon):
        """/simple/<canon>/: JSON when asked and offered, else HTML."""
        files = self.fake.files
        if self.fake.simple_json and SIMPLE_JSON in self.headers.get(
                "Accept", ""):
            body = files.page("json", canon, "", self.fake.metadata_files)
            ctype = SIMPLE_JSON
        else:
            body = files.page("html", canon, "", self.fake.metadata_files)
            ctype = "text/html"
        etag = '"{}"'.format(hashlib.sha1(body).hexdigest()[:16])
        headers = {"ETag": etag,
                   "Cache-Control": "max-age={}".format(self.fake.max_age),
                   "Vary": "Accept"}
        if self.headers.get("If-None-Match") == etag:
            return self.send_body(304, None, headers=headers, name=canon)
        return self.send_body(200, body, ctype, headers, canon)


def serve_until_interrupted(server):
    """Keep a started fake serving until ^C, then stop it."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
