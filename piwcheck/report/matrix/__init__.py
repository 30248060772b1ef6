# SPDX-License-Identifier: BSD-3-Clause
"""What the --matrix formats share: each cell's words, each target's
line, and the reasons behind the cells that need action."""

from typing import Dict, List, Optional, Tuple

from ...results import PackageResult, Status

#: A cell's words for the statuses without a wheel to name.
WORDS = {Status.NO_MATCH: "no match", Status.NOT_FOUND: "not found",
         Status.CONFLICT: "conflict", Status.SKIPPED: "skipped (marker)",
         Status.UNSUPPORTED: "unsupported", Status.ERROR: "error"}

#: What a wheel's cell adds for a status that needs action.
AFTER_WHEEL = {Status.MISSING_APT: "apt missing",
               Status.MISSING_LIB: "libraries missing",
               Status.WRONG_ARCH: "cannot run"}

#: The cell of a project a target does not install at all.
ABSENT = "-"


def labels(report) -> Dict[str, str]:
    """Index URL -> the report's name for it."""
    return {url: label for label, url in report.indexes}


def cell_text(p: Optional[PackageResult], names: Dict[str, str]) -> str:
    """'2.1.3 wheel (piwheels)', '11.0.0 source build', 'no match' ...
    (not cleaned); ABSENT for None."""
    if p is None:
        return ABSENT
    f = p.file
    if f is not None and f.is_wheel and p.status not in WORDS:
        more = AFTER_WHEEL.get(p.status)
        return "{} wheel ({}){}".format(p.version, names.get(f.index, f.index),
                                        ", " + more if more else "")
    if p.status is Status.NO_WHEEL:
        return (p.version + " " if p.version else "") + "source build"
    return WORDS.get(p.status, p.status.value)


def describe(target) -> str:
    """'cp311 (Python 3.11.2) on linux_armv7l, Debian bookworm'."""
    plain = [x for x in target.platforms if x.startswith("linux_")] or \
        target.platforms
    text = "{} (Python {}) on {}".format(target.abi,
                                         target.python_full_version,
                                         plain[0] if plain else "?")
    if target.os_codename:
        text += ", Debian " + target.os_codename
    return text


def reasons(matrix) -> List[Tuple[str, List[str], str]]:
    """(name, the kinds, reason) of each cell that needs action or
    failed, the same reason of a project once with all its kinds; in
    the table's row order (not cleaned)."""
    found: Dict[Tuple[str, str], List[str]] = {}
    for name in matrix.names():
        for i, kind in enumerate(matrix.kinds):
            p = matrix.cell(name, i)
            if p is not None and p.reason and p.status not in (
                    Status.OK, Status.SKIPPED):
                found.setdefault((name, p.reason), []).append(kind)
    return [(name, kinds, why) for (name, why), kinds in found.items()]
