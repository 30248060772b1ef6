# SPDX-License-Identifier: BSD-3-Clause
"""The apt stage: dpkg and apt state of the packages the chosen wheels
need, and the install command."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .facts import DPKG_ARCHES, builder_codename, builder_release
from .model import File
from .results import AptDependency

# Debian policy 5.6.7: lowercase letters, digits, '+', '-', '.'; at least
# two characters; starting alphanumeric.
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9+.-]+")

#: dpkg states in which a package's files are on the system.
_INSTALLED_STATES = "iWt"

#: The longest name shown in a warning.
_SHOWN = 80


def why_invalid(name) -> Optional[str]:
    """Why apt would not read ``name`` as exactly one package to install
    (None: it would).  apt-get (apt-pkg's cacheset.cc) takes an argument
    as a package's exact name first; only when no package has that name
    does it read one holding any of ``.?*[]!`` as a glob and one holding
    any of ``.?+*|[^$`` as a regex (apt(8) since 1.9.6 only one with a
    leading '^' or a trailing '$').  Of these, only '.' and '+' are in
    Debian's names (libglib2.0-0, python3.11, libstdc++6), so a name
    holding them is accepted only where an exact package can have it:
    '.' between two letters or digits, '+' after a letter, a digit or
    another '+' and never before a '.'; and neither last.  Also refused:
    a trailing '-' (remove), '=version' and '/release', an ':arch' that
    is not a dpkg architecture ('any', 'all', 'linux-*' select others),
    and everything outside Debian's name rules ('?' and '~' patterns,
    globs, regexes, options, shell words).  On this machine apt is asked
    too, and a name it does not have never reaches the command (see
    stage), so apt-get never reads one as a pattern."""
    if not isinstance(name, str) or not name:
        return "not a Debian package name"
    pkg, colon, arch = name.partition(":")
    for mark, what in (("=", "a version"), ("/", "a release")):
        if mark in pkg:
            return "apt would read its '{}' as {} to pick".format(mark, what)
    if not _NAME_RE.fullmatch(pkg):
        return "not a Debian package name"
    if pkg[-1] == "-":
        return "apt would read its trailing '-' as remove"
    if pkg[-1] == "+":
        return "apt would read its trailing '+' as a modifier, not a " \
            "part of the name"
    why = _pattern_mark(pkg)
    if why:
        return why
    if colon and arch not in DPKG_ARCHES:
        return "its architecture {} is not one of dpkg's".format(shown(arch))
    return None


def _pattern_mark(pkg: str) -> Optional[str]:
    """Why a '.' or '+' in ``pkg`` cannot be in an exact package's name,
    so apt-get would read it as a glob or regex; None when each can."""
    for i, c in enumerate(pkg):
        before, after = pkg[i - 1:i], pkg[i + 1:i + 2]
        if c == "." and not (before.isalnum() and after.isalnum()):
            return "its '.' is not between letters or digits: no " \
                "package has such a name, so apt-get would read it as a " \
                "regex"
        if c == "+" and (not (before.isalnum() or before == "+")
                         or after == "."):
            return "its '+' does not follow a letter or digit as in " \
                "Debian's names: apt-get would read it as a regex"
    return None


def valid_name(name) -> bool:
    """Whether apt reads ``name`` as exactly one package to install: a
    Debian package name (optionally ``:arch``) and nothing apt reads as
    more (see why_invalid)."""
    return why_invalid(name) is None


def shown(name) -> str:
    """``name`` for a warning: quoted and escaped as repr does (no
    control or other unprintable character reaches the terminal), and
    cut short."""
    text = str(name)
    if len(text) > _SHOWN:
        return repr(text[:_SHOWN])[:-1] + "...'"
    return repr(text)


def invalid_warning(name) -> str:
    """The warning for an apt name from piwheels' list that never
    reaches the command."""
    return "piwheels lists an invalid apt package name {} ({}); " \
        "ignored".format(shown(name), why_invalid(name))


def _split(name: str):
    pkg, _, arch = name.partition(":")
    return pkg, arch or None


def installed(names: Sequence[str],
              native_arch: Optional[str]) -> Optional[Dict[str, bool]]:
    """Which of ``names`` dpkg has installed, in one ``dpkg-query`` call
    (which honours DPKG_ADMINDIR); None when there is no dpkg."""
    if not shutil.which("dpkg-query"):
        return None
    names = [n for n in names if valid_name(n)]
    result = {n: False for n in names}
    if not names:
        return result
    bare = sorted({_split(n)[0] for n in names})
    try:
        proc = subprocess.run(
            ["dpkg-query", "-W",
             "-f=${Package}\\t${Architecture}\\t${db:Status-Abbrev}\\n",
             "--"] + bare,
            capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode not in (0, 1):  # 1: some names are not known
        return None
    present = set()
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and len(parts[2]) >= 2 \
                and parts[2][1] in _INSTALLED_STATES:
            present.add((parts[0], parts[1]))
    for name in names:
        pkg, arch = _split(name)
        wanted = {arch or native_arch, "all"} if (arch or native_arch) \
            else None
        result[name] = any(
            p == pkg and (wanted is None or a in wanted) for p, a in present)
    return result


def known(names: Sequence[str],
          native_arch: Optional[str]) -> Optional[Dict[str, bool]]:
    """Which of ``names`` apt could install or has installed (one
    ``apt-cache policy`` call); None when there is no apt."""
    if not shutil.which("apt-cache"):
        return None
    names = [n for n in names if valid_name(n)]
    result = {n: False for n in names}
    if not names:
        return result
    try:
        proc = subprocess.run(
            ["apt-cache", "policy", "--"] + list(names),
            capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    entries: Dict[str, Dict[str, str]] = {}
    current = None
    for line in proc.stdout.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            current = entries.setdefault(line[:-1], {})
        elif current is not None and ":" in line:
            key, _, value = line.strip().partition(":")
            current.setdefault(key, value.strip())
    for name in names:
        pkg, arch = _split(name)
        keys = [name] + ([pkg] if arch is None or arch == native_arch else [])
        for key in keys:
            entry = entries.get(key)
            if entry is not None:
                result[name] = (entry.get("Candidate", "(none)") != "(none)"
                                or entry.get("Installed", "(none)")
                                != "(none)")
                break
    return result


_SONAME_RE = re.compile(r"^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$")


def contents(sonames: Sequence[str], dpkg_arch: Optional[str],
             dirs: Sequence[str]) -> Optional[Dict[str, List[str]]]:
    """soname -> the packages apt-file's Contents lists say ship it in
    one of ``dirs`` (one ``apt-file search`` for all); None when
    apt-file is not installed or has no Contents lists."""
    import tempfile

    if not shutil.which("apt-file"):
        return None
    sonames = [s for s in sonames if _SONAME_RE.match(s)]
    found: Dict[str, List[str]] = {s: [] for s in sonames}
    if not sonames:
        return found
    with tempfile.NamedTemporaryFile("w", suffix=".patterns") as f:
        f.write("".join("/{}$\n".format(re.escape(s)) for s in sonames))
        f.flush()
        cmd = ["apt-file", "search", "-x", "-f", f.name]
        if dpkg_arch and valid_name(dpkg_arch):
            cmd[1:1] = ["-a", dpkg_arch]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=300)
        except (OSError, subprocess.SubprocessError):
            return None
    if proc.returncode not in (0, 1):  # 1: nothing found
        return None
    wanted = {d.rstrip("/") for d in dirs}
    for line in proc.stdout.splitlines():
        package, _, path = line.partition(": ")
        folder, _, soname = path.strip().rpartition("/")
        if soname in found and folder in wanted and valid_name(package) \
                and package not in found[soname]:
            found[soname].append(package)
    return found


def install_command(names: Iterable[str]) -> Optional[str]:
    """The one ``sudo apt install`` line for ``names``; None for none.
    Only valid Debian names are ever put into it."""
    names = list(dict.fromkeys(n for n in names if valid_name(n)))
    if not names:
        return None
    return "sudo apt install " + " ".join(names)


@dataclass(frozen=True)
class Stage:
    """What dpkg and apt said about every name the chosen files need;
    None where not checked (another target, or no dpkg/apt here)."""

    installed: Optional[Dict[str, bool]]
    known: Optional[Dict[str, bool]]
    target_abi: str
    install: Tuple[str, ...]
    command: Optional[str]
    #: The target is this machine (apt here can tell what it ships).
    local: bool = True

    def for_file(self, f: File) -> Tuple[Tuple[AptDependency, ...],
                                         List[str], Optional[str]]:
        """(apt dependencies, warnings, why they are not known) of a
        chosen wheel."""
        if f.apt_dependencies is None:
            if all(t.platform == "any" for t in f.tags):
                return (), [], None  # pure Python: it needs none
            return (), [], _unknown(f)
        deps = []
        warnings = []
        foreign = None
        if not self.local and f.builder_abi and \
                builder_codename(f.builder_abi) != \
                builder_codename(self.target_abi):
            foreign = builder_release(f.builder_abi)
        for name in f.apt_dependencies:
            if not valid_name(name):
                warnings.append(invalid_warning(name))
                continue
            is_installed = self.installed.get(name) \
                if self.installed is not None else None
            is_known = True if is_installed else (
                self.known.get(name) if self.known is not None else None)
            deps.append(AptDependency(name, is_installed, is_known,
                                      foreign))
            if is_known is False:
                warnings.append("apt here does not know {}: {}".format(
                    name, "are its package lists up to date (sudo apt "
                    "update)?" if f.builder_abi == self.target_abi else
                    "the wheel's apt names come from " +
                    builder_release(f.builder_abi or "")))
        if foreign and deps:
            warnings.append(
                "so {} {} left out of the apt command: {} may not ship "
                "{} (then import fails), which only apt on the Pi can "
                "tell".format(", ".join(d.name for d in deps),
                              "is" if len(deps) == 1 else "are",
                              builder_release(self.target_abi),
                              "it" if len(deps) == 1 else "them"))
        return tuple(deps), warnings, None


def _unknown(f: File) -> str:
    if any(t.platform.startswith(("manylinux", "musllinux"))
           for t in f.tags):
        return "not known: a manylinux wheel bundles the libraries it " \
               "needs beyond the base system"
    return "not known: only piwheels lists a wheel's apt packages"


def stage(files: Sequence[Optional[File]], target) -> Stage:
    """Ask dpkg (and apt, for what is not installed) once about every
    apt package the chosen ``files`` need."""
    names = list(dict.fromkeys(
        n for f in files if f is not None and f.is_wheel
        for n in f.apt_dependencies or () if valid_name(n)))
    inst = kn = None
    if target.local and names:
        inst = installed(names, target.dpkg_arch)
        if inst is not None:
            missing = [n for n in names if not inst[n]]
            kn = known(missing, target.dpkg_arch) if missing else {}
    draft = Stage(inst, kn, target.abi, (), None, target.local)
    to_install = []
    for f in files:
        if f is not None and f.is_wheel:
            deps = draft.for_file(f)[0]
            to_install.extend(d.name for d in deps
                              if d.installed is not True
                              and d.known_to_apt is not False
                              and d.from_release is None)
    to_install = list(dict.fromkeys(to_install))
    return Stage(inst, kn, target.abi, tuple(to_install),
                 install_command(to_install), target.local)
