# SPDX-License-Identifier: BSD-3-Clause
"""The indexes pip reads, behind one interface that says what each can
do (its capabilities), never what it is: each reader turns an index's
answer for a project into the index-neutral model."""

from typing import Any, Callable, Optional, Tuple

from ..model import File, Project


class Index:
    """One index, by what it can do.  Only ``fetch`` is required; every
    other capability defaults to "cannot"."""

    #: Its files carry build data: the apt packages each wheel needs,
    #: and its word on why a release has no wheel for a target.
    has_apt_data = False

    def __init__(self, url: str):
        #: The index URL as pip names it.
        self.url = url

    @property
    def label(self) -> str:
        """How the report names this index."""
        return self.url

    @property
    def can_prefetch(self) -> bool:
        """Whether cached documents can tell what to fetch next before
        the fresh ones arrive."""
        return False

    @property
    def statistics_site(self) -> Optional[str]:
        """The site whose download statistics (``/packages.json``)
        count this index's projects, or None."""
        return None

    def fetch(self, name: str,
              unless: Optional[Callable[[], Optional[bytes]]] = None
              ) -> Optional[Project]:
        """The project; NotFound, FetchError or DataError.  None when
        ``unless()`` names the digest of the project's document (the
        caller has what it needs from ``cached``)."""
        raise NotImplementedError

    def cached(self, name: str) -> Optional[Tuple[bytes, Project]]:
        """(digest, model) of the project as last read here, or None."""
        return None

    def metadata(self, f: File):
        """The core metadata this index serves for file ``f``, or None."""
        return None

    def cached_metadata(self, f: File):
        """(digest, Metadata) of ``f``'s metadata as last read here, or
        None."""
        return None

    def release_metadata(self, name: str, version: str):
        """The metadata of a release, from this index's own per-release
        API, or None."""
        return None

    def download(self, f: File, out, max_bytes: int,
                 seconds: float) -> str:
        """Write file ``f`` into ``out`` (binary, open for writing),
        within ``max_bytes`` and ``seconds``; its sha256.  FetchError
        when it cannot be had."""
        raise NotImplementedError

    def abort(self) -> None:
        """Stop: end the requests under way, start no more."""

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
