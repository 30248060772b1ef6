# SPDX-License-Identifier: BSD-3-Clause
"""Version specifiers as pip reads them, each question answered once a
run: Requires-Python, whether a specifier contains a version, the join
of several, and whether one names a pre-release."""

from functools import lru_cache
from typing import Optional, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import Version


@lru_cache(maxsize=4096)
def python_ok(requires_python: Optional[str], version: str) -> bool:
    """Whether ``version`` satisfies ``requires_python``; an invalid
    constraint is ignored, as pip does.  Cached: a document repeats a
    few constraints over thousands of files."""
    if not requires_python:
        return True
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return True
    # packaging < 22 reads what is invalid to later ones (and to pip
    # since 24.1) as a LegacySpecifier: invalid, so ignored, here too
    if not all(isinstance(s, Specifier) for s in spec):
        return True
    return spec.contains(version, prereleases=True)


def spec_contains(spec: SpecifierSet, version: str) -> bool:
    """``spec.contains(version, prereleases=True)``, remembered by the
    texts of both: packaging parses a specifier's versions again on every
    call (and on every hash and comparison of one), a Version hashes
    slowly, and resolving a tree asks the same questions thousands of
    times."""
    return contains(str(spec), version)


@lru_cache(maxsize=65536)
def contains(spec: str, version: str) -> bool:
    """spec_contains, by the texts of both."""
    return SpecifierSet(spec).contains(Version(version), prereleases=True)


def combined(specs: Sequence[SpecifierSet]) -> SpecifierSet:
    """The intersection of ``specs`` (``&``), remembered by their texts:
    packaging parses each clause's version again whenever sets are
    joined, and resolving asks the same joins many times (each Pi of
    --matrix again).  A set with its own pre-release rule is joined
    anew."""
    if any(getattr(s, "_prereleases", None) is not None for s in specs):
        out = SpecifierSet()
        for s in specs:
            out &= s
        return out
    return _combined(tuple(str(s) for s in specs))


@lru_cache(maxsize=4096)
def _combined(texts: Tuple[str, ...]) -> SpecifierSet:
    out = SpecifierSet()
    for text in texts:
        out &= SpecifierSet(text)
    return out


@lru_cache(maxsize=4096)
def names_prerelease(spec: str) -> bool:
    """Whether ``spec`` names a pre-release, so pip takes them.  A clause
    whose version is not PEP 440's (``===foo``, or a legacy version a
    Bookworm pip reads as ``===1.0.0x``) names none; packaging 22 to 25
    raise InvalidVersion on it."""
    try:
        return bool(SpecifierSet(spec).prereleases)
    except ValueError:
        pass
    named = False
    for clause in SpecifierSet(spec):
        try:
            named = named or bool(clause.prereleases)
        except ValueError:
            continue
    return named
