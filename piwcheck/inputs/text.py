# SPDX-License-Identifier: BSD-3-Clause
"""A requirements file's text: read (a regular file, or standard input
for ``-``, capped), decoded as pip decodes it (a BOM, else a PEP 263
coding line among the first two; only a text codec), and cut into
logical lines."""

import codecs
import os
import re
import sys
from typing import List, Tuple

from ..errors import InputError
from .files import MAX_BYTES, MAX_TEXT, FileProblem, read_file, read_stream

# As pip: a comment starts a line or follows whitespace.  (pip removes
# r"(^|\s+)#.*$", which is quadratic on a run of spaces: _strip_comment
# does the same in linear time.)
_COMMENT_RE = re.compile(r"(^|\s+)#")
_HASH_RE = re.compile(r"(?<!\S)#")
# As pip: only ${NAME} with upper-case letters, digits and '_'.
_ENV_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")

_BOMS = ((codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_BE, "utf-16"),
         (codecs.BOM_UTF16_LE, "utf-16"))


#: PEP 263's coding declaration, as pip looks for it in the first two lines.
_CODING_RE = re.compile(br"coding[:=]\s*([-\w.]+)")


def _coding(data: bytes, name: str) -> Tuple[str, int]:
    """(encoding, line number of its declaration) as pip finds them: a
    BOM, else a PEP 263 line among the first two; only a text codec."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, 1
    for number, line in enumerate(data.split(b"\n", 2)[:2], start=1):
        match = _CODING_RE.search(line) if line[:1] == b"#" else None
        if match:
            encoding = match.group(1).decode("ascii")
            try:
                info = codecs.lookup(encoding)
            except LookupError:
                raise InputError("{}:{}: unknown encoding {!r} in its "
                                 "coding line".format(name, number, encoding))
            if not getattr(info, "_is_text_encoding", True):
                raise InputError("{}:{}: {!r} in its coding line is not a "
                                 "text encoding".format(name, number,
                                                        encoding))
            return encoding, number
    return "utf-8", 1


def decode(data: bytes, name: str) -> str:
    encoding, number = _coding(data, name)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError("{}:{}: not {} text (byte {:#04x})".format(
            name, line, encoding.replace("-sig", ""),
            data[exc.start]))
    except (UnicodeError, ValueError) as exc:  # codecs such as idna
        raise InputError("{}:{}: not {} text: {}".format(
            name, number, encoding, str(exc).splitlines()[0] if str(exc)
            else type(exc).__name__))


def _stdin() -> str:
    stream = sys.stdin
    if stream is None:
        raise InputError("<stdin>: standard input is closed")
    try:
        binary = getattr(stream, "buffer", None)
        if binary is None:
            text = stream.read(MAX_BYTES + 1)
            if len(text) > MAX_BYTES:
                raise FileProblem("larger than " + MAX_TEXT)
            return text
        return decode(read_stream(binary), "<stdin>")
    except FileProblem as exc:
        raise InputError("<stdin>: {}".format(exc))
    except (OSError, ValueError) as exc:  # closed, or not readable
        raise InputError("<stdin>: cannot read it: {}".format(
            getattr(exc, "strerror", None) or exc))


def read_text(path: str, origin: str = "") -> str:
    if path == "-":
        return _stdin()
    try:
        data = read_file(path)
    except IsADirectoryError:
        raise InputError("{}{}: is a directory, not a requirements "
                         "file".format(origin, path))
    except FileProblem as exc:
        raise InputError("{}{}: {}{}".format(
            origin, path, exc, " (piwcheck reads a pipe as -r -)"
            if "regular" in str(exc) else ""))
    except (OSError, ValueError) as exc:
        raise InputError("{}{}: cannot read it: {}".format(
            origin, path, getattr(exc, "strerror", None) or exc))
    return decode(data, path)


def _strip_comment(line: str) -> str:
    """``line`` without its comment, as pip's substitution of
    _COMMENT_RE + ".*$" (then stripped), in linear time."""
    match = _HASH_RE.search(line)
    return line[:match.start()] if match else line


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
            pending.append(line.strip("\\"))  # every backslash, as pip
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
        line = _strip_comment(line).strip()
        if line:
            # as pip: an unset or empty variable is left as written
            line = _ENV_RE.sub(
                lambda m: os.environ.get(m.group(1)) or m.group(0), line)
            result.append((number, line))
    return result
