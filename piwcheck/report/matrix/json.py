# SPDX-License-Identifier: BSD-3-Clause
"""--matrix as JSON: the matrix document (version 1, see README.rst)."""

from typing import Optional

from ...results import PackageResult
from . import labels

#: The matrix document's version: fields may be added; none removed or
#: changed in meaning without a new one.
MATRIX_VERSION = 1


def _cell(p: Optional[PackageResult], names) -> Optional[dict]:
    if p is None:
        return None
    f = p.file
    return {"status": p.status.value, "version": p.version,
            "file": f.filename if f else None,
            "kind": None if f is None else "wheel" if f.is_wheel
            else "sdist",
            "index": names.get(f.index, f.index) if f else None,
            "apt_dependencies": [d.name for d in p.apt_dependencies],
            "reason": p.reason}


def _target(kind: str, report, code: int) -> dict:
    t = report.target
    return {"kind": kind, "abi": t.abi,
            "python_full_version": t.python_full_version,
            "platforms": t.platforms,
            "os": {"id": t.os_id, "codename": t.os_codename},
            "pip_version": t.pip_version, "summary": report.counts(),
            "apt_install": list(report.apt_install),
            "apt_command": report.apt_command, "exit_code": code}


def render_matrix_json(matrix, version: str) -> dict:
    """The matrix document, as a dict."""
    from ..json import JSON_VERSION

    first = matrix.reports[0]
    names = labels(first)
    asked = {p.name for r in matrix.reports for p in r.packages if p.asked}
    return {
        "piwcheck": version, "json_version": JSON_VERSION,
        "matrix_version": MATRIX_VERSION,
        "indexes": [{"name": label, "url": url}
                    for label, url in first.indexes],
        "fail_on": None if matrix.fail_on is None
        else sorted(matrix.fail_on),
        "targets": [_target(kind, r, matrix.target_exit(i)) for i, (
            kind, r) in enumerate(zip(matrix.kinds, matrix.reports))],
        "packages": [{"name": name, "asked": name in asked, "cells": {
            kind: _cell(matrix.cell(name, i), names)
            for i, kind in enumerate(matrix.kinds)}}
            for name in matrix.names()],
        "exit_code": matrix.exit_code}
