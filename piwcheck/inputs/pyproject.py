# SPDX-License-Identifier: BSD-3-Clause
"""A project's pyproject.toml: its ``[project] dependencies`` (PEP 621),
the ``optional-dependencies`` of the extras asked for, and the PEP 735
``[dependency-groups]`` asked for, with their ``include-group`` tables.
The project itself is not checked (it is what is being developed): a
requirement on it (``myproj[extra]``) brings in its dependencies and
those extras', as pip installs them."""

from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from ..errors import InputError
from . import Inputs, Requirement, parse_line
from . import toml


def read_pyproject(path: str, extras: Sequence[str] = (),
                   groups: Sequence[str] = ()) -> Inputs:
    """The requirements ``path`` declares, with ``extras`` and
    ``groups``; InputError (one line, the file and key) for what cannot
    be read or is not there."""
    doc = toml.load(path)
    top = path + ": "
    project = toml.get(doc, "project", dict, top)
    if project is None and not groups:
        raise InputError("{}: no [project] table (piwcheck reads PEP 621's "
                         "[project] dependencies{})".format(
                             path, ", not tool.poetry's" if isinstance(
                                 doc.get("tool"), dict) and "poetry" in
                             doc["tool"] else ""))
    reader = _Project(path, project or {}, doc, bool(groups))
    inputs = Inputs()
    if project is not None:
        inputs.requirements.extend(reader.dependencies(None))
    for extra in extras:
        inputs.requirements.extend(reader.dependencies(extra))
    for group in groups:
        inputs.requirements.extend(reader.group(group))
    # a table reached twice (--extra a and a group's "proj[a]") counts once
    seen = set()
    inputs.requirements = [r for r in inputs.requirements if not (
        (r.source, str(r.marker)) in seen or seen.add((r.source,
                                                       str(r.marker))))]
    inputs.warnings.extend(reader.warnings)
    return inputs


def _combined(req: Requirement, marker: Optional[Marker]) -> Requirement:
    """``req`` under ``marker`` too (that of the self-reference that
    brought it in)."""
    if marker is None:
        return req
    if req.marker is None:
        return replace(req, marker=marker)
    return replace(req, marker=Marker("({}) and ({})".format(req.marker,
                                                             marker)))


class _Project:
    """One pyproject.toml's tables, read as they are asked for."""

    def __init__(self, path: str, project: Dict[str, Any],
                 doc: Dict[str, Any], grouped: bool):
        self.path = path
        self.where = toml.join(path + ": ", "project")
        name = toml.get(project, "name", str, self.where)
        self.name = canonicalize_name(name) if name else None
        self.dynamic = toml.strings(project, "dynamic", self.where)
        self.optional = toml.get(project, "optional-dependencies", dict,
                                 self.where, {})
        self.extras = {}
        for key in self.optional:
            self.extras.setdefault(canonicalize_name(key), key)
        self.groups = self._groups(doc)
        self.project = project
        self.grouped = grouped
        self.warnings: List[str] = []

    def _groups(self, doc: Dict[str, Any]) -> Dict[str, Tuple[str, Any]]:
        """Each dependency group by its normalised name: (key, entries)."""
        table = toml.get(doc, "dependency-groups", dict, self.path + ": ",
                         {})
        found: Dict[str, Tuple[str, Any]] = {}
        for key, entries in table.items():
            norm = canonicalize_name(key)
            if norm in found:
                raise InputError("{}: dependency-groups: {!r} and {!r} are "
                                 "one group (PEP 735 normalises names)"
                                 .format(self.path, found[norm][0], key))
            found[norm] = (key, entries)
        return found

    def dependencies(self, extra: Optional[str]) -> List[Requirement]:
        """The project's dependencies (``extra`` None), or an extra's;
        self-references followed, each table once."""
        out: List[Requirement] = []
        todo: List[Tuple[Optional[str], Optional[Marker]]] = [(extra, None)]
        seen: Set[Optional[str]] = set()
        while todo:
            current, marker = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            for req in self._table(current):
                if self.name and req.name == self.name and req.reason is None:
                    todo.append((None, req.marker))
                    todo.extend((e, req.marker) for e in sorted(req.extras))
                else:
                    out.append(_combined(req, marker))
        return out

    def _table(self, extra: Optional[str]) -> List[Requirement]:
        """The requirements of the dependencies or of one extra."""
        if extra is None:
            if "dependencies" in self.dynamic:
                why = ("{}.dependencies is dynamic (in project.dynamic): "
                       "piwcheck cannot build the project to learn them; "
                       "give them with -r".format(self.where))
                if not self.grouped:
                    raise InputError(why)
                self.warnings.append(why + "; not checked")
                return []
            return self._parse(self.project, "dependencies", self.where)
        key = self.extras.get(canonicalize_name(extra))
        if key is None:
            if "optional-dependencies" in self.dynamic:
                raise InputError("{}.optional-dependencies is dynamic (in "
                                 "project.dynamic): piwcheck cannot build "
                                 "the project to learn extra {!r}".format(
                                     self.where, extra))
            raise InputError("{}.optional-dependencies: no extra {!r}{}"
                             .format(self.where, extra, _known(
                                 self.optional)))
        return self._parse(self.optional, key, toml.join(
            self.where, "optional-dependencies"))

    def _parse(self, table: Dict[str, Any], key: str,
               where: str) -> List[Requirement]:
        place = toml.join(where, key)
        return [parse_line(text, "{}[{}]".format(place, i))
                for i, text in enumerate(toml.strings(table, key, where))]

    def group(self, name: str) -> List[Requirement]:
        """A dependency group's requirements, its include-groups
        followed (iteratively: any depth); InputError for an unknown
        group or a cycle."""
        where = self.path + ": dependency-groups"
        out: List[Requirement] = []
        # a stack of (group, its entries, next entry), as a DFS
        first = self._group_entries(canonicalize_name(name), name, where)
        stack = [(canonicalize_name(name), first, 0)]
        done: Set[str] = set()
        while stack:
            norm, entries, i = stack[-1]
            if i == len(entries):
                stack.pop()
                done.add(norm)
                continue
            stack[-1] = (norm, entries, i + 1)
            key = self.groups[norm][0]
            place = "{}[{}]".format(toml.join(where, key), i)
            entry = entries[i]
            if isinstance(entry, str):
                req = parse_line(entry, place)
                if self.name and req.name == self.name and req.reason is None:
                    out.extend(self._self(req))
                else:
                    out.append(req)
                continue
            included = self._include(entry, place)
            inc = canonicalize_name(included)
            if any(n == inc for n, _, _ in stack):
                cycle = [self.groups[n][0] for n, _, _ in stack] + [included]
                raise InputError("{}: include-group cycle: {}".format(
                    place, " -> ".join(cycle)))
            if inc not in done:
                stack.append((inc, self._group_entries(inc, included,
                                                       place), 0))
        return out

    def _self(self, req: Requirement) -> List[Requirement]:
        """What a group's requirement on the project itself brings in."""
        reqs = self.dependencies(None)
        for extra in sorted(req.extras):
            reqs.extend(self.dependencies(extra))
        return [_combined(r, req.marker) for r in reqs]

    def _group_entries(self, norm: str, name: str, where: str) -> list:
        if norm not in self.groups:
            raise InputError("{}: no dependency group {!r}{}".format(
                where, name, _known(dict(self.groups.values()))))
        key, entries = self.groups[norm]
        if not isinstance(entries, list):
            raise InputError("{}: is not an array".format(toml.join(
                self.path + ": dependency-groups", key)))
        return entries

    @staticmethod
    def _include(entry: Any, place: str) -> str:
        """The group an ``{include-group = "..."}`` table names."""
        if not isinstance(entry, dict) or set(entry) != {"include-group"} \
                or not isinstance(entry["include-group"], str):
            raise InputError("{}: neither a requirement string nor an "
                             "{{include-group = \"NAME\"}} table".format(
                                 place))
        return entry["include-group"]


def _known(table: Dict[str, Any]) -> str:
    names = sorted(table)
    if not names:
        return " (it has none)"
    shown = ", ".join(repr(n) for n in names[:10])
    return " (it has {}{})".format(shown, ", ..." if len(names) > 10 else "")
