# SPDX-License-Identifier: BSD-3-Clause
"""Which wheels on an index page can matter to a run: those with a tag
whose interpreter and ABI one of its targets supports, on a platform one
of them supports.  A page of thousands of files (every Python, every
OS) keeps a few of them in memory; selection still ranks the kept ones
by each target's exact tags."""

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import FrozenSet, Iterable, Tuple

from .names import tag_triple


@dataclass(frozen=True)
class Wanted:
    """The (interpreter, ABI) pairs and the platforms of the targets'
    tags: a wheel is kept when one of its tags has both.  A superset of
    each target's tags (their pairs and platforms combined), so no file
    a target supports is ever left out."""

    pairs: FrozenSet[Tuple[str, str]]
    platforms: FrozenSet[str]

    @classmethod
    def of(cls, targets: Iterable) -> "Wanted":
        pairs, platforms = set(), set()
        for target in targets:
            for tag in target.tags:
                pairs.add((tag.interpreter, tag.abi))
                platforms.add(tag.platform)
        return cls(frozenset(pairs), frozenset(platforms))

    @cached_property
    def key(self) -> str:
        """What tells this filter from another (part of a model's key
        in the cache)."""
        text = repr((sorted(self.pairs), sorted(self.platforms)))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def keeps(self, filename: str) -> bool:
        """Whether the wheel ``filename`` may suit a target; False for a
        wheel whose tags cannot be read (pip skips it too)."""
        triple = tag_triple(filename)
        if not triple:
            return False
        pys, abis, plats = (part.split(".")
                            for part in triple.lower().split("-"))
        if not any(p in self.platforms for p in plats):
            return False
        return any((py, abi) in self.pairs for py in pys for abi in abis)
