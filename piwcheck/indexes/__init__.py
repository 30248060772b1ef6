# SPDX-License-Identifier: BSD-3-Clause
"""The indexes pip reads, behind one interface that says what each can
do (its capabilities), never what it is: each reader turns an index's
answer for a project into the index-neutral model.  ``make_indexes``
builds the readers of the places pip looks (:class:`Sources`, which the
command line's settings put together); each kind of index is one module
here and one line in ``KINDS``."""

import re
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Callable, Iterator, List, Optional, Tuple

from ..errors import DataError, InputError, PiwcheckError
from ..model import File, Project

#: Every kind of index, most particular first, as (pip's option whose
#: locations it reads, module, class): the first of the option's kinds
#: whose ``claims`` accepts a URL reads it.  A kind's module is imported
#: only when a location of its option is not claimed before it.
KINDS = (
    ("index-url", ".piwheels", "PiwheelsIndex"),
    ("index-url", ".simple", "SimpleIndex"),
    ("find-links", ".findlinks", "FindLinksIndex"),
)


@dataclass(frozen=True)
class Sources:
    """Where pip looks for files, in its order, as the settings say."""

    #: (pip's option, URL) pairs: ("find-links", path or URL) for each
    #: find-links location, then ("index-url", ...) for each index URL.
    locations: Tuple[Tuple[str, str], ...]
    #: The piwheels site of this run (--piwheels-url, normalised).
    piwheels_site: str
    #: pip's configuration says --no-index.
    no_index: bool = False


class Index:
    """One index, by what it can do.  Only ``fetch`` is required; every
    other capability defaults to "cannot"."""

    #: The pip option whose locations this kind reads.
    option = "index-url"

    #: Its files carry build data: the apt packages each wheel needs,
    #: and its word on why a release has no wheel for a target.
    has_apt_data = False

    #: One reader reads every location of its option together, at the
    #: place of the first (pip merges find-links' files before ranking).
    joint = False

    #: What is wrong with its locations, said once before the check;
    #: and what -v adds.
    warnings: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()

    #: Which wheels can matter to the run (a wanted.Wanted, set by
    #: make_indexes), or None for all: a kind may leave the others out.
    wanted = None

    def __init__(self, url: str):
        #: The index URL as pip names it.
        self.url = url

    @classmethod
    def claims(cls, url: str, piwheels_site: str) -> bool:
        """Whether this kind reads the index at ``url`` (pip's index URL,
        as configured), given the piwheels site of this run."""
        return False

    @classmethod
    def from_url(cls, url: str, piwheels_site: str, transport) -> "Index":
        """The reader of ``url`` (which this kind claims)."""
        raise NotImplementedError

    @classmethod
    def from_locations(cls, urls: List[str], piwheels_site: str,
                       transport) -> "Index":
        """The reader of all of ``urls`` (a joint kind's)."""
        raise NotImplementedError

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

    def file_metadata(self, f: File):
        """The core metadata read from file ``f`` itself (a wheel's
        METADATA), as pip reads it when no index offers it; None when
        this index cannot read it (an sdist: pip would build it)."""
        return None

    def cached_file_metadata(self, f: File):
        """What ``file_metadata(f)`` read into a cache before, or
        None."""
        return None

    def download(self, f: File, out, max_bytes: int,
                 seconds: float) -> str:
        """Write file ``f`` into ``out`` (binary, open for writing),
        within ``max_bytes`` and ``seconds``; its sha256.  FetchError
        when it cannot be had."""
        raise NotImplementedError

    def abort(self) -> None:
        """Stop: end the requests under way, start no more."""

    def pending(self, name: str):
        """When another reader of this index (a check beside this one:
        ``shared``) is already fetching the project, a future done when
        its document is here, to wait for without a thread; else None,
        as here: ``fetch`` fetches it."""
        return None

    def pending_metadata(self, f: File):
        """``pending`` for ``metadata(f)``."""
        return None

    def pending_release(self, name: str, version: str):
        """``pending`` for ``release_metadata(name, version)``."""
        return None

    def __repr__(self) -> str:
        return "<{} {}>".format(type(self).__name__, self.url)


def kinds(option: Optional[str] = None) -> Iterator[type]:
    """The Index classes of ``KINDS`` (those of pip's ``option`` only,
    when given), each imported when the iteration reaches it."""
    return (getattr(import_module(module, __name__), name)
            for kind_option, module, name in KINDS
            if option in (None, kind_option))


def _kind_of(option: str, url: str, piwheels_site: str) -> Optional[type]:
    """The kind that reads ``url`` (given as pip's ``option``), or None
    (it is not one piwcheck can read)."""
    return next((k for k in kinds(option) if k.option == option
                 and k.claims(url, piwheels_site)), None)


def make_indexes(sources: Sources, transport,
                 wanted=None) -> Tuple[List[Index], List[str]]:
    """(a reader for each place pip would look, in its order; the URLs
    none reads), each keeping what ``wanted`` (a wanted.Wanted: the
    run's targets) wants.  InputError when there is no reader at
    all."""
    indexes, skipped, joined = [], [], set()
    site = sources.piwheels_site
    for option, url in sources.locations:
        kind = _kind_of(option, url, site)
        if kind is None:
            skipped.append(url)
        elif not kind.joint:
            indexes.append(kind.from_url(url, site, transport))
        elif kind not in joined:
            joined.add(kind)
            indexes.append(kind.from_locations(
                [u for o, u in sources.locations
                 if o == option and _kind_of(o, u, site) is kind],
                site, transport))
    if not indexes:
        raise InputError("no index to check: {}".format(
            "--no-index, and no --find-links (pip would find nothing)"
            if sources.no_index else "piwcheck reads only http(s) "
            "indexes, not " + ", ".join(skipped)))
    for ix in indexes:
        ix.wanted = wanted
    return indexes, skipped


def apt_data_index(sources: Sources,
                   make_transport: Callable[[], Any]) -> Optional[Index]:
    """The reader of the first of ``sources`` whose index has apt data,
    or None; ``make_transport()`` is called only when there is one."""
    site = sources.piwheels_site
    for option, url in sources.locations:
        kind = _kind_of(option, url, site)
        if kind is not None and kind.has_apt_data:
            return kind.from_url(url, site, make_transport())
    return None


def normalise_site_url(url: str, option: str = "--index-url") -> str:
    """The piwheels site of ``url``, also as written in pip.conf
    (``.../simple``)."""
    url = url.strip().rstrip("/")
    if url.endswith("/simple"):
        url = url[:-len("/simple")]
    if not re.match(r"^https?://[^/\s]+", url):
        raise InputError(
            "{} {!r}: expected an http:// or https:// URL".format(
                option, url))
    return url


def decode_json(body: bytes, ctype: str, url: str) -> Any:
    """A JSON answer, decoded; DataError saying what it is instead."""
    from .jsonbounds import loads

    if not body or body.isspace():  # (strip() would copy it)
        raise DataError("{}: empty answer".format(url))
    try:
        return loads(body, url)
    except (UnicodeDecodeError, ValueError):
        hint = " (got {}: a captive portal or proxy?)".format(
            ctype.split(";")[0]) if "html" in ctype else ""
        raise DataError("{}: answer is not JSON{}".format(url, hint))


def guarded(parse: Callable[[bytes, str], Any],
            url: str) -> Callable[[bytes, str], Any]:
    """``parse`` behind the failure boundary of one document: whatever
    it raises besides piwcheck's own errors (a bug, or data no check
    foresaw) becomes a DataError naming ``url``, so that one project
    fails, not the run.  The cause stays chained for DEBUG=1."""
    from ..net.errors import describe

    def parse_guarded(body: bytes, ctype: str) -> Any:
        try:
            return parse(body, ctype)
        except PiwcheckError:
            raise
        except Exception as exc:  # the boundary: anything at all
            raise DataError("{}: the answer cannot be read ({})".format(
                url, describe(exc))) from exc
    return parse_guarded
