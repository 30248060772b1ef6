# SPDX-License-Identifier: BSD-3-Clause
"""A find-links page of links, read as pip's ``parse_links`` reads one:
HTML anchors (``href`` resolved against the page's URL or its ``<base>``
as given, ``data-requires-python``, ``data-yanked``, PEP 658's
attributes), or PEP 691 JSON; bounded as an index's page."""

import re
from typing import Any, Dict, List
from urllib.parse import unquote, urljoin, urlsplit

from ..errors import DataError
from ..model import MAX_FILES, is_http_url, is_sha256
from . import decode_json
from .simple import JSON_TYPE, _json_rows, _Links

_SHA256 = re.compile(r"(?:^|&)sha256=([^&]*)")


def filename_of(url: str) -> str:
    """A link's file name, as pip's Link names it (unquoted)."""
    path = urlsplit(url).path.rstrip("/")
    return unquote(path.rsplit("/", 1)[-1])


def _charset(ctype: str) -> str:
    import codecs

    match = re.search(r"charset=[\"']?([\w.:-]+)", ctype, re.I)
    try:
        return codecs.lookup(match.group(1)).name if match else "utf-8"
    except LookupError:
        return "utf-8"


def page_rows(body: bytes, ctype: str, url: str,
              local_page: bool) -> List[Dict[str, Any]]:
    """The links of a find-links page (HTML as pip's parser reads it:
    anchors' hrefs resolved against the page's URL or its base tag,
    data-requires-python, data-yanked, PEP 658's attributes; or PEP 691
    JSON); links that are not at an http(s) URL (nor, on a local page, a
    file: one) are left out."""
    kind = ctype.split(";")[0].strip().lower()
    if kind in (JSON_TYPE, "application/json"):
        rows = _json_rows(decode_json(body, ctype, url), url)
    elif "html" in kind:
        try:
            text = body.decode(_charset(ctype))
        except UnicodeDecodeError:
            raise DataError("{}: the page is not {}".format(
                url, _charset(ctype)))
        if text.count("<a") + text.count("<A") > MAX_FILES:
            raise DataError("{}: more than {:,} links".format(url, MAX_FILES))
        parser = _Links()
        parser.feed(text)
        base = parser.base or url  # as pip: a relative base stays so
        rows = []
        for link in parser.links:
            href = link.get("href")
            if not href:
                continue
            full = urljoin(base, href.strip())
            path, _, fragment = full.partition("#")
            sha = _SHA256.search(fragment)
            meta = link.get("data-core-metadata",
                            link.get("data-dist-info-metadata"))
            rows.append({
                "filename": filename_of(path), "url": path,
                "sha256": sha.group(1) if sha and is_sha256(sha.group(1))
                else None,
                "requires_python": link.get("data-requires-python") or None,
                "yanked": link.get("data-yanked") is not None,
                "metadata": meta is not None and meta.lower() != "false"})
    else:
        raise DataError("{}: not a page of links (got {})".format(
            url, kind or "no content type"))
    return [r for r in rows if is_http_url(r["url"]) or (
        local_page and r["url"].startswith("file:"))]
