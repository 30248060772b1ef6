# SPDX-License-Identifier: BSD-3-Clause
"""Renderers, no decisions: the registry of output formats.

Each format is a module of this package whose ``FORMAT`` is a
:class:`~piwcheck.report.format.Format`; the command line selects it by
its name (--format NAME, or the option of that name: --json, --summary,
--tree; the DEFAULT, "text", when none is given).  A new format is a new module and
its name in ``_NAMES``."""

from importlib import import_module
from typing import Dict, Iterator, Mapping

from .common import clean, problem_lines, render_head
from .format import Format, Options

__all__ = ["DEFAULT", "FORMATS", "Format", "Options", "clean",
           "problem_lines", "render_head"]

#: The formats' modules; the first is the default.
_NAMES = ("text", "summary", "tree", "json", "markdown")

#: The format shown when no other is asked for.
DEFAULT = _NAMES[0]


class _Formats(Mapping):
    """Every format by name; a format's module is imported when it is
    first asked for, so a run loads only the one it prints."""

    def __init__(self):
        self._loaded: Dict[str, Format] = {}

    def __getitem__(self, name: str) -> Format:
        if name not in _NAMES:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = import_module("." + name, __name__).FORMAT
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_NAMES)

    def __len__(self) -> int:
        return len(_NAMES)


#: Every format, by name.
FORMATS: Mapping[str, Format] = _Formats()

