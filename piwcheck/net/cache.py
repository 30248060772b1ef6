# SPDX-License-Identifier: BSD-3-Clause
"""The persistent cache.  HTTP: CacheControl (which pip also uses) decides
what to store and when to revalidate; this module only stores its entries.
Models: each document's parsed, validated model, so a document that has
not changed (a 304) is not decoded and validated again, or the 404 its
URL last answered; both are what --offline answers.  One file an
entry, written atomically, so concurrent processes and interrupted writes
never leave a half-written entry where a reader can see it; a damaged
entry is a miss."""

import dataclasses
import hashlib
import io
import os
import pickle
import sys
import tempfile
from typing import Optional

import packaging

from cachecontrol.cache import BaseCache
from cachecontrol.controller import CacheController
from cachecontrol.serialize import Serializer

from ..metadata import Metadata
from ..model import File, Project, Release


def _write(path: str, data: bytes) -> Optional[str]:
    """Write ``data`` to ``path`` atomically; give up quietly: why it
    could not be written, or None."""
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                                   prefix=".tmp-")
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return exc.strerror or str(exc)
    return None


class DirCache(BaseCache):
    """CacheControl entries as files in ``directory``."""

    def __init__(self, directory: str):
        self.directory = os.path.join(directory, "http")
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        #: Why an entry could not be written (the first), or None.
        self.failed: Optional[str] = None

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
        self.failed = _write(self._path(key), value) or self.failed

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


#: What a later run reads of a stored answer's headers: CacheControl's
#: freshness and validators, and piwcheck's decoding.
_READ = ("cache-control", "expires", "etag", "last-modified", "vary",
         "content-type", "content-encoding")


class Controller(CacheController):
    """CacheControl's, but a 304 that changes nothing a later run reads
    leaves the stored entry, body and all, as it is: an entry that is
    never fresh (no max-age, no Expires: each use revalidates, whatever
    its Date) and whose headers above the 304 repeats.  CacheControl
    writes the whole entry again on every 304: a warm run rewrote every
    document it revalidated (0.7 ms each here; more on an SD card)."""

    def update_cached_response(self, request, response):
        cached = self.serializer.loads(
            request, self.cache.get(self.cache_url(request.url)))
        if cached is None or not self._same(cached.headers,
                                            response.headers):
            return super().update_cached_response(request, response)
        cached.headers.update({k: v for k, v in response.headers.items()
                               if k.lower() != "content-length"})
        cached.status = 200
        return cached

    def _same(self, stored, new) -> bool:
        """Whether a 304's headers ``new`` change nothing a later run
        reads of an entry whose headers are ``stored``."""
        for headers in (stored, new):
            if self.parse_cache_control(headers).get("max-age") or \
                    "expires" in headers:
                return False  # its Date makes it fresh for longer
        return all(new.get(k) is None or new.get(k) == stored.get(k)
                   for k in _READ)


#: The only classes a model entry may build.
_MODEL_CLASSES = {
    ("piwcheck.model", "Project"), ("piwcheck.model", "Release"),
    ("piwcheck.model", "_restore_release"),
    ("piwcheck.metadata", "Metadata"),
    ("packaging.version", "Version"), ("packaging.version", "_Version"),
    ("packaging._structures", "InfinityType"),
    ("packaging._structures", "NegativeInfinityType"),
}


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _MODEL_CLASSES:
            raise pickle.UnpicklingError("{}.{} is not part of a model"
                                         .format(module, name))
        return super().find_class(module, name)


def _stamp() -> bytes:
    """What an entry must have been written by: these model classes,
    this packaging and this Python; anything else is a miss."""
    shape = [(c.__name__, [f.name for f in dataclasses.fields(c)])
             for c in (Project, Release, File, Metadata)]
    text = repr((shape, packaging.__version__, sys.version_info[:2]))
    return ("piwcheck-model " + hashlib.sha256(
        text.encode()).hexdigest()[:16] + "\n").encode()


#: The key of an entry that says its URL answered 404 (a body's key is
#: hex digits).
_NOT_FOUND = b"not-found"


class ModelCache:
    """Parsed documents in ``directory``, one file per URL, each tagged
    with the hash of the body it was parsed from, or the "not found" of
    a URL whose last answer was a 404.  Entries are pickles read back by
    an unpickler that can build only the model's classes, after their
    own checksum is verified."""

    def __init__(self, directory: str):
        self.directory = os.path.join(directory, "model")
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self._stamp = _stamp()
        #: Why an entry could not be written (the first), or None.
        self.failed: Optional[str] = None

    def _path(self, url: str) -> str:
        return os.path.join(self.directory,
                            hashlib.sha256(url.encode()).hexdigest())

    @staticmethod
    def body_key(body: bytes) -> bytes:
        """What identifies a body (body.Packed works it out as it
        reads)."""
        return hashlib.sha256(body).hexdigest().encode()

    def get(self, url: str, body_key: bytes):
        """The model parsed from the body ``body_key`` names, or None."""
        latest = self.latest(url)
        return latest[1] if latest and latest[0] == body_key else None

    def latest(self, url: str):
        """(body key, model) of the last body parsed for ``url``, or
        None (none, a damaged one, or a "not found")."""
        entry = self._read(url)
        if entry is None or entry[0] == _NOT_FOUND:
            return None
        try:
            model = _ModelUnpickler(io.BytesIO(entry[1])).load()
        except Exception:  # any damage, whatever the unpickler raises
            return None
        return (entry[0], model) if isinstance(model, (Project, Metadata)) \
            else None

    def not_found(self, url: str) -> Optional[str]:
        """What ``url`` answered when its last answer was a 404 (kept by
        ``set_not_found``), or None."""
        entry = self._read(url)
        if entry is None or entry[0] != _NOT_FOUND:
            return None
        return entry[1].decode("utf-8", "replace")

    def _read(self, url: str):
        """(key, payload) of the entry of ``url`` when it is whole and
        of this version, or None."""
        try:
            with open(self._path(url), "rb") as f:
                data = f.read()
        except OSError:
            return None
        if not data.startswith(self._stamp):
            return None
        key, _, rest = data[len(self._stamp):].partition(b"\n")
        check, _, payload = rest.partition(b"\n")
        if check != hashlib.sha256(payload).hexdigest().encode():
            return None
        return key, payload

    def set(self, url: str, body_key: bytes, model) -> None:
        """Keep ``model``, parsed from the body ``body_key`` names."""
        self._write(url, body_key, pickle.dumps(model, protocol=4))

    def set_not_found(self, url: str, message: str) -> None:
        """Keep that ``url`` answered 404 (saying ``message``), in place
        of its model: what --offline answers for it."""
        self._write(url, _NOT_FOUND, message[:2000].encode("utf-8",
                                                           "replace"))

    def drop(self, url: str) -> None:
        """Forget the entry of ``url``."""
        try:
            os.unlink(self._path(url))
        except OSError:
            pass

    def _write(self, url: str, key: bytes, payload: bytes) -> None:
        self.failed = _write(self._path(url), b"".join([
            self._stamp, key, b"\n",
            hashlib.sha256(payload).hexdigest().encode(), b"\n",
            payload])) or self.failed
