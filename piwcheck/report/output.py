# SPDX-License-Identifier: BSD-3-Clause
"""The one output writer: every mode's report goes to stdout or to the
--output file through it.  What stdout's encoding (the locale's: ASCII
under LANG=C without UTF-8, ISO-8859-1 under en_GB) cannot show is
written in another way, never an error: --tree's lines as ASCII, any
other character as a backslash escape."""

import sys
from typing import Optional

from ..errors import InputError

#: --tree's box-drawing characters, as ASCII (as `tree --charset ascii`).
ASCII_TREE = str.maketrans({"└": "`", "├": "|", "│": "|", "─": "-"})


def write(text: str, path: Optional[str] = None) -> None:
    """``text`` to the file at ``path`` (UTF-8; a file there is
    replaced), or to stdout when there is none; InputError (exit 2) when
    the file cannot be written."""
    if not path:
        stream = sys.stdout
        stream.write(printable(text, getattr(stream, "encoding", None)))
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise InputError("--output {}: cannot write it: {}".format(
            path, exc.strerror or exc))


def printable(text: str, encoding: Optional[str]) -> str:
    """``text`` as a stream in ``encoding`` can write it: unchanged when
    it can; else with --tree's lines in ASCII and what is still beyond
    the encoding as backslash escapes."""
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
        return text
    except LookupError:  # an encoding Python does not know: ASCII is safe
        encoding = "ascii"
    except UnicodeEncodeError:
        pass
    text = text.translate(ASCII_TREE)
    return text.encode(encoding, "backslashreplace").decode(encoding)
