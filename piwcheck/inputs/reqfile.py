# SPDX-License-Identifier: BSD-3-Clause
"""pip's requirements-file format: nested ``-r``/``-c``, per-requirement
and file-level options, each logical line (see ``text``) read as pip
reads it."""

import optparse
import os
import re
import shlex
from functools import lru_cache
from dataclasses import replace
from typing import Iterator, List, Optional, Tuple

from ..errors import InputError
from . import Inputs
from .requirement import Requirement, parse_line
from .text import decode, logical_lines, read_text

#: --hash algorithms pip accepts (its STRONG_HASHES).
HASH_ALGORITHMS = ("sha256", "sha384", "sha512")
#: --use-feature values pip 26 knows.
FEATURES = ("fast-deps", "inprocess-build-deps", "venv-isolation",
            "truststore", "no-binary-enable-wheel-cache",
            "build-constraint")
#: Options older pips took in a file and pip 26 refuses: name -> why.
LEGACY = {
    "--install-option": "pip 26 refuses it; Bookworm's pip 23.0.1 takes it",
    "--global-option": "pip 26 refuses it; Bookworm's pip 23.0.1 takes it",
}
#: The first pip that refuses each of LEGACY.
LEGACY_REFUSED = {"--install-option": "23.1", "--global-option": "25.3"}
#: The first pip that reads ``req -e path`` as the editable ``req``.
EDITABLE_ARGS_REFUSED = "25.0"

def _split_options(line: str) -> Tuple[str, str]:
    """pip's split of a line into the requirement and its options: the
    requirement ends at the first token that starts with '-'."""
    args = []
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(args), " ".join(tokens[i:])
        args.append(token)
    return " ".join(args), ""


class _ParseError(Exception):
    pass


class _Parser(optparse.OptionParser):
    def error(self, msg):
        raise _ParseError(msg)

    def exit(self, status=0, msg=None):
        raise _ParseError(msg or "bad options")


def _ordered(option, opt, value, parser):
    """Keep --only-binary/--no-binary/--all-releases/--only-final in the
    order given: each changes what the ones before did."""
    parser.values.ordered.append((opt.lstrip("-"), value))


def _hash(option, opt, value, parser):
    algo, sep, digest = value.partition(":")
    if not sep:
        parser.error("arguments to {} must be a hash name followed by a "
                     "value, like --hash=sha256:abcde...".format(opt))
    if algo not in HASH_ALGORITHMS:
        parser.error("allowed hash algorithms for {} are {}".format(
            opt, ", ".join(HASH_ALGORITHMS)))
    parser.values.hashes.append((algo, digest))


def _config(option, opt, value, parser):
    if "=" not in value:
        parser.error("arguments to {} must be of the form KEY=VAL".format(
            opt))


def _legacy(option, opt, value, parser):
    parser.values.legacy.append(opt)


@lru_cache(maxsize=1)
def _parser() -> optparse.OptionParser:
    """The options pip 26 takes in a requirements file, as pip defines
    them (so optparse gives pip's errors and its unambiguous prefixes),
    and the two older pips took."""
    p = _Parser(add_help_option=False)
    add = p.add_option
    add("-i", "--index-url", "--pypi-url", dest="index_url")
    add("--extra-index-url", dest="extra_index_urls", action="append")
    add("--no-index", dest="no_index", action="store_true")
    add("-c", "--constraint", dest="constraints", action="append")
    add("-r", "--requirement", dest="requirements", action="append")
    add("-e", "--editable", dest="editables", action="append")
    add("-f", "--find-links", dest="find_links", action="append")
    for name in ("--no-binary", "--only-binary", "--all-releases",
                 "--only-final"):
        add(name, action="callback", callback=_ordered, type="string")
    add("--prefer-binary", dest="prefer_binary", action="store_true")
    add("--require-hashes", dest="require_hashes", action="store_true")
    add("--no-require-hashes", dest="no_require_hashes",
        action="store_true")
    add("--pre", dest="pre", action="store_true")
    add("--trusted-host", dest="trusted_hosts", action="append")
    add("--use-feature", dest="features", action="append", type="choice",
        choices=list(FEATURES))
    add("--hash", action="callback", callback=_hash, type="string")
    add("-C", "--config-settings", action="callback", callback=_config,
        type="string")
    for name in LEGACY:
        add(name, action="callback", callback=_legacy, type="string")
    return p


def _options(text: str, where: str) -> optparse.Values:
    """The options of a line, parsed as pip parses them."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise InputError("{}: cannot split options {!r}: {}".format(
            where, text, exc))
    parser = _parser()
    values = parser.get_default_values()
    values.ordered = []
    values.legacy = []
    values.hashes = []
    try:
        values, rest = parser.parse_args(tokens, values)
    except _ParseError as exc:
        raise InputError("{}: {}".format(where, exc))
    values.rest = rest  # pip ignores what is not an option's value
    return values


#: A file-level option that changes nothing in a check: noted with -v.
_NOTED = (("require_hashes", "--require-hashes"),
          ("no_require_hashes", "--no-require-hashes"),
          ("features", "--use-feature"))


def _trusted_hosts(opts: optparse.Values, where: str) -> List[str]:
    """A line's --trusted-host values, each a host or host:port."""
    from ..net.options import trusted_host

    try:
        return [trusted_host(h) for h in opts.trusted_hosts or ()]
    except ValueError as exc:
        raise InputError("{}: --trusted-host {}: {}".format(
            where, " ".join(opts.trusted_hosts), exc))


class Reader:
    """Reads requirements files into one :class:`Inputs`; ``fetch(url)``
    gives the bytes of an ``http(s)://`` file (through the transport)."""

    def __init__(self, fetch=None):
        self.inputs = Inputs()
        self.fetch = fetch
        self._chain: List[Tuple[str, str]] = []  # (real path, shown name)

    def read(self, path: str, constraint: bool = False,
             origin: str = "") -> Inputs:
        """Add ``path`` (``-`` for stdin) and what it includes; ``origin``
        names the line that included it.  Nested files are read with a
        stack of their own, not Python's: any depth, never a
        RecursionError."""
        depth = len(self._chain)
        stack: List[Tuple[Iterator[Tuple[int, str]], str, str, bool]] = []
        try:
            stack.append(self._open(path, constraint, origin))
            while stack:
                lines, display, base, nested = stack[-1]
                item = next(lines, None)
                if item is None:
                    stack.pop()
                    self._chain.pop()
                    continue
                where = "{}:{}".format(display, item[0])
                include = self._line(item[1], where, base, nested)
                if include is not None:
                    stack.append(self._open(*include))
        finally:
            del self._chain[depth:]
        return self.inputs

    def _open(self, path: str, constraint: bool, origin: str
              ) -> Tuple[Iterator[Tuple[int, str]], str, str, bool]:
        """(its logical lines, its name, the base of its includes,
        constraint) of a file to read next; its key joins the chain."""
        if "\x00" in path:
            raise InputError("{}{!r}: not a valid file name".format(
                origin, path))
        if path.startswith("file:"):
            from urllib.parse import unquote, urlsplit
            path = unquote(urlsplit(path).path)
        url = re.match(r"^https?://", path, re.I) is not None
        key = path if path == "-" or url else os.path.realpath(path)
        display = "<stdin>" if path == "-" else path
        if key in (k for k, _ in self._chain):
            names = [n for _, n in self._chain] + [display]
            raise InputError("include cycle: " + " -> ".join(names))
        text = self._fetch(path, origin) if url else read_text(path, origin)
        base = os.getcwd() if path == "-" else path if url else \
            os.path.dirname(path)
        lines = iter(logical_lines(text))
        self._chain.append((key, display))
        return lines, display, base, constraint

    def _line(self, line: str, where: str, base: str, constraint: bool
              ) -> Optional[Tuple[str, bool, str]]:
        """One logical line, as pip's handle_line: a requirement (or -e)
        line takes only its per-requirement options; a -r/-c line is an
        include (the first one) and nothing else, returned as (path,
        constraint, origin); only a line of options alone sets file-level
        options."""
        args, text = _split_options(line)
        opts = _options(text, where) if text else None
        for name in (opts.legacy if opts else ()):
            self.inputs.ignored.append("{}: {} ignored ({})".format(
                where, name, LEGACY[name]))
            self.inputs.warnings.append("{}: {}: {}".format(
                where, name, LEGACY[name]))
            self.inputs.refusals.append((LEGACY_REFUSED[name], "{}: no such "
                                         "option: {} (pip {} and newer "
                                         "refuse it)".format(
                                             where, name,
                                             LEGACY_REFUSED[name])))
        if opts and opts.rest and not (args or opts.editables):
            self.inputs.warnings.append("{}: {!r} after the options is "
                                        "ignored, as pip ignores it".format(
                                            where, " ".join(opts.rest)))
        if args:
            req = parse_line(args, where)
            if opts and opts.editables:
                req = self._editable_args(req, args, where)
            if opts and opts.hashes:
                req = replace(req, hashes=tuple(opts.hashes))
            self._add(req, constraint, where)
        elif opts and opts.editables:
            self._add(parse_line(opts.editables[0], where, editable=True),
                      constraint, where)
        elif opts and (opts.requirements or opts.constraints):
            if opts.requirements:
                return self._include(opts.requirements[0], where, base,
                                     False)
            return self._include(opts.constraints[0], where, base, True)
        elif opts:
            self._options_line(opts, where, base)
        return None

    @staticmethod
    def _editable_args(req: Requirement, args: str,
                       where: str) -> Requirement:
        """``req -e path``: pip 25 and newer take ``req`` as the editable
        (and refuse what is not one); older pips ``req`` alone."""
        try:
            parse_line(args, where, editable=True)
        except InputError as exc:
            return replace(req, refused=req.refused + (
                (EDITABLE_ARGS_REFUSED, "{} (pip {} and newer read it as "
                 "-e {})".format(exc, EDITABLE_ARGS_REFUSED, args)),))
        return req

    def _options_line(self, opts: optparse.Values, where: str,
                      base: str = "") -> None:
        options = self.inputs.options
        if opts.find_links:
            options.find_links.append(_find_links(opts.find_links[0], base))
        if opts.pre:
            options.pre = True
        if opts.no_index:
            options.no_index = True
        if opts.index_url:
            options.index_url = opts.index_url
        options.extra_index_urls.extend(opts.extra_index_urls or ())
        if opts.prefer_binary:
            options.prefer_binary = True
        options.formats.extend(opts.ordered)
        options.trusted_hosts.extend(_trusted_hosts(opts, where))
        for dest, name in _NOTED:
            value = getattr(opts, dest)
            if value:
                self.inputs.ignored.append("{}: {}{} ignored".format(
                    where, name, "" if value is True else
                    " " + " ".join(value)))

    def _add(self, req: Requirement, constraint: bool,
             where: str = "") -> None:
        if constraint and req.extras:
            raise InputError("{}: a constraint cannot have extras: {!r} "
                             "(pip refuses it)".format(where, req.text))
        if constraint and req.editable:
            raise InputError("{}: an editable cannot be a constraint: {!r} "
                             "(pip refuses it)".format(where, req.text))
        target = self.inputs.constraints if constraint else \
            self.inputs.requirements
        target.append(req)

    def _fetch(self, url: str, origin: str) -> str:
        from ..errors import PiwcheckError

        if self.fetch is None:
            raise InputError("{}{}: cannot fetch it here".format(origin, url))
        try:
            data = self.fetch(url)
        except PiwcheckError as exc:
            raise InputError("{}{}: cannot fetch it: {}".format(
                origin, url, exc))
        return decode(data, url)

    def _include(self, value: str, where: str, base: str,
                 nested_constraint: bool) -> Tuple[str, bool, str]:
        from urllib.parse import urljoin

        if re.match(r"^https?://", base, re.I):
            path = urljoin(base, value)  # relative to the file's URL
        elif re.match(r"^(https?|file):", value, re.I):
            path = value
        elif re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I):
            raise InputError("{}: including a {} URL ({}) is not "
                             "supported".format(where, value.split(":")[0],
                                                value))
        else:
            path = value if os.path.isabs(value) else os.path.normpath(
                os.path.join(base, value))
        return path, nested_constraint, where + ": "


def _find_links(value: str, base: str) -> str:
    """A file's --find-links (pip takes a line's first): a path relative
    to the file's folder (``base``) when it exists there, as pip."""
    if not re.match(r"^https?://", base, re.I):
        there = os.path.join(os.path.abspath(base), value)
        if os.path.exists(there):
            return there
    return value
