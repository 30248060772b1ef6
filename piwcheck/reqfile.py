# SPDX-License-Identifier: BSD-3-Clause
"""pip's requirements-file format: comments, continuations, ``${VAR}``,
nested ``-r``/``-c``, per-requirement and file-level options."""

import codecs
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .errors import InputError
from .requirements import Requirement, parse_line

# As pip: a comment starts a line or follows whitespace.
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
# As pip: only ${NAME} with upper-case letters, digits and '_'.
_ENV_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")

#: Options a requirements file may hold: name -> takes a value.
_OPTIONS = {
    "-r": True, "--requirement": True,
    "-c": True, "--constraint": True,
    "-e": True, "--editable": True,
    "-i": True, "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "-f": True, "--find-links": True,
    "--pre": False,
    "--prefer-binary": False,
    "--only-binary": True,
    "--no-binary": True,
    "--require-hashes": False,
    "--trusted-host": True,
    "--use-feature": True,
    # per-requirement options, accepted and ignored for the check
    "--hash": True,
    "--config-settings": True,
    "--global-option": True,
    "--install-option": True,
}
_LONG = {"-r": "--requirement", "-c": "--constraint", "-e": "--editable",
         "-i": "--index-url", "-f": "--find-links"}
_PER_REQUIREMENT = ("--hash", "--config-settings", "--global-option",
                    "--install-option")

_BOMS = ((codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_BE, "utf-16"),
         (codecs.BOM_UTF16_LE, "utf-16"))


@dataclass
class Parsed:
    """What a set of requirements files asks for."""

    requirements: List[Requirement] = field(default_factory=list)
    constraints: List[Requirement] = field(default_factory=list)
    pre: bool = False
    #: Index and format options, as pip applies them after its own
    #: configuration: --index-url, --extra-index-url, --no-index,
    #: --prefer-binary, and --only-binary/--no-binary in order.
    index_url: Optional[str] = None
    extra_index_urls: List[str] = field(default_factory=list)
    no_index: bool = False
    prefer_binary: bool = False
    formats: List[Tuple[str, str]] = field(default_factory=list)
    #: File-level options noted but not acted on ("file:line: option").
    notes: List[str] = field(default_factory=list)


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            break
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError("{}:{}: not {} text (byte {:#04x})".format(
            name, line, encoding.replace("-sig", ""),
            data[exc.start]))


def _read(path: str, origin: str = "") -> str:
    if path == "-":
        data = sys.stdin.buffer.read()
        return _decode(data, "<stdin>")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise InputError("{}{}: is a directory, not a requirements "
                         "file".format(origin, path))
    except OSError as exc:
        raise InputError("{}{}: cannot read it: {}".format(
            origin, path, exc.strerror or exc))
    return _decode(data, path)


def logical_lines(text: str) -> List[Tuple[int, str]]:
    """(line number, text) of each logical line, as pip joins them:
    backslash continuations joined, comments and blank lines dropped,
    ``${VAR}`` expanded from the environment."""
    out = []
    pending: List[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.endswith("\\") and not _COMMENT_RE.match(line):
            if not pending:
                first = number
            pending.append(line[:-1])
            continue
        if _COMMENT_RE.match(line):
            line = " " + line
        if pending:
            pending.append(line)
            number, line = first, "".join(pending)
            pending = []
        out.append((number, line))
    if pending:
        out.append((first, "".join(pending)))
    result = []
    for number, line in out:
        line = _COMMENT_RE.sub("", line).strip()
        if line:
            line = _ENV_RE.sub(
                lambda m: os.environ.get(m.group(1), m.group(0)), line)
            result.append((number, line))
    return result


def _split_options(line: str) -> Tuple[str, str]:
    """pip's split of a line into the requirement and its options."""
    args = []
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(args), " ".join(tokens[i:])
        args.append(token)
    return " ".join(args), ""


def _options(text: str, where: str) -> List[Tuple[str, Optional[str]]]:
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise InputError("{}: cannot split options {!r}: {}".format(
            where, text, exc))
    result = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-"):
            if result and result[-1][0] == "--editable":
                continue  # pip ignores what follows -e's value
            raise InputError("{}: unexpected {!r} among options".format(
                where, token))
        name, eq, value = token.partition("=")
        if not eq and name[:2] in _LONG and len(name) > 2 \
                and not name.startswith("--"):
            name, value, eq = name[:2], name[2:], "="  # -rfile
        if name not in _OPTIONS:
            raise InputError("{}: no such option: {}".format(where, name))
        if _OPTIONS[name]:
            if not eq:
                if i >= len(tokens):
                    raise InputError("{}: {} needs a value".format(
                        where, name))
                value = tokens[i]
                i += 1
        elif eq:
            raise InputError("{}: {} takes no value".format(where, name))
        result.append((_LONG.get(name, name), value if _OPTIONS[name]
                       else None))
    return result


class Reader:
    """Reads requirements files into a :class:`Parsed`."""

    def __init__(self):
        self.parsed = Parsed()
        self._chain: List[Tuple[str, str]] = []  # (real path, shown name)

    def read(self, path: str, constraint: bool = False,
             origin: str = "") -> Parsed:
        """Add ``path`` (``-`` for stdin) and what it includes; ``origin``
        names the line that included it."""
        if "\x00" in path:
            raise InputError("{}{!r}: not a valid file name".format(
                origin, path))
        key = path if path == "-" else os.path.realpath(path)
        display = "<stdin>" if path == "-" else path
        if key in (k for k, _ in self._chain):
            names = [n for _, n in self._chain] + [display]
            raise InputError("include cycle: " + " -> ".join(names))
        text = _read(path, origin)
        self._chain.append((key, display))
        try:
            base = os.getcwd() if path == "-" else os.path.dirname(path)
            for number, line in logical_lines(text):
                self._line(line, "{}:{}".format(display, number), base,
                           constraint)
        finally:
            self._chain.pop()
        return self.parsed

    def _line(self, line: str, where: str, base: str,
              constraint: bool) -> None:
        args, opts = _split_options(line)
        options = _options(opts, where) if opts else []
        for name, value in options:
            if name in ("--requirement", "--constraint"):
                self._include(value, where, base,
                              nested_constraint=name == "--constraint")
            elif name == "--editable":
                req = parse_line(value, where, editable=True)
                self._add(req, constraint)
            elif name == "--pre":
                self.parsed.pre = True
            elif name == "--index-url":
                self.parsed.index_url = value
            elif name == "--extra-index-url":
                self.parsed.extra_index_urls.append(value)
            elif name == "--no-index":
                self.parsed.no_index = True
            elif name == "--prefer-binary":
                self.parsed.prefer_binary = True
            elif name in ("--only-binary", "--no-binary"):
                self.parsed.formats.append((name[2:], value))
            elif name not in _PER_REQUIREMENT:
                self.parsed.notes.append("{}: {}{} ignored".format(
                    where, name, " " + value if value else ""))
        if args:
            self._add(parse_line(args, where), constraint)

    def _add(self, req: Requirement, constraint: bool) -> None:
        target = self.parsed.constraints if constraint else \
            self.parsed.requirements
        target.append(req)

    def _include(self, value: str, where: str, base: str,
                 nested_constraint: bool) -> None:
        if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I):
            raise InputError("{}: including a URL ({}) is not "
                             "supported".format(where, value))
        path = value if os.path.isabs(value) else os.path.normpath(
            os.path.join(base, value))
        self.read(path, constraint=nested_constraint,
                  origin=where + ": ")


def read_files(paths: List[str]) -> Parsed:
    """Read every file in ``paths`` into one :class:`Parsed`."""
    reader = Reader()
    for path in paths:
        reader.read(path)
    return reader.parsed
