# SPDX-License-Identifier: BSD-3-Clause
"""The base of the indexes read over HTTP: it holds the transport, so
fetching a project, its cached model, downloading a file and stopping
are written once; a kind says where a project's document is and how to
read it."""

from typing import Callable, Optional, Tuple

from ..errors import FetchError, NotFound, PiwcheckError
from ..model import File, Project
from ..names import canonical_name
from ..net.errors import describe
from . import Index, guarded


class HttpIndex(Index):
    """An index read over HTTP through a shared transport.  Subclasses
    set ``accept`` and implement ``project_url`` and ``parse``."""

    accept = "*/*"

    def __init__(self, url: str, transport):
        super().__init__(url)
        self.transport = transport

    @classmethod
    def claims(cls, url: str, piwheels_site: str) -> bool:
        return url.startswith(("http://", "https://"))

    def project_url(self, name: str) -> str:
        """Where the document of project ``name`` (canonical) is."""
        raise NotImplementedError

    def parse(self, body: bytes, ctype: str, name: str,
              url: str) -> Project:
        """The model of an answer; DataError when it is not one."""
        raise NotImplementedError

    @property
    def can_prefetch(self) -> bool:
        return self.transport.can_prefetch

    def cached(self, name: str) -> Optional[Tuple[bytes, Project]]:
        url = self.project_url(name)
        return self.transport.cached(url, self.model_key(url))

    def model_key(self, url: str) -> str:
        """What the model of the document at ``url`` is kept under: the
        URL, and what ``wanted`` keeps of it."""
        if self.wanted is None:
            return url
        return "{}#wanted={}".format(url, self.wanted.key)

    def fetch(self, name: str,
              unless: Optional[Callable[[], Optional[bytes]]] = None
              ) -> Optional[Project]:
        url = self.project_url(canonical_name(name))
        try:
            return self.transport.fetch(url, guarded(
                lambda body, ctype: self.parse(body, ctype, name, url), url),
                self.accept, unless, self.model_key(url))
        except NotFound as exc:
            raise NotFound(self.not_found(url, exc))
        except PiwcheckError:
            raise
        except Exception as exc:  # the boundary of one project's fetch
            raise FetchError("{}: {}".format(url, describe(exc))) from exc

    def pep658(self, f: File):
        """The PEP 658 metadata file beside ``f``, when the page says
        there is one, else None."""
        if not f.has_metadata:
            return None
        from ..metadata import parse_core

        url = f.url + ".metadata"
        return self.transport.fetch(url, guarded(
            lambda body, ctype: parse_core(body, url), url), "*/*")

    def cached_pep658(self, f: File):
        """``pep658``'s answer from the cache alone, or None."""
        return self.transport.cached(f.url + ".metadata") \
            if f.has_metadata else None

    def download(self, f: File, out, max_bytes: int,
                 seconds: float) -> str:
        return self.transport.download(f.url, out, max_bytes, seconds)

    def abort(self) -> None:
        self.transport.abort()

    def not_found(self, url: str, exc: Exception) -> str:
        return "{} has no such project ({})".format(self.label, exc)
