# SPDX-License-Identifier: BSD-3-Clause
"""What to check, from wherever it is written: one :class:`Inputs`.

A reader module per kind of file produces one (``reqfile``: pip's
requirements files; ``pyproject``; ``pylock``: a lock's packages, which
are checked as locked, not resolved; ``kinds`` says which reads a
path); the command line's requirements join them.  A
requirement itself is parsed in ``requirement``."""

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ..errors import InputError
from .requirement import Requirement, first_refusal, parse_line

__all__ = ["FileOptions", "Inputs", "Requirement", "parse_line"]


@dataclass
class FileOptions:
    """The index and format options files set, which pip applies after
    its own configuration and the command line's: --pre, --index-url,
    --extra-index-url, --no-index, --find-links, --prefer-binary, and
    --only-binary/--no-binary/--all-releases/--only-final in order."""

    pre: bool = False
    index_url: Optional[str] = None
    extra_index_urls: List[str] = field(default_factory=list)
    no_index: bool = False
    prefer_binary: bool = False
    formats: List[Tuple[str, str]] = field(default_factory=list)
    #: --trusted-host: the run's session trusts them too, as pip's.
    trusted_hosts: List[str] = field(default_factory=list)
    #: --find-links locations, a relative path made the file's when it
    #: exists there (as pip).
    find_links: List[str] = field(default_factory=list)

    def join(self, later: "FileOptions") -> "FileOptions":
        """These options, then ``later``'s, as pip reads one file after
        another: switches add up, a later --index-url wins, the lists
        are in order."""
        return FileOptions(
            pre=self.pre or later.pre,
            index_url=later.index_url or self.index_url,
            extra_index_urls=self.extra_index_urls + later.extra_index_urls,
            no_index=self.no_index or later.no_index,
            prefer_binary=self.prefer_binary or later.prefer_binary,
            formats=self.formats + later.formats,
            trusted_hosts=self.trusted_hosts + later.trusted_hosts,
            find_links=self.find_links + later.find_links)


@dataclass
class Inputs:
    """What to check: requirements (each adds a package), constraints
    (they narrow versions, add none), the file-level options, and what
    the reader has to say ("file:line: ...")."""

    requirements: List[Requirement] = field(default_factory=list)
    constraints: List[Requirement] = field(default_factory=list)
    options: FileOptions = field(default_factory=FileOptions)
    #: Options read but not acted on (shown with -v).
    ignored: List[str] = field(default_factory=list)
    #: What pip 26 would refuse but older pips take.
    warnings: List[str] = field(default_factory=list)
    #: Lines newer pips refuse that are no requirement (an option older
    #: pips took): (first pip version that refuses it, "file:line: why").
    refusals: List[Tuple[str, str]] = field(default_factory=list)
    #: PEP 751 locks (pylock.Lock): checked as locked, on their own.
    locks: list = field(default_factory=list)

    def join(self, later: "Inputs") -> "Inputs":
        """These inputs, then ``later``'s."""
        return Inputs(self.requirements + later.requirements,
                      self.constraints + later.constraints,
                      self.options.join(later.options),
                      self.ignored + later.ignored,
                      self.warnings + later.warnings,
                      self.refusals + later.refusals,
                      self.locks + later.locks)

    def refused_by(self, pip_version: Optional[str]) -> Optional[str]:
        """The first line ``pip_version`` (None: the newest pip) refuses
        though older pips took it, as its one-line input error (the
        caller raises InputError: exit 2); None when that pip takes
        them all."""
        refused = list(self.refusals)
        for req in self.requirements + self.constraints:
            refused.extend(req.refused)
        return first_refusal(refused, pip_version)

    def check_pip(self, target) -> None:
        """InputError (exit 2) with the first line the ``target``'s pip
        refuses, as that pip stops at it: its pip_version, else its
        Debian release's pip, else the newest pip."""
        from ..facts import DEBIAN

        pip_version = target.pip_version or DEBIAN.get(
            target.os_codename or "", (None,) * 4)[3]
        refused = self.refused_by(pip_version)
        if refused:
            raise InputError(refused)
