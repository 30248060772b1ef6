# SPDX-License-Identifier: BSD-3-Clause
"""The --json format: one JSON document (version 1, see README.rst) for
each kind of report."""

import json
from typing import Dict, List, Optional, Sequence

from ..model import File as WheelFile
from ..results import Downloads, InstalledReport, PackageResult, Report
from .format import Format, Options

JSON_VERSION = 1


def _dump(doc: dict) -> str:
    return json.dumps(doc, indent=2) + "\n"


def _file_json(f: Optional[WheelFile]):
    if f is None:
        return None
    return {"filename": f.filename, "url": f.url, "sha256": f.sha256,
            "size": f.size, "index": f.index,
            "kind": "wheel" if f.is_wheel else "sdist",
            "builder_abi": f.builder_abi,
            "file_abi_tag": f.file_abi_tag, "platform": f.platform,
            "requires_python": f.requires_python}


def _downloads_json(d: Optional[Downloads]):
    return None if d is None else {"last_30_days": d.last_30_days,
                                   "all_time": d.all_time}


def _package_json(pkg: PackageResult) -> dict:
    return {
        "requirement": pkg.requirement,
        "name": pkg.name,
        "status": pkg.status.value,
        "version": pkg.version,
        "file": _file_json(pkg.file),
        "apt_dependencies": [
            {"name": d.name, "installed": d.installed,
             "known_to_apt": d.known_to_apt,
             "from_release": d.from_release}
            for d in pkg.apt_dependencies],
        "apt_known": pkg.apt_note is None,
        "apt_note": pkg.apt_note,
        "pip_dependencies": (None if pkg.pip_dependencies is None
                             else list(pkg.pip_dependencies)),
        "warnings": list(pkg.warnings),
        "reason": pkg.reason,
        "source": list(pkg.source),
        "required_by": list(pkg.required_by),
        "required_by_detail": [
            {"name": parent, "version": version or None,
             "requirement": req}
            for parent, version, req in pkg.required_by_detail],
        "fallback": None if not pkg.fallback_version else {
            "version": pkg.fallback_version,
            "file": _file_json(pkg.fallback_file)},
        "deep": None if pkg.deep is None else _files_json(pkg.deep),
        "downloads": _downloads_json(pkg.downloads),
        "suggestions": [{"name": d.name, "downloads": _downloads_json(d)}
                        for d in pkg.suggestions],
    }


def _files_json(d) -> dict:
    """What a distribution's (or wheel's) compiled files need."""
    return {
        "status": d.status.value, "modules": d.modules,
        "libraries": [{
            "soname": lib.soname, "needed_by": list(lib.needed_by),
            "path": lib.path, "found_by": lib.how,
            "checked": not lib.unchecked,
            "package": lib.package, "package_guessed": lib.guessed,
            "package_from": lib.named_by,
            "known_to_apt": lib.known_to_apt}
            for lib in d.libraries],
        "cannot_run": [{"file": f, "why": why} for f, why in d.wrong],
        "errors": list(d.errors),
        "requires_dist": None if d.requires is None else list(d.requires),
        "piwheels_file": d.piwheels_file}


def render_json(report: Report, version: str) -> str:
    """The JSON document of a check."""
    t = report.target
    return _dump({
        "piwcheck": version,
        "json_version": JSON_VERSION,
        "index_url": report.indexes[0][1] if report.indexes else None,
        "indexes": [{"name": label, "url": url}
                    for label, url in report.indexes],
        "target": {
            "abi": t.abi,
            "python_version": t.python_version,
            "python_full_version": t.python_full_version,
            "platforms": t.platforms,
            "os": {"id": t.os_id, "codename": t.os_codename}
            if t.os_id else None,
            "dpkg_arch": t.dpkg_arch,
            "local": t.local,
            "notes": list(report.notes) + list(report.late_notes),
            "pip_version": t.pip_version,
            "assumed": list(t.assumed),
        },
        "packages": [_package_json(p) for p in report.packages],
        "summary": report.counts(),
        "apt_install": list(report.apt_install),
        "apt_command": report.apt_command,
        "exit_code": report.exit_code,
    })


def render_installed_json(report: InstalledReport, version: str) -> str:
    """The JSON document of --installed or of wheel files."""
    return _dump({
        "piwcheck": version, "json_version": JSON_VERSION,
        "checked": report.what, "machine": report.machine,
        "distributions": [dict(
            {"name": d.name, "version": d.version, "location": d.location},
            **_files_json(d)) for d in report.distributions],
        "apt_install": list(report.apt_install),
        "apt_command": report.apt_command,
        "exit_code": report.exit_code,
    })


def render_stats_json(names: Sequence[str], found: Dict[str, Downloads],
                      suggestions: Dict[str, List[Downloads]],
                      version: str) -> str:
    """The JSON document of --stats."""
    return _dump({
        "piwcheck": version, "json_version": JSON_VERSION,
        "projects": [{
            "name": n, "downloads": _downloads_json(found.get(n)),
            "suggestions": [{"name": d.name,
                             "downloads": _downloads_json(d)}
                            for d in suggestions.get(n, ())]}
            for n in names]})


class JsonFormat(Format):
    """--json: a document for every kind of report."""

    progress = False
    downloads = True

    def check(self, report: Report, opts: Options) -> str:
        return render_json(report, opts.version())

    def matrix(self, matrix, opts: Options) -> str:
        from .matrix.json import render_matrix_json
        return _dump(render_matrix_json(matrix, opts.version()))

    def installed(self, report: InstalledReport, opts: Options) -> str:
        return render_installed_json(report, opts.version())

    def stats(self, names, found, suggestions, opts: Options) -> str:
        return render_stats_json(names, found, suggestions,
                                 opts.version())


FORMAT = JsonFormat()
