# SPDX-License-Identifier: BSD-3-Clause
"""pip's own configuration, read as pip reads it (never by running pip,
which takes seconds on a Pi): the files, ``[global]`` then ``[install]``,
then ``PIP_*`` variables; and the options that change what pip
installs."""

import configparser
import os
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Set, Tuple

from packaging.utils import canonicalize_name

from .errors import InputError
from .facts import DEFAULT_PIWHEELS_URL
from .inputs.files import FileProblem, read_file

PYPI = "https://pypi.org/simple"

#: pip's file for the whole machine (read after XDG_CONFIG_DIRS' ones);
#: tests point it at a file of their own.
SITE_FILE = "/etc/pip.conf"

_TRUE = ("y", "yes", "t", "true", "on", "1")
_FALSE = ("n", "no", "f", "false", "off", "0")


@dataclass(frozen=True)
class PipOptions:
    """The options that decide which files pip takes."""

    index_url: str = PYPI
    extra_index_urls: Tuple[str, ...] = ()
    no_index: bool = False
    pre: bool = False
    only_binary: frozenset = frozenset()
    no_binary: frozenset = frozenset()
    prefer_binary: bool = False
    all_releases: frozenset = frozenset()
    only_final: frozenset = frozenset()
    #: --find-links locations (paths or URLs), in pip's order.
    find_links: Tuple[str, ...] = ()
    #: Where the values came from (files read, variables), for -v.
    sources: Tuple[str, ...] = field(default=(), compare=False)

    @property
    def locations(self) -> List[Tuple[str, str]]:
        """Where pip looks, in its order, as (option, location): the
        find-links locations, then the index URLs."""
        return [("find-links", loc) for loc in dict.fromkeys(
            self.find_links)] + [("index-url", url)
                                 for url in self.index_urls]

    @property
    def index_urls(self) -> List[str]:
        """The indexes pip asks, in its order, without repeats."""
        if self.no_index:
            return []
        return list(dict.fromkeys(u.rstrip("/") for u in
                                  (self.index_url,) + self.extra_index_urls))

    def with_format(self, option: str, value: str) -> "PipOptions":
        """``--only-binary``/``--no-binary`` (and pip 26's
        ``--all-releases``/``--only-final``) applied as pip applies them
        (':all:', ':none:', comma lists; the other set loses the
        names)."""
        if option in ("all-releases", "only-final"):
            first, second = set(self.all_releases), set(self.only_final)
            pair = ("all_releases", "only_final")
            mine = option == "all-releases"
        else:
            first, second = set(self.only_binary), set(self.no_binary)
            pair = ("only_binary", "no_binary")
            mine = option == "only-binary"
        target, other = (first, second) if mine else (second, first)
        _mutual_excludes(value, target, other, option)
        return replace(self, **{pair[0]: frozenset(first),
                                pair[1]: frozenset(second)})


def _mutual_excludes(value: str, target: Set[str], other: Set[str],
                     option: str) -> None:
    if value.startswith("-"):
        raise InputError("--{} needs an argument".format(option))
    new = value.split(",")
    while ":all:" in new:
        other.clear()
        target.clear()
        target.add(":all:")
        del new[:new.index(":all:") + 1]
        if ":none:" not in new:
            return
    for name in new:
        if name == ":none:":
            target.clear()
            continue
        name = canonicalize_name(name)
        other.discard(name)
        target.add(name)


def _bool(value: str, key: str, where: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise InputError("{}: {} = {!r} is not a valid value (pip takes "
                     "yes/no, true/false, 1/0)".format(where, key, value))


def config_files(env: Mapping[str, str], isolated: bool,
                 prefix: Optional[str]) -> List[str]:
    """The files pip reads, lowest priority first; [] when
    PIP_CONFIG_FILE is os.devnull."""
    env_file = env.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    dirs = (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [os.path.join(d, "pip", "pip.conf") for d in dirs if d]
    files.append(SITE_FILE)
    if not isolated and not (env_file and os.path.exists(env_file)):
        home = env.get("HOME") or os.path.expanduser("~")
        files.append(os.path.join(home, ".pip", "pip.conf"))
        config_home = env.get("XDG_CONFIG_HOME") or os.path.join(
            home, ".config")
        files.append(os.path.join(config_home, "pip", "pip.conf"))
    if prefix:
        files.append(os.path.join(prefix, "pip.conf"))
    if env_file:
        files.append(env_file)
    return files


def _norm(key: str) -> str:
    return key.lower().replace("_", "-").lstrip("-")


@dataclass(frozen=True)
class Config:
    """pip's configuration as read once: each setting as (key, value,
    where it came from), in pip's order, and the sources read; both
    :meth:`options` and :meth:`network` come from this one reading."""

    items: Tuple[Tuple[str, str, str], ...] = ()
    sources: Tuple[str, ...] = ()

    def options(self) -> PipOptions:
        """The options that decide which files pip takes."""
        options = PipOptions(sources=self.sources)
        for key, value, where in self.items:
            options = _apply(options, key, value, where)
        return options

    def network(self):
        """pip's network settings (a net.options.NetOptions)."""
        from .net.options import NetOptions

        options = NetOptions()
        for key, value, where in self.items:
            options = options.set(key, value, where)
        return options


def load(env: Optional[Mapping[str, str]] = None, isolated: bool = False,
         prefix: Optional[str] = None) -> Config:
    """pip's files (``prefix``: the target interpreter's sys.prefix, for
    a venv's pip.conf) and, unless ``isolated``, its ``PIP_*``
    variables, read and parsed once."""
    items, sources = _items(os.environ if env is None else env, isolated,
                            prefix)
    return Config(tuple(items), sources)


def _items(env: Mapping[str, str], isolated: bool, prefix: Optional[str]
           ) -> Tuple[List[Tuple[str, str, str]], Tuple[str, ...]]:
    """(key, value, where it came from) of each setting, in pip's order
    (the files' [global], their [install], the variables), and the
    sources read."""
    merged: Dict[Tuple[str, str], Tuple[str, str]] = {}
    sources = []
    for path in config_files(env, isolated, prefix):
        parser = configparser.RawConfigParser()
        try:
            # only a regular file, and not an endless one (/dev/zero)
            parser.read_string(read_file(path).decode("utf-8"), path)
        except FileNotFoundError:
            continue
        except FileProblem as exc:
            raise InputError("pip configuration {}: {}".format(path, exc))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError("pip configuration {}: cannot read it: "
                             "{}".format(path, getattr(exc, "strerror", None)
                                         or exc))
        except configparser.Error as exc:
            raise InputError("pip configuration {}: {}".format(
                path, str(exc).splitlines()[0]))
        sources.append(path)
        for section in parser.sections():
            for key, value in parser.items(section):
                merged[(section, _norm(key))] = (value, path)
    items: List[Tuple[str, str, str]] = []
    for wanted in ("global", "install"):
        items.extend((k, v, where) for (section, k), (v, where)
                     in merged.items() if section == wanted)
    if not isolated:
        for name, value in sorted(env.items()):
            if name.startswith("PIP_") and name != "PIP_CONFIG_FILE":
                items.append((_norm(name[4:]), value, "$" + name))
                sources.append("$" + name)
    return items, tuple(dict.fromkeys(sources))


def _apply(options: PipOptions, key: str, value: str,
           where: str) -> PipOptions:
    if key in ("find-links", "f"):  # pip splits a list on white space
        return replace(options, find_links=tuple(value.split()))
    if key in ("index-url", "i"):
        return replace(options, index_url=value.strip())
    if key == "extra-index-url":
        return replace(options, extra_index_urls=tuple(value.split()))
    if key in ("no-index", "pre", "prefer-binary"):
        return replace(options, **{key.replace("-", "_"):
                                   _bool(value, key, where)})
    if key in ("only-binary", "no-binary", "all-releases", "only-final"):
        for part in value.split():
            options = options.with_format(key, part)
        return options
    return options


def raspberry_pi_os(piwheels_site: str = DEFAULT_PIWHEELS_URL
                    ) -> PipOptions:
    """What pip uses on Raspberry Pi OS: PyPI, and piwheels as the extra
    index (its /etc/pip.conf)."""
    return PipOptions(extra_index_urls=(piwheels_site.rstrip("/") +
                                        "/simple",),
                      sources=("Raspberry Pi OS's /etc/pip.conf",))
