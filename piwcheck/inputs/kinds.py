# SPDX-License-Identifier: BSD-3-Clause
"""Which reader reads a ``-r`` path: by its name, ``pyproject.toml`` the
project reader, ``pylock.toml`` and ``pylock.NAME.toml`` the lock reader,
a directory holding a pyproject.toml the project reader (as pip-audit
takes a project directory), anything else the requirements-file reader.
A command-line argument is a project directory only when it says it is a
path (``.``, ``..``, or with a ``/``) and holds a pyproject.toml, so a
requirement is never read as one."""

import os
import re
from typing import Optional, Sequence


PYPROJECT = "pyproject.toml"
#: A lock file's name, as PEP 751 has it (here, so telling the kind of a
#: requirements file imports no TOML or lock reader).
LOCK_NAME_RE = re.compile(r"^pylock\.([^.]+\.)?toml$")


def project_dir(arg: str) -> Optional[str]:
    """The pyproject.toml of a command-line argument that names a project
    directory, else None (it is a requirement)."""
    if arg not in (".", "..") and "/" not in arg and os.sep not in arg:
        return None
    path = os.path.join(arg, PYPROJECT)
    try:
        return path if os.path.isdir(arg) and os.path.isfile(path) else None
    except (OSError, ValueError):
        return None


def kind_of(path: str) -> str:
    """"pyproject", "pylock" or "requirements": how ``path`` is read."""
    if path == "-" or "://" in path:
        return "requirements"
    name = os.path.basename(path.rstrip("/" + os.sep) if os.path.isdir(path)
                            else path)
    if name == PYPROJECT or (os.path.isdir(path) and os.path.isfile(
            os.path.join(path, PYPROJECT))):
        return "pyproject"
    if LOCK_NAME_RE.match(name):
        return "pylock"
    return "requirements"


def read(reader, path: str, extras: Sequence[str] = (),
         groups: Sequence[str] = ()) -> str:
    """Add what ``path`` asks for to ``reader.inputs`` (a
    reqfile.Reader's); its kind."""
    kind = kind_of(path)
    if kind == "requirements":
        reader.read(path)
        return kind
    if os.path.isdir(path):
        path = os.path.join(path, PYPROJECT)
    if kind == "pyproject":
        from .pyproject import read_pyproject
        more = read_pyproject(path, extras, groups)
    else:
        from .pylock import read_pylock
        more = read_pylock(path)
    reader.inputs = reader.inputs.join(more)
    return kind
