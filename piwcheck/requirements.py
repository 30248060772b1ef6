# SPDX-License-Identifier: BSD-3-Clause
"""Requirements as the user writes them."""

from dataclasses import dataclass
from typing import FrozenSet, Optional

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as _Parsed
from packaging.specifiers import SpecifierSet

from .errors import InputError
from .piwheels import canonical_name


@dataclass(frozen=True)
class Requirement:
    """One requirement and where it came from.

    ``status``/``reason`` are set when the requirement is settled without
    asking piwheels (``unsupported``: a URL or path)."""

    text: str
    name: str
    specifier: SpecifierSet
    extras: FrozenSet[str]
    marker: Optional[Marker]
    source: str
    status: Optional[str] = None
    reason: Optional[str] = None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def parse_requirement(text: str, source: str = "command line") -> Requirement:
    """A PEP 508 requirement; InputError naming ``source`` when invalid."""
    text = text.strip()
    try:
        parsed = _Parsed(text)
        name = canonical_name(parsed.name)
    except (InvalidRequirement, InputError) as exc:
        raise InputError("{}: invalid requirement {!r}: {}".format(
            source, text, _first_line(exc)))
    status = reason = None
    if parsed.url:
        status = "unsupported"
        reason = "a direct URL ({}) is not installed from piwheels".format(
            parsed.url)
    return Requirement(
        text=text, name=name, specifier=parsed.specifier,
        extras=frozenset(parsed.extras), marker=parsed.marker,
        source=source, status=status, reason=reason)
