# SPDX-License-Identifier: BSD-3-Clause
"""The persistent HTTP cache: CacheControl (which pip also uses) decides
what to store and when to revalidate; this module only stores its entries,
one file each, written atomically so concurrent processes and interrupted
writes never leave a half-written entry where a reader can see it."""

import hashlib
import os
import tempfile
from typing import Optional

from cachecontrol.cache import BaseCache
from cachecontrol.serialize import Serializer


def default_dir() -> str:
    """``$XDG_CACHE_HOME/piwcheck``, or ``~/.cache/piwcheck``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "piwcheck")


class DirCache(BaseCache):
    """CacheControl entries as files in ``directory``."""

    def __init__(self, directory: str):
        self.directory = os.path.join(directory, "http")
        os.makedirs(self.directory, mode=0o700, exist_ok=True)

    def _path(self, key: str) -> str:
        return os.path.join(self.directory,
                            hashlib.sha256(key.encode()).hexdigest())

    def get(self, key: str) -> Optional[bytes]:
        try:
            with open(self._path(key), "rb") as f:
                return f.read()
        except OSError:
            return None

    def set(self, key: str, value: bytes, expires=None) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(value)
            os.replace(tmp, self._path(key))
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def delete(self, key: str) -> None:
        try:
            os.unlink(self._path(key))
        except OSError:
            pass


class SafeSerializer(Serializer):
    """A damaged entry is a cache miss (and is refetched), never an
    error."""

    def loads(self, request, data, *args, **kwargs):
        try:
            return super().loads(request, data, *args, **kwargs)
        except Exception:  # any damage, whatever the decoder raises
            return None
