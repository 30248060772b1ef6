# SPDX-License-Identifier: BSD-3-Clause
"""Where a candidate's dependencies come from: which metadata pip would
read (the file's own, a twin wheel's on another index, the index's
per-release JSON, else piwheels' list of names), and the requirements
that metadata makes for a target (markers and extras evaluated)."""

from dataclasses import dataclass
from functools import lru_cache
from typing import FrozenSet, List, Optional, Sequence, Set, Tuple

from packaging.markers import (InvalidMarker, UndefinedComparison,
                               UndefinedEnvironmentName)
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet

from ..errors import FetchError, InputError, NotFound
from ..metadata import Metadata
from ..model import File
from ..names import canonical_name
from ..select import Candidate, Offer
from ..target import Target


@dataclass(frozen=True)
class Req:
    """A requirement for the resolver, its markers settled: the user's
    (one per name, merged) or one a candidate's metadata makes."""

    name: str
    extras: FrozenSet[str]
    specifier: SpecifierSet
    #: As written: 'numpy>=1.23.2'.
    text: str
    #: Where the user's came from ('command line', 'req.txt:3').
    source: str = ""


#: The name of the requirement a Requires-Python makes (as pip's
#: "<Python from Requires-Python>"): no project can have it.
PYTHON = "<python>"


def python_requirement(meta: Metadata, warnings: List[str]
                       ) -> Optional[Req]:
    """The requirement ``meta``'s Requires-Python makes on the target's
    Python, or None; an invalid one is said in ``warnings`` and ignored,
    as pip does."""
    text = (meta.requires_python or "").strip()
    if not text:
        return None
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        spec = None
    # packaging < 22 reads some invalid ones as legacy: invalid to pip
    if spec is None or not all(isinstance(s, Specifier) for s in spec):
        warnings.append("its metadata's Requires-Python {!r} is invalid "
                        "(pip ignores it)".format(text))
        return None
    return Req(PYTHON, frozenset(), spec, "Requires-Python " + text)


def dependencies(meta: Metadata, target: Target, extras: FrozenSet[str]
                 ) -> Tuple[List[Req], List[str]]:
    """(requirements, warnings) of ``meta`` for the target: markers
    evaluated with its environment and, for ``extras``, each extra."""
    out: List[Req] = []
    warnings: List[str] = []
    if extras and meta.provides_extra is not None:
        # as pip: an extra the metadata does not declare brings nothing
        declared = _declared(meta.provides_extra, warnings)
        for e in sorted(extras - declared):
            warnings.append("it does not provide the extra {!r}".format(e))
        extras = frozenset(extras & declared)
        if not extras:
            return out, warnings
    env = dict(target.marker_env)
    for text in meta.requires_dist:
        req = _dependency(text, meta, env, extras, warnings)
        if req is not None:
            out.append(req)
    return out, warnings


def _short(text: str) -> str:
    """``text`` as a warning quotes it: its first 200 characters."""
    return text if len(text) <= 200 else text[:200] + "..."


def _declared(extras: Sequence[str], warnings: List[str]) -> Set[str]:
    """The valid names of the ``extras`` metadata declares (canonical);
    each invalid one is said in ``warnings`` and left out."""
    declared = set()
    for e in extras:
        if e.strip():
            try:
                declared.add(canonical_name(e))
            except InputError:
                warnings.append("its metadata declares an invalid extra "
                                "{!r}; ignored".format(_short(e)))
    return declared


def _dependency(text: str, meta: Metadata, env: dict,
                extras: FrozenSet[str], warnings: List[str]
                ) -> Optional[Req]:
    """The requirement one Requires-Dist line makes for the target, or
    None (what it is not, said in ``warnings``)."""
    said, marker, req, late = _line(text, meta.source == "piwheels")
    if said is not None:
        warnings.append(said)
        return None
    if marker is not None:
        try:
            wanted = any(marker.evaluate(dict(env, extra=e))
                         for e in (sorted(extras) or [""]))
        except (UndefinedComparison, UndefinedEnvironmentName,
                ValueError) as exc:  # packaging 22-24: InvalidVersion
            warnings.append("cannot evaluate the marker of {!r}: {}"
                            .format(_short(text), _short(str(exc))))
            return None
        if not wanted:
            return None
    if isinstance(late, InputError):  # an extra's name: a bug's way
        raise InputError(str(late))
    if late is not None:
        warnings.append(late)
    return req


@lru_cache(maxsize=8192)
def _line(text: str, piwheels: bool) -> Tuple[Optional[str], object,
                                              Optional[Req], object]:
    """What a Requires-Dist line says whatever the target: (the warning
    that drops it before its marker, its marker, its requirement, the
    warning, or InputError, that drops it when the marker holds).
    Remembered: every target of --matrix, and the walk ahead of the
    resolver, read the same lines, and parsing one is slow."""
    try:
        parsed = Pep508(text)
    except RecursionError:  # packaging < 22 recurses on nested markers
        return ("invalid dependency {!r} in its metadata: nested too "
                "deeply; ignored".format(_short(text)), None, None, None)
    except (InvalidRequirement, InvalidSpecifier, InvalidMarker) as exc:
        return ("piwheels lists an invalid dependency name {!r}; ignored"
                .format(_short(text)) if piwheels else
                "invalid dependency {!r} in its metadata: {}; ignored"
                .format(_short(text), _short(str(exc).splitlines()[0])),
                None, None, None)
    if parsed.url:
        return ("dependency {!r} is a direct URL: not checked".format(
            _short(text)), None, None, None)
    try:
        name = canonical_name(parsed.name)
    except InputError:
        return (None, parsed.marker, None, "invalid dependency name "
                "{!r}".format(_short(parsed.name)))
    try:
        extras = frozenset(canonical_name(e) for e in parsed.extras)
    except InputError as exc:
        return (None, parsed.marker, None, exc.with_traceback(None))
    spec = str(parsed.specifier)
    shown = name + ("[{}]".format(",".join(sorted(parsed.extras)))
                    if parsed.extras else "") + spec
    return (None, parsed.marker, Req(name, extras, parsed.specifier, shown),
            None)


@dataclass(frozen=True)
class Read:
    """What was read of a candidate's metadata: the metadata (None when
    none could be had), warnings about it, and, when its dependencies
    are unknown, why (said on the package)."""

    metadata: Optional[Metadata]
    warnings: Tuple[str, ...] = ()
    unknown: Optional[str] = None


def read_metadata(indexes: Sequence, name: str, cand: Candidate,
                  offers: Sequence[Offer]) -> Read:
    """What pip would read of ``cand``'s dependencies: the file's own
    metadata file; for a file without (piwheels'), a wheel of the same
    release on another index; else the index's per-release JSON; else
    piwheels' list of names; else the wheel itself, as pip reads it."""
    failures: List[str] = []  # each once: --offline's "not in cache"

    def failed(exc: Exception) -> None:
        if str(exc) not in failures:
            failures.append(str(exc))

    def said(*more: str) -> Tuple[str, ...]:
        return tuple("could not read its metadata: " + why
                     for why in failures) + more
    for index, mf in _sources(indexes, cand, offers):
        try:
            meta = index.metadata(mf) if mf is not None else \
                index.release_metadata(name, str(cand.version))
        except (FetchError, NotFound) as exc:
            failed(exc)
            continue
        if meta is not None:
            return Read(meta, said())
    f = cand.file
    names = f.pip_dependencies
    if names is None:
        names = next((c.file.pip_dependencies for o in offers
                      for c in o.candidates if c.version == cand.version
                      and c.file.pip_dependencies is not None), None)
    if names is not None:
        note = ("dependencies from piwheels' name list: versions and "
                "markers unknown",) if names else ()
        return Read(Metadata(tuple(names), None, "piwheels"), said(*note))
    index = next((ix for ix in indexes if ix.url == f.index), None)
    try:
        meta = index.file_metadata(f) if index is not None else None
    except (FetchError, NotFound) as exc:
        failed(exc)
        meta = None
    if meta is not None:
        return Read(meta, said())
    if failures:
        return Read(None, (), "its dependencies could not be read: " +
                    "; ".join(failures))
    if not f.is_wheel:
        why = "no index offers its metadata, and pip would build {} to " \
              "learn them".format(f.filename)
    else:
        why = "no index offers its metadata{}, and piwcheck does not " \
              "read {} from {}".format(
                  ", piwheels does not list them" if f.builder_abi
                  is not None else "", f.filename,
                  index.label if index is not None else f.index)
    return Read(None, (), "its dependencies are unknown: " + why)


def pending_metadata(indexes: Sequence, name: str, cand: Candidate,
                     offers: Sequence[Offer]):
    """What read_metadata reads first, when another check is already
    fetching it (Index.pending): a future; else None."""
    for index, mf in _sources(indexes, cand, offers)[:1]:
        return index.pending_metadata(mf) if mf is not None else \
            index.pending_release(name, str(cand.version))
    return None


def _sources(indexes: Sequence, cand: Candidate, offers: Sequence[Offer]
             ) -> List[Tuple[object, Optional[File]]]:
    """(index, metadata file) to read in turn; a None file stands for
    the index's per-release metadata (None from an index without it)."""
    by_url = {ix.url: ix for ix in indexes}
    tries: List[Tuple[object, Optional[File]]] = []
    f = cand.file
    if f.has_metadata and f.index in by_url:
        tries.append((by_url[f.index], f))
    for o in offers:
        other = o.metadata_files.get(cand.version)
        if other is not None and other is not f:
            tries.append((indexes[o.order], other))
    for o in offers:
        tries.append((indexes[o.order], None))
    return tries


def cached_metadata(indexes: Sequence, f: File) -> Optional[Metadata]:
    """The metadata of ``f`` known without fetching: as last read into
    a cache (its metadata file, or the wheel itself), or piwheels' list
    of names; None when none is at hand."""
    index = next((ix for ix in indexes if ix.url == f.index), None)
    if f.has_metadata:
        cached = index.cached_metadata(f) if index else None
        return cached[1] if cached else None
    if f.pip_dependencies is not None:
        return Metadata(f.pip_dependencies, None, "piwheels")
    return index.cached_file_metadata(f) if index else None
