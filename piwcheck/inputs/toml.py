# SPDX-License-Identifier: BSD-3-Clause
"""A TOML input file (pyproject.toml, pylock.toml) read safely: a regular
file of at most 10 MB, UTF-8, parsed by the standard library's
``tomllib`` (Python 3.11 and newer) or by ``tomli`` (which it was copied
from; Debian's python3-tomli) before; every fault one InputError naming
the file and, where it lies in a table, the key."""

from typing import Any, Dict, List, Optional

from ..errors import InputError
from .files import FileProblem, read_file


def _parser():
    """(loads, its error class); imported only when a TOML file is read."""
    try:
        import tomllib as parser
    except ImportError:
        try:
            import tomli as parser
        except ImportError:
            raise InputError("reading TOML needs Python 3.11 or newer, or "
                             "tomli (apt install python3-tomli)")
    return parser.loads, parser.TOMLDecodeError


def load(path: str) -> Dict[str, Any]:
    """The document in the TOML file at ``path``; InputError (one line)
    when it cannot be read or is not TOML."""
    loads, decode_error = _parser()
    try:
        data = read_file(path)
    except IsADirectoryError:
        raise InputError("{}: is a directory".format(path))
    except FileProblem as exc:
        raise InputError("{}: {}".format(path, exc))
    except (OSError, ValueError) as exc:
        raise InputError("{}: cannot read it: {}".format(
            path, getattr(exc, "strerror", None) or exc))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("{}:{}: not UTF-8 text (byte {:#04x}); TOML is "
                         "UTF-8".format(path, data[:exc.start].count(b"\n")
                                        + 1, data[exc.start]))
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return loads(text)
    except decode_error as exc:
        raise InputError("{}: not valid TOML: {}".format(
            path, _first_line(exc)))
    except RecursionError:
        raise InputError("{}: not valid TOML: nested too deeply".format(
            path))
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError("{}: not valid TOML: {}".format(
            path, _first_line(exc)))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_KINDS = {str: "a string", list: "an array", dict: "a table",
          bool: "a boolean", int: "an integer"}


def _kind(value: Any) -> str:
    return next((name for kind, name in _KINDS.items()
                 if isinstance(value, kind)), type(value).__name__)


def get(table: Dict[str, Any], key: str, kind: type, where: str,
        default: Any = None) -> Any:
    """``table[key]`` when it is a ``kind`` (``default`` when absent);
    InputError "where.key: is X, not Y" when it is something else."""
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, kind) or (kind is int and
                                       isinstance(value, bool)):
        raise InputError("{}: is {}, not {}".format(
            join(where, key), _kind(value), _KINDS.get(kind, kind.__name__)))
    return value


def strings(table: Dict[str, Any], key: str, where: str) -> List[str]:
    """``table[key]`` as a list of strings (empty when absent)."""
    values = get(table, key, list, where, [])
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise InputError("{}[{}]: is {}, not a string".format(
                join(where, key), i, _kind(value)))
    return values


def join(where: str, key: str) -> str:
    """``where`` (``file: table``) and ``key``, as a dotted path; a key
    that is no bare TOML key is quoted."""
    import re

    shown = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else repr(key)
    return "{}.{}".format(where, shown) if not where.endswith(": ") \
        else where + shown


def optional_str(table: Dict[str, Any], key: str,
                 where: str) -> Optional[str]:
    return get(table, key, str, where)
