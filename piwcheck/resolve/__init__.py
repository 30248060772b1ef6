# SPDX-License-Identifier: BSD-3-Clause
"""Dependencies as pip resolves them: resolvelib (pip's own resolver)
over the offers of every index, with each candidate's metadata
(Requires-Dist with markers and extras, and Requires-Python).  Fetches
run ahead on a pool: when a project's offers arrive, the metadata of its
likely pick is fetched, and from it the offers of its dependencies, so a
tree is fetched about level by level while the resolver, which asks one
thing at a time, waits on work already under way.  The deeper a fetch leads,
the sooner it runs (``Pool`` priorities), so the levels overlap.

``fetcher`` makes every fetch, ``deps`` says where dependencies come
from, ``provider`` answers resolvelib, ``pool`` runs the work."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ..errors import InputError, internal_error
from ..select import Formats
from ..target import Target
from .deps import PYTHON, Req, dependencies
from .fetcher import Fetcher, Known
from .provider import Pick, make_provider

__all__ = ["Fetcher", "Known", "Outcome", "Pick", "Req", "dependencies",
           "resolve"]

#: Most rounds the resolver may take (pip allows far more; a tree that
#: needs this many is reported as an error, not waited for).
MAX_ROUNDS = 20000


@dataclass
class Outcome:
    """What the resolution found."""

    #: name -> the pick (None for a settled name)
    picks: Dict[str, Pick]
    #: name -> [(requirement, parent pick or None)]
    why: Dict[str, List[Tuple[Req, Optional[Pick]]]]
    #: name -> (status value, reason) for names settled without a pick
    settled: Dict[str, Tuple[str, str]]
    #: (name, version) -> warnings about the pick's metadata
    warnings: Dict[Tuple[str, Optional[Version]], List[str]]
    #: (name, version) -> why the pick's dependencies are unknown
    unknown: Dict[Tuple[str, Optional[Version]], str] = field(
        default_factory=dict)


def resolve(fetcher: Fetcher, roots: Sequence[Req], target: Target,
            pre: bool, formats: Formats,
            constraints: Dict[str, SpecifierSet], deps: bool,
            why_none) -> Outcome:
    """Resolve ``roots`` as pip would.  Where pip would stop (no
    matching file, a conflict), the names involved are settled with
    their status and the rest is resolved again, so every package is
    reported.  ``why_none(name, spec)`` says why nothing matches."""
    from resolvelib import (BaseReporter, ResolutionImpossible,
                            ResolutionTooDeep, Resolver)

    settled: Dict[str, Tuple[str, str]] = {}
    provider = make_provider(fetcher, target, pre, formats, constraints,
                             deps, settled)
    for root in roots:
        fetcher.start(root.name, root.specifier)
    for _ in range(len(roots) + 50):
        live = [r for r in roots if r.name not in settled]
        try:
            result = Resolver(provider, BaseReporter()).resolve(
                live, max_rounds=MAX_ROUNDS)
        except ResolutionImpossible as exc:
            _settle(exc.causes, settled, provider, why_none)
            continue
        except ResolutionTooDeep:
            return _give_up(live, settled, provider, "pip's resolver would "
                            "need more than {} rounds for this tree".format(
                                MAX_ROUNDS))
        except RecursionError:  # resolvelib's own, on a tree too deep
            return _give_up(live, settled, provider, "the resolver cannot "
                            "follow a dependency tree this deep")
        break
    else:
        raise InputError("the resolution did not settle")
    outcome = _outcome(result, settled, provider.warnings)
    outcome.unknown.update(provider.unknown)
    return outcome


def _give_up(live: Sequence[Req], settled, provider, why: str) -> Outcome:
    """The Outcome when resolving cannot finish: each of the ``live``
    roots an error, for ``why``."""
    for r in live:
        settled[r.name] = ("error", why)
    return Outcome({}, {}, settled, provider.warnings)


def _outcome(result, settled, warnings) -> Outcome:
    """The Outcome of resolvelib's ``result``."""
    picks: Dict[str, Pick] = {}
    why: Dict[str, List[Tuple[Req, Optional[Pick]]]] = {}
    for key, pick in result.mapping.items():
        if not pick.extras and not pick.missing and pick.name != PYTHON:
            picks[pick.name] = pick
    for key, criterion in result.criteria.items():
        name = key.split("[")[0]
        if name == PYTHON:
            continue
        for info in criterion.information:
            if info.parent is not None and info.parent.name == name:
                continue  # an extras candidate's pin of its base
            why.setdefault(name, []).append((info.requirement, info.parent))
    return Outcome(picks, why, settled, warnings)


def _settle(causes, settled, provider, why_none) -> None:
    """Settle the names a ResolutionImpossible names: no-match where a
    release's Requires-Python rules out the target's Python (pip says
    that before any other cause) or a requirement alone has no file,
    else a conflict."""
    by_name: Dict[str, list] = {}
    for info in causes:
        by_name.setdefault(info.requirement.name, []).append(info)
    if PYTHON in by_name:  # as pip: said before any other cause
        for info in by_name[PYTHON]:
            settled[info.parent.name] = ("no-match", (
                "{} {} requires a different Python: {} not in {!r} (its "
                "metadata's Requires-Python)").format(
                    info.parent.name, info.parent.version,
                    provider.python.version, str(info.requirement.specifier)))
        return
    for name, infos in by_name.items():
        settled[name] = provider.fetcher.guard(
            name, _cause, name, infos, provider, why_none) or \
            ("error", internal_error(provider.fetcher.broken(name)))
    if not by_name:
        raise InputError("pip's resolver found no way, and said no cause")


def _cause(name: str, infos: list, provider, why_none) -> Tuple[str, str]:
    """(status, reason) of ``name``, which ``infos`` (a
    ResolutionImpossible's causes) name."""
    known = provider.fetcher.known(name)
    limit = provider.constraints.get(name, SpecifierSet())
    alone = [i for i in infos if provider.fetcher.ranked(
        known.offers, i.requirement.specifier & limit, name)]
    spec = SpecifierSet()
    for i in infos:
        spec &= i.requirement.specifier
    if not alone:
        why = why_none(name, spec & limit) or "no file matches"
        if str(limit):  # the constraint's part, named
            why += " (the constraint {}{} applies)".format(name, limit)
        return ("no-match", why)
    parts = ["{} ({})".format(
        i.requirement.text, "{} {}".format(i.parent.name,
                                           i.parent.version)
        if i.parent is not None else i.requirement.source)
        for i in infos]
    return ("conflict", "pip cannot satisfy all of: " + "; ".join(parts))
