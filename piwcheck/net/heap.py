# SPDX-License-Identifier: BSD-3-Clause
"""Large buffers given back to the system when freed.  glibc's malloc
raises its mmap threshold each time a large block is freed (up to 32 MB
on 64-bit machines), after which a page's body, its decoded text and
its JSON, read by several threads at once, land in per-thread heaps
that keep their freed pages: a run over real pages (a few MB each)
held 30-80 MB more than it used.  A fixed threshold keeps every large
buffer in its own mapping, unmapped when freed."""

import threading

#: Bytes from which a block is mapped on its own (glibc's default start).
THRESHOLD = 128 * 1024
#: The body size from which the threshold is fixed: below it, a run has
#: no large buffers (and does not load ctypes, a cost at start-up).
LARGE = 512 * 1024
_M_MMAP_THRESHOLD = -3

_done = threading.Event()


def bound() -> bool:
    """Fix malloc's mmap threshold, once a run; whether it was set
    (False where the C library has no mallopt, or refuses)."""
    if _done.is_set():
        return False
    _done.set()
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        return libc.mallopt(_M_MMAP_THRESHOLD, THRESHOLD) == 1
    except (ImportError, OSError, AttributeError):
        return False
