# SPDX-License-Identifier: BSD-3-Clause
"""JSON answers decoded within bounds: before ``json.loads`` sees a body,
one pass in C (regular expressions and bytes methods, no Python loop over
characters) measures how deeply it nests and how many values it holds,
so 200 kB of ``[`` is a DataError, not a RecursionError, and a document
of millions of tiny values is refused before it becomes millions of
objects."""

import re
from typing import Any

from ..errors import DataError

#: Deepest nesting of arrays and objects accepted; the documents read
#: here nest five or six deep.
MAX_DEPTH = 64
#: Most arrays, objects and members (counted as their commas) in one
#: document: about 20 a file, for the largest projects' pages.
MAX_ITEMS = 2000000

#: A JSON string, or an unterminated one up to the end: it always
#: matches where it starts, so it never backtracks.
_STRING = re.compile(rb'"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\?\Z)')
#: Bytes of a body taken out of escapes at a time.
_WINDOW = 1 << 18
#: An escape in a string (or a backslash and whatever follows it).
_ESCAPE = re.compile(rb"\\[\s\S]")
#: Every byte but quotes, brackets and commas, deleted by
#: bytes.translate.
_NOT_KEPT = bytes(b for b in range(256) if b not in b'"[]{},')
#: Objects' braces as brackets: nesting is nesting.
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")


def _reduced(body: bytes) -> bytes:
    """``body`` with only its quotes, brackets and commas (escaped
    backslashes and quotes taken out first), and no two quotes side by
    side: the same marks in and out of strings, in a fraction of the
    bytes.  (Two adjacent quotes end one string and open the next, or
    make an empty one: either way, taking them out leaves every mark on
    its side.)  Taking the strings out of the body itself made a piece
    for each: six times the body at once."""
    if b"\\" not in body:
        return body.translate(None, _NOT_KEPT).replace(b'""', b"")
    pieces, pos = [], 0
    while pos < len(body):  # a window at a time: a copy of each only
        end = pos + _WINDOW
        piece = _ESCAPE.sub(b"", body[pos:end])
        if piece.endswith(b"\\") and end < len(body):
            piece, end = piece[:-1], end - 1  # an escape cut in two
        pieces.append(piece.translate(None, _NOT_KEPT))
        pos = end
    return b"".join(pieces).replace(b'""', b"")


def outside_strings(body: bytes) -> bytes:
    """The brackets, braces and commas of JSON ``body`` that are not in
    a string, in order (a string cut short runs to the end)."""
    return _STRING.sub(b"", _reduced(body)).replace(b'"', b"")


def check_shape(body: bytes, url: str) -> None:
    """DataError when ``body``, as JSON, nests deeper than ``MAX_DEPTH``
    or holds more than ``MAX_ITEMS`` items.  A body that is not JSON at
    all passes: the decoder says what is wrong with it."""
    marks = outside_strings(body).translate(_AS_BRACKETS)
    items = marks.count(b",") + marks.count(b"[")
    if items > MAX_ITEMS:
        raise DataError("{}: the answer holds more than {} JSON values"
                        .format(url, MAX_ITEMS))
    brackets = marks.replace(b",", b"")
    # Each pass takes away the innermost pairs: a document nested n
    # deep is gone after n passes.  What is left when a pass changes
    # nothing is unbalanced (the decoder will say so) but may still open
    # deeper than the bound before the decoder finds out.
    passes = 0
    while brackets and passes <= MAX_DEPTH:
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            break
        brackets = shorter
        passes += 1
    if passes + brackets.count(b"[") > MAX_DEPTH:
        raise DataError("{}: the answer nests more than {} deep".format(
            url, MAX_DEPTH))

def loads(body: bytes, url: str) -> Any:
    """``json.loads`` of a UTF-8 ``body`` within the bounds above;
    DataError for a body out of bounds, ValueError (UnicodeDecodeError
    included) for one that is not JSON."""
    import json

    check_shape(body, url)
    try:
        return json.loads(body.decode("utf-8"))
    except RecursionError:  # a backstop: check_shape has measured it
        raise DataError("{}: the answer nests too deeply".format(url))
