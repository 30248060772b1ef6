# SPDX-License-Identifier: BSD-3-Clause
"""Reading an input file safely: only a regular file (a FIFO would hang,
``/dev/zero`` never end), and at most :data:`MAX_BYTES` of it or of
standard input."""

import os
import stat
from typing import Optional

#: The most piwcheck reads of a requirements file or a pip.conf.
MAX_BYTES = 10 * 1000 * 1000
#: The cap, as the errors say it.
MAX_TEXT = "10 MB"


class FileProblem(Exception):
    """Not a file piwcheck reads; the message says why (one line)."""


def _bounded(read, limit: Optional[int] = None) -> bytes:
    """What ``read(n)`` gives until it ends, at most ``limit`` bytes
    (MAX_BYTES)."""
    limit = MAX_BYTES if limit is None else limit
    chunks = []
    size = 0
    while True:
        chunk = read(min(1 << 20, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            text = MAX_TEXT if limit == MAX_BYTES else \
                "{:g} MB".format(limit / 1e6)
            raise FileProblem("larger than {} (piwcheck reads at most "
                              "{})".format(text, text))


def read_file(path: str, limit: Optional[int] = None) -> bytes:
    """The bytes of the regular file at ``path``; OSError when it cannot
    be opened (IsADirectoryError for a directory), FileProblem when it is
    not a regular file or is larger than ``limit``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(
        os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)  # a FIFO opens at once, and is refused below
    with os.fdopen(fd, "rb", buffering=0) as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", path)
        if not stat.S_ISREG(mode):
            raise FileProblem("not a regular file")
        return _bounded(f.read, limit)


def read_stream(stream) -> bytes:
    """At most MAX_BYTES of a binary stream (standard input)."""
    return _bounded(stream.read)
