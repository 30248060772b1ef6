# SPDX-License-Identifier: BSD-3-Clause
"""The indexes pip reads, behind one small interface: each reader turns
an index's answer for a project into the index-neutral model."""

from typing import Any, Callable, Optional, Tuple

from ..errors import NotFound
from ..model import Project
from ..names import canonical_name


class Index:
    """One index: where a project's document is, and how to read it.

    Subclasses set ``kind`` and ``accept`` and implement ``project_url``
    and ``parse``."""

    kind = ""
    accept = "*/*"

    def __init__(self, url: str, transport):
        #: The index URL as pip names it.
        self.url = url
        self.transport = transport

    @property
    def label(self) -> str:
        """How the report names this index."""
        return self.url

    def project_url(self, name: str) -> str:
        raise NotImplementedError

    def parse(self, body: bytes, ctype: str, name: str,
              url: str) -> Project:
        """The model of an answer; DataError when it is not one."""
        raise NotImplementedError

    def cached(self, name: str) -> Optional[Tuple[bytes, Project]]:
        """(digest, model) of the project as last read here, or None."""
        return self.transport.cached(self.project_url(name))

    def fetch(self, name: str,
              unless: Optional[Callable[[], Optional[bytes]]] = None
              ) -> Optional[Project]:
        """The project; NotFound, FetchError or DataError.  None when
        ``unless()`` names the document's digest (see Transport.fetch)."""
        url = self.project_url(canonical_name(name))
        try:
            return self.transport.fetch(
                url, lambda body, ctype: self.parse(body, ctype, name, url),
                self.accept, unless)
        except NotFound as exc:
            raise NotFound(self.not_found(url, exc))

    def metadata(self, f):
        """The core metadata this index serves for file ``f``, or None."""
        return None

    def cached_metadata(self, f):
        """(digest, Metadata) of ``f``'s metadata as last read here, or
        None."""
        return None

    def release_metadata(self, name: str, version: str):
        """The metadata of a release, from this index's own JSON API, or
        None."""
        return None

    def not_found(self, url: str, exc: Exception) -> str:
        return "{} has no such project ({})".format(self.label, exc)

    def __repr__(self) -> str:
        return "<{} {}>".format(type(self).__name__, self.url)


def decode_json(body: bytes, ctype: str, url: str) -> Any:
    """A JSON answer, decoded; DataError saying what it is instead."""
    import json

    from ..errors import DataError

    if not body.strip():
        raise DataError("{}: empty answer".format(url))
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        hint = " (got {}: a captive portal or proxy?)".format(
            ctype.split(";")[0]) if "html" in ctype else ""
        raise DataError("{}: answer is not JSON{}".format(url, hint))
