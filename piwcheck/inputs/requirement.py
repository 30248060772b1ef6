# SPDX-License-Identifier: BSD-3-Clause
"""One requirement as the user writes it: a PEP 508 string, or the URL,
VCS, path and legacy forms pip also takes."""

import re
from dataclasses import dataclass, replace
from typing import FrozenSet, Optional, Tuple

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as _Parsed
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name

from ..errors import InputError
from ..names import canonical_name


@dataclass(frozen=True)
class Requirement:
    """One requirement and where it came from."""

    text: str
    name: str
    specifier: SpecifierSet
    extras: FrozenSet[str]
    marker: Optional[Marker]
    source: str
    #: Why no index is asked about it, when none is: pip installs an
    #: editable, VCS, URL or path requirement from where it points.
    reason: Optional[str] = None
    warnings: Tuple[str, ...] = ()
    editable: bool = False


_SCHEME_RE = re.compile(r"^(?:(?:git|hg|svn|bzr)\+[a-z]+:|[a-z][a-z0-9+.-]*://"
                        r"|file:)", re.I)
_VCS_RE = re.compile(r"^(?:git|hg|svn|bzr)\+", re.I)
_ARCHIVE_RE = re.compile(r"\.(?:whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz|tar)$",
                         re.I)
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9_.+-]+)")
_CLAUSE_RE = re.compile(r"(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;]+)")


def _pep508(text: str) -> _Parsed:
    """packaging's Requirement; every parse failure as InvalidRequirement
    (packaging 23.0 can let InvalidSpecifier through, e.g. 'a==a,a')."""
    try:
        return _Parsed(text)
    except (InvalidSpecifier, InvalidMarker) as exc:
        raise InvalidRequirement(str(exc))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _guess_name(location: str) -> str:
    """A display name for a URL or path requirement."""
    egg = _EGG_RE.search(location)
    if egg:
        raw = egg.group(1)
    else:
        tail = re.split(r"[#?]", location)[0].rstrip("/")
        base = tail.replace("\\", "/").rsplit("/", 1)[-1]
        base = re.sub(r"@[^@]*$", "", base)  # VCS revision
        if _ARCHIVE_RE.search(base):
            raw = _ARCHIVE_RE.sub("", base).split("-")[0]
        else:
            raw = re.sub(r"\.git$", "", base)
    name = canonicalize_name(raw)
    return name if re.match(r"^[a-z0-9][a-z0-9.-]*$", name) else "unknown"


def _marker(text: Optional[str], source: str, line: str) -> Optional[Marker]:
    if not text or not text.strip():
        return None
    try:
        return Marker(text.strip())
    except InvalidMarker as exc:
        raise InputError("{}: invalid marker in {!r}: {}".format(
            source, line, _first_line(exc)))


def _unsupported(text: str, location: str, marker: Optional[Marker],
                 source: str, kind: str,
                 name: Optional[str] = None) -> Requirement:
    return Requirement(
        text=text, name=name or _guess_name(location),
        specifier=SpecifierSet(), extras=frozenset(), marker=marker,
        source=source,
        reason="{} ({}) is not installed from piwheels".format(
            kind, location))


def _local_file(text: str, source: str) -> Optional[Requirement]:
    """A bare archive or wheel file name (``foo-1.0.tar.gz``,
    ``simple-0.1-py2.py3-none-any.whl``, with extras or a marker): a local
    file to pip, named by its file name; an unparseable wheel name is an
    error, as in pip."""
    head, _, marker = text.partition(";")
    path = re.sub(r"\[[^\]]*\]$", "", head.strip())
    if "/" in path or "\\" in path or not _ARCHIVE_RE.search(path):
        return None
    name = None
    if path.lower().endswith(".whl"):
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        try:
            name = str(parse_wheel_filename(path)[0])
        except InvalidWheelFilename as exc:
            raise InputError("{}: invalid wheel filename {!r}: {}".format(
                source, path, _first_line(exc)))
    return _unsupported(text, path, _marker(marker, source, text), source,
                        "a local file", canonicalize_name(name)
                        if name else None)


def _looks_like_path(text: str) -> bool:
    return ("/" in text or "\\" in text or text.startswith(".")
            or text.startswith("~") or bool(_ARCHIVE_RE.search(text)))


def _repair_legacy(text: str) -> Tuple[str, Tuple[str, ...]]:
    """Rewrite specifiers that only pip's legacy parser took (``>=3.0.*``,
    ``==1.0.0x``) the way it read them; the warnings say what changed."""
    warnings = []

    def fix(match):
        op, version = match.groups()
        try:
            Specifier(op + version)
            return match.group(0)
        except InvalidSpecifier:
            pass
        if version.endswith(".*") and op not in ("==", "!=", "~="):
            new = op + version[:-2]
        elif op == "==":
            new = "===" + version
        else:
            return match.group(0)
        warnings.append("legacy specifier {!r} read as {!r} (pip 24.1 and "
                     "newer reject it)".format(op + version, new))
        return new

    head, sep, marker = text.partition(";")
    return _CLAUSE_RE.sub(fix, head) + sep + marker, tuple(warnings)


def parse_line(text: str, source: str = "command line",
               editable: bool = False) -> Requirement:
    """A requirement as pip reads it from a file or the command line;
    InputError naming ``source`` when pip would reject it."""
    text = text.strip()
    if editable or _SCHEME_RE.match(text):
        location, _, marker = text.partition("; " if not editable else ";")
        if editable:
            kind = "an editable install"
        elif _VCS_RE.match(text):
            kind = "a VCS requirement"
        else:
            kind = "a direct URL"
        req = _unsupported(text, location.strip(),
                           _marker(marker, source, text), source, kind)
        return replace(req, editable=True) if editable else req
    local = _local_file(text, source)
    if local is not None:
        return local
    if text.rstrip().endswith(";") and ";" not in text.rstrip()[:-1]:
        text = text.rstrip()[:-1].rstrip()  # an empty marker, as pip
    try:
        parsed = _pep508(text)
    except InvalidRequirement as exc:
        error = exc
    else:
        return _from_parsed(parsed, text, source)
    if "@" in text and "://" in text:
        # pip splits the marker off a URL requirement at the first ';'
        head, _, marker = text.partition(";")
        try:
            parsed = _pep508(head.strip())
        except InvalidRequirement:
            pass
        else:
            return _unsupported(text, parsed.url or head,
                                _marker(marker, source, text), source,
                                "a direct URL", canonical_name(parsed.name))
    if _looks_like_path(text.split(";")[0]):
        location, _, marker = text.partition(";")
        return _unsupported(text, location.strip(),
                            _marker(marker, source, text), source,
                            "a local path")
    repaired, warnings = _repair_legacy(text)
    if warnings:
        try:
            return _from_parsed(_pep508(repaired), text, source, warnings)
        except InvalidRequirement:
            pass
    raise InputError("{}: invalid requirement {!r}: {}".format(
        source, text, _first_line(error)))


def _from_parsed(parsed: _Parsed, text: str, source: str,
                 warnings: Tuple[str, ...] = ()) -> Requirement:
    try:
        name = canonical_name(parsed.name)
    except InputError as exc:
        raise InputError("{}: invalid requirement {!r}: {}".format(
            source, text, exc))
    if parsed.url:
        return _unsupported(text, parsed.url, parsed.marker, source,
                            "a direct URL", name)
    return Requirement(
        text=text, name=name, specifier=parsed.specifier,
        extras=frozenset(parsed.extras), marker=parsed.marker,
        source=source, warnings=warnings)

