# SPDX-License-Identifier: BSD-3-Clause
"""A distribution's core metadata (Requires-Dist, Requires-Python), from a
PEP 658 metadata file or an index's per-release JSON, validated where it
enters."""

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from .errors import DataError


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
    """A METADATA / PKG-INFO file (RFC 822 headers)."""
    from email.parser import HeaderParser

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("{}: metadata is not UTF-8".format(url))
    if "Metadata-Version" not in text[:4096]:
        raise DataError("{}: not a metadata file (no Metadata-Version)"
                        .format(url))
    headers = HeaderParser().parsestr(text, headersonly=True)
    extras = headers.get_all("Provides-Extra")
    return Metadata(tuple(v.strip() for v in headers.get_all(
        "Requires-Dist") or ()), (headers.get("Requires-Python") or
                                  "").strip() or None, url,
        tuple(e.strip() for e in extras) if extras is not None else None)


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
    return Metadata(tuple(deps), rp, url,
                    tuple(extras) if extras is not None else None)
