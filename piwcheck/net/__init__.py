# SPDX-License-Identifier: BSD-3-Clause
"""Everything piwcheck does over HTTP: one Transport (a pooled session,
retries, time budgets, a size cap, the persistent cache) and where that
cache lives.  requests and CacheControl are imported only when a
Transport is made, and the transport itself when first named (the
command line's option checks need only ``options``)."""

import os

__all__ = ["Transport", "default_dir"]


def __getattr__(name: str):
    if name == "Transport":
        from .transport import Transport
        return Transport
    raise AttributeError("module {!r} has no attribute {!r}".format(
        __name__, name))


def default_dir() -> str:
    """``$XDG_CACHE_HOME/piwcheck``, or ``~/.cache/piwcheck``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "piwcheck")
