# SPDX-License-Identifier: BSD-3-Clause
"""One requirement as the user writes it: a PEP 508 string, or the URL,
VCS, path and legacy forms pip also takes."""

import os
import re
from dataclasses import dataclass, replace
from typing import FrozenSet, Optional, Tuple

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as _Parsed
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name

from ..errors import InputError
from ..names import canonical_name, version_tuple


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
    #: What pip refuses in it from a version on, though older pips took
    #: it: ((first pip version that refuses it, "source: why"), ...).
    refused: Tuple[Tuple[str, str], ...] = ()
    #: Its specifier has clauses only pip before 24.1 reads, with its
    #: legacy rules (``>=3.0.*`` as ``>=3.0``; ``==1.0.0x``, a
    #: LegacyVersion no PEP 440 release equals, as ``===1.0.0x``): the
    #: warnings say how it was read, ``refused`` that newer pips refuse it.
    legacy: bool = False
    #: Its line's ``--hash`` values, as (algorithm, hex digest): pip takes
    #: only a file with one of them.
    hashes: Tuple[Tuple[str, str], ...] = ()

    def refused_by(self, pip_version: Optional[str]) -> Optional[str]:
        """What ``pip_version`` (None: the newest) refuses in this
        requirement, as a one-line error; None when it takes it."""
        return first_refusal(self.refused, pip_version)


def first_refusal(refused, pip_version: Optional[str]) -> Optional[str]:
    """The first of ``refused`` ((since, why), ...) that ``pip_version``
    (None: the newest pip) refuses."""
    mine = version_tuple(pip_version) if pip_version else None
    for since, why in refused:
        if mine is None or mine >= version_tuple(since):
            return why
    return None


#: The schemes pip takes as a URL requirement (pip's vcs.is_url).
_URL_SCHEMES = frozenset(
    ["http", "https", "file", "ftp"]
    + ["bzr+" + s for s in ("http", "https", "ssh", "sftp", "ftp", "lp",
                            "file")]
    + ["git+" + s for s in ("http", "https", "ssh", "git", "file")]
    + ["hg+" + s for s in ("file", "http", "https", "ssh", "static-http")]
    + ["svn+" + s for s in ("ssh", "http", "https", "svn", "file")])
_VCS_RE = re.compile(r"^(?:git|hg|svn|bzr)\+", re.I)
#: pip's archive extensions (is_archive_file).
_ARCHIVE_RE = re.compile(r"\.(?:zip|whl|tar\.bz2|tbz|tar\.gz|tgz|tar|tar\.xz|"
                         r"txz|tlz|tar\.lz|tar\.lzma)$", re.I)
_EGG_RE = re.compile(r"[#&]egg=([^&]*)")
#: What pip 26 takes as an #egg= name (PEP 508's project name).
_EGG_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.I)
_CLAUSE_RE = re.compile(r"(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;]+)")
_EXTRAS_RE = re.compile(r"^(.+)(\[[^\]]+\])$")

#: The first pip version that refuses each form older pips took.
LEGACY_VERSION_REFUSED = "24.1"
EGG_EXTRAS_REFUSED = "26.0"


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
    if egg and egg.group(1):
        raw = re.sub(r"\[.*$", "", egg.group(1))  # extras, as pip < 26
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


def _is_url(text: str) -> bool:
    """pip's is_url: a scheme pip knows (not any ``x://``)."""
    scheme, sep, _ = text.partition(":")
    return bool(sep) and scheme.lower() in _URL_SCHEMES


def _local_file_url(location: str, source: str) -> None:
    """pip refuses a file:// URL naming another host."""
    match = re.match(r"^file://([^/]*)", location, re.I)
    if match and match.group(1) not in ("", "localhost"):
        raise InputError("{}: {!r} is not a local file URL (pip refuses "
                         "it)".format(source, location))


def _egg_refusal(location: str, source: str) -> Tuple[Tuple[str, str], ...]:
    """pip 26 refuses an #egg= that is not a project name (extras, a
    version): older pips took it."""
    egg = _EGG_RE.search(location)
    if egg is None or _EGG_NAME_RE.match(egg.group(1)) or not egg.group(1):
        return ()
    return ((EGG_EXTRAS_REFUSED, "{}: invalid #egg= name {!r} in {!r} "
             "(pip {} and newer refuse it; name it as name[extras] @ "
             "URL)".format(source, egg.group(1), location,
                           EGG_EXTRAS_REFUSED)),)


def _path_like(text: str) -> bool:
    """pip's _looks_like_path on Linux: a '/' or a leading '.'."""
    return "/" in text or text.startswith(".")


def _installable(path: str) -> bool:
    return any(os.path.isfile(os.path.join(path, f))
               for f in ("setup.py", "pyproject.toml"))


def _local(text: str, source: str) -> Optional[Requirement]:
    """pip's reading of a line naming a local directory (relative to the
    current directory, as pip) or an archive: a requirement not for an
    index; None when pip reads the line as PEP 508; InputError when pip
    refuses it."""
    head, _, marker = text.partition(";")
    name = head.strip()
    path = os.path.normpath(os.path.abspath(name)) if name else ""
    extras = _EXTRAS_RE.match(path)
    path = extras.group(1).rstrip() if extras else path
    if _path_like(name) and os.path.isdir(path):
        if not _installable(path):
            raise InputError("{}: directory {!r} is not installable: it has "
                             "neither setup.py nor pyproject.toml (pip "
                             "refuses it)".format(source, name))
        return _unsupported(text, name, _marker(marker, source, text),
                            source, "a local path")
    if not _ARCHIVE_RE.search(path):
        return None
    before, at, _ = name.partition("@")
    if not os.path.isfile(path) and at and not _path_like(before):
        return None  # a PEP 508 URL requirement
    wheel = None
    if path.lower().endswith(".whl"):
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        try:
            wheel = str(parse_wheel_filename(os.path.basename(path))[0])
        except InvalidWheelFilename as exc:
            raise InputError("{}: invalid wheel filename {!r}: {}".format(
                source, os.path.basename(path), _first_line(exc)))
    location = re.sub(r"\[[^\]]*\]$", "", name)
    return _unsupported(text, location, _marker(marker, source, text),
                        source, "a local file", canonicalize_name(wheel)
                        if wheel else None)


def _editable(text: str, source: str) -> Requirement:
    """``-e``: a local project, a VCS URL with a name, or ``name @ URL``,
    as pip's parse_editable; anything else is refused."""
    try:
        parsed = _pep508(text)
    except InvalidRequirement:
        parsed = None
    if parsed is not None and parsed.url:
        location, name = parsed.url, canonical_name(parsed.name)
        marker: Optional[Marker] = parsed.marker
    else:
        location, name, marker = text, None, None
        extras = _EXTRAS_RE.match(text)
        path = extras.group(1).rstrip() if extras else text
        if os.path.isdir(path):
            location = path
        elif re.match(r"^(?:svn|git):", location, re.I):
            location = location.split(":", 1)[0] + "+" + location
    is_file = location.lower().startswith("file:") or os.path.isdir(location)
    if not is_file and not (_VCS_RE.match(location) and _is_url(location)):
        raise InputError(
            "{}: {!r} is not a valid editable requirement: pip takes a path "
            "to a local project or a VCS URL (git+, hg+, svn+, bzr+)"
            .format(source, text))
    _local_file_url(location, source)
    refused = _egg_refusal(location, source)
    egg = _EGG_RE.search(location)
    if not is_file and name is None and not (egg and egg.group(1)):
        raise InputError(
            "{}: cannot tell the name of {!r} (pip refuses it): name it as "
            "name @ URL, or with #egg=name".format(source, text))
    req = _unsupported(text, location, marker, source,
                       "an editable install", name)
    return replace(req, editable=True, refused=refused)


def parse_line(text: str, source: str = "command line",
               editable: bool = False) -> Requirement:
    """A requirement as pip reads it from a file or the command line;
    InputError naming ``source`` when pip would reject it."""
    text = text.strip()
    if editable:
        return _editable(text, source)
    if _is_url(text):
        location, _, marker = text.partition("; ")
        kind = "a VCS requirement" if _VCS_RE.match(text) else "a direct URL"
        _local_file_url(location, source)
        req = _unsupported(text, location.strip(),
                           _marker(marker, source, text), source, kind)
        return replace(req, refused=_egg_refusal(location, source))
    local = _local(text, source)
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
    repaired, warnings = _repair_legacy(text)
    if warnings:
        try:
            return _from_parsed(_pep508(repaired), text, source, warnings)
        except InvalidRequirement:
            pass
    hint = "; it looks like a path, to nothing installable" if \
        _path_like(text.split(";")[0]) else ""
    raise InputError("{}: invalid requirement {!r}: {}{}".format(
        source, text, _first_line(error), hint))


def _is_legacy(spec) -> bool:
    """A clause only pip's legacy parser took (``>=3.0.*``, ``==1.0.0x``);
    packaging before 22 reads it as a LegacySpecifier."""
    try:
        Specifier(str(spec))
        return False
    except InvalidSpecifier:
        return True


def _repair_legacy(text: str) -> Tuple[str, Tuple[str, ...]]:
    """Rewrite specifiers that only pip's legacy parser took (``>=3.0.*``,
    ``==1.0.0x``) the way it read them; the warnings say what changed."""
    warnings = []

    def fix(match):
        op, version = match.groups()
        if not _is_legacy(op + version):
            return match.group(0)
        if version.endswith(".*") and op not in ("==", "!=", "~="):
            new = op + version[:-2]
        elif op == "==":
            new = "===" + version
        else:
            return match.group(0)
        warnings.append("legacy specifier {!r} read as {!r} (pip {} and "
                        "newer reject it)".format(op + version, new,
                                                  LEGACY_VERSION_REFUSED))
        return new

    head, sep, marker = text.partition(";")
    return _CLAUSE_RE.sub(fix, head) + sep + marker, tuple(warnings)


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
    legacy = [str(s) for s in parsed.specifier if _is_legacy(s)]
    if legacy and not warnings:  # packaging < 22 reads them itself
        warnings = tuple("legacy specifier {!r} (pip {} and newer reject "
                      "it)".format(s, LEGACY_VERSION_REFUSED) for s in legacy)
    refused = ()
    if warnings:
        refused = ((LEGACY_VERSION_REFUSED, "{}: invalid requirement {!r}: "
                    "a legacy specifier, which pip {} and newer "
                    "refuse".format(source, text, LEGACY_VERSION_REFUSED)),)
    return Requirement(
        text=text, name=name, specifier=parsed.specifier,
        extras=frozenset(parsed.extras), marker=parsed.marker,
        source=source, warnings=warnings, refused=refused,
        legacy=bool(warnings))

