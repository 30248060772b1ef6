# SPDX-License-Identifier: BSD-3-Clause
"""The ways the fake indexes misbehave on purpose: ``FAULTS`` maps a name
to a callable(handler, name) that answers a request badly (or returns
False to let the request be answered normally).  Set one with
``fake.faults[name] = "hang"``."""

import socket
import struct
import time

#: Longest any misbehaving answer runs, so nothing outlives a test.
FAULT_LIMIT = 120.0


def _wait(handler, seconds):
    """Sleep up to ``seconds``; False when the server is stopping."""
    return not handler.fake.stopping.wait(min(seconds, FAULT_LIMIT))


def _status(code, headers=None, times=None):
    """Answer ``code``; with ``times``, only the first that many requests
    (then the document is served)."""
    def fault(h, name):
        if times is not None:
            with h.fake.lock:
                seen = sum(1 for e in h.fake.log if e[1] == name)
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
        while time.monotonic() < deadline and not h.fake.stopping.is_set():
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass
    h.close_connection = True


def _truncated(h, name):
    # the document cut in half; filler where there is none (the PyPI fake)
    documents = getattr(h.fake, "documents", {})
    body = documents.get(name, b'{"releases": {}}' * 10)
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
