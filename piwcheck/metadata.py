# SPDX-License-Identifier: BSD-3-Clause
"""A distribution's core metadata (Requires-Dist, Requires-Python), from a
PEP 658 metadata file or an index's per-release JSON, validated where it
enters."""

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from .errors import DataError

#: The largest metadata file read (bytes); a larger one is not parsed.
MAX_BYTES = 16 * 1000 * 1000
#: The most dependencies (Requires-Dist) read from one metadata: real
#: distributions list hundreds at most, and each is parsed for the target.
MAX_REQUIRES = 5000


@dataclass(frozen=True)
class Metadata:
    """What pip reads from a candidate's metadata to resolve it."""

    requires_dist: Tuple[str, ...]
    requires_python: Optional[str]
    #: Where it came from (a URL), for the report.
    source: str = ""
    #: The extras it declares; None where it does not say (pip then
    #: takes any extra its Requires-Dist markers name).
    provides_extra: Optional[Tuple[str, ...]] = None


def parse_core(body: bytes, url: str) -> Metadata:
    """A METADATA / PKG-INFO file (RFC 822 headers), of at most
    MAX_BYTES."""
    from email.parser import HeaderParser

    if len(body) > MAX_BYTES:
        raise DataError("{}: metadata of {:,} bytes is over the {} MB "
                        "piwcheck reads".format(url, len(body),
                                                MAX_BYTES // 1000000))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("{}: metadata is not UTF-8".format(url))
    if "Metadata-Version" not in text[:4096]:
        raise DataError("{}: not a metadata file (no Metadata-Version)"
                        .format(url))
    headers = HeaderParser().parsestr(text, headersonly=True)
    extras = headers.get_all("Provides-Extra")
    return Metadata(_requires(tuple(v.strip() for v in headers.get_all(
        "Requires-Dist") or ()), url), (headers.get("Requires-Python") or
                                        "").strip() or None, url,
        tuple(e.strip() for e in extras) if extras is not None else None)


def _requires(requires: Tuple[str, ...], url: str) -> Tuple[str, ...]:
    """``requires`` (the Requires-Dist), if there are at most
    MAX_REQUIRES."""
    if len(requires) > MAX_REQUIRES:
        raise DataError("{}: metadata of {:,} dependencies is over the "
                        "{:,} piwcheck reads".format(url, len(requires),
                                                     MAX_REQUIRES))
    return requires


def parse_release_json(doc: Any, url: str) -> Metadata:
    """PyPI's /pypi/<name>/<version>/json: its ``info``."""
    info = doc.get("info") if isinstance(doc, dict) else None
    if not isinstance(info, dict):
        raise DataError("{}: not a release document".format(url))
    deps = info.get("requires_dist") or []
    rp = info.get("requires_python") or None
    if not isinstance(deps, list) or not all(isinstance(d, str)
                                             for d in deps):
        raise DataError("{}: requires_dist is not a list of strings"
                        .format(url))
    if rp is not None and not isinstance(rp, str):
        raise DataError("{}: requires_python is not a string".format(url))
    extras = info.get("provides_extra")
    if extras is not None and not (isinstance(extras, list) and all(
            isinstance(e, str) for e in extras)):
        raise DataError("{}: provides_extra is not a list of strings"
                        .format(url))
    return Metadata(_requires(tuple(deps), url), rp, url,
                    tuple(extras) if extras is not None else None)
