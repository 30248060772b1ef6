# SPDX-License-Identifier: BSD-3-Clause
"""Where the dynamic loader would find a soname: DT_RPATH,
LD_LIBRARY_PATH, DT_RUNPATH, the ld.so cache and the default
directories, as ld.so looks."""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ..facts import LDCONFIG_CACHE_ABI, MULTIARCH_TRIPLETS
from .elf import ElfInfo


def abi_key(info: ElfInfo) -> Tuple[str, int, Optional[str]]:
    return (info.machine, info.bits,
            info.float_abi if info.machine == "arm" else None)


@dataclass(frozen=True)
class Found:
    """Where a soname was found, and by which rule."""

    path: str
    how: str


def ldconfig_cache() -> Dict[Tuple[str, str], str]:
    """(soname, ABI flags) -> path, from one ``ldconfig -p``."""
    tool = shutil.which("ldconfig") or (
        "/sbin/ldconfig" if os.path.exists("/sbin/ldconfig") else None)
    if tool is None:
        return {}
    try:
        out = subprocess.run([tool, "-p"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    cache: Dict[Tuple[str, str], str] = {}
    for line in out.splitlines():
        match = re.match(r"^\s+(\S+) \(([^)]*)\)(?: OS ABI: [^=]*)? => (\S+)$",
                         line)
        if match:
            flags = match.group(2).split(",")
            abi = flags[1] if len(flags) > 1 else ""
            cache.setdefault((match.group(1), abi), match.group(3))
    return cache


class Loader:
    """Finds sonames as ld.so would: DT_RPATH (without DT_RUNPATH),
    LD_LIBRARY_PATH, DT_RUNPATH, the ld.so cache, the default
    directories for the object's class and architecture."""

    def __init__(self, ld_library_path: str = "",
                 cache: Optional[Dict[Tuple[str, str], str]] = None,
                 exists: Callable[[str], bool] = os.path.isfile):
        self.ld_library_path = [p for p in ld_library_path.split(":") if p]
        self._cache = cache
        self.exists = exists

    @property
    def cache(self) -> Dict[Tuple[str, str], str]:
        if self._cache is None:
            self._cache = ldconfig_cache()
        return self._cache

    def find(self, soname: str, info: ElfInfo,
             origin: str) -> Optional[Found]:
        """Where ``soname``, needed by ``info`` (a file in folder
        ``origin``), would be loaded from; None when nowhere."""
        if "/" in soname:
            path = os.path.join(origin, soname)
            return Found(path, "path") if self.exists(path) else None
        steps: List[Tuple[str, Iterable[str]]] = []
        if info.rpath and not info.runpath:
            steps.append(("DT_RPATH", info.rpath))
        steps.append(("LD_LIBRARY_PATH", self.ld_library_path))
        steps.append(("DT_RUNPATH", info.runpath))
        for how, dirs in steps:
            for d in dirs:
                d = _origin(d, origin)
                path = os.path.normpath(os.path.join(d, soname))
                if self.exists(path):
                    return Found(path, how)
        key = abi_key(info)
        cached = self.cache.get((soname, LDCONFIG_CACHE_ABI.get(key, "")))
        if cached and self.exists(cached):
            return Found(cached, "ld.so.cache")
        for d in default_dirs(info):
            path = os.path.join(d, soname)
            if self.exists(path):
                return Found(path, "default directories")
        return None


def _origin(d: str, origin: str) -> str:
    return d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)


def default_dirs(info: ElfInfo) -> List[str]:
    """ld.so's trusted directories for the object's class, Debian's
    multiarch ones first."""
    return abi_dirs(abi_key(info))


def abi_dirs(key: Tuple[str, int, Optional[str]]) -> List[str]:
    """The trusted directories of an ABI (machine, bits, float ABI)."""
    triplet = MULTIARCH_TRIPLETS.get(key)
    dirs = []
    if triplet:
        dirs += ["/lib/" + triplet, "/usr/lib/" + triplet]
    if key[1] == 64:
        dirs += ["/lib64", "/usr/lib64"]
    return dirs + ["/lib", "/usr/lib"]
