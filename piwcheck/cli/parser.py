# SPDX-License-Identifier: BSD-3-Clause
"""The argument parser, built from one small ``_add_*`` function per
group of options (also the source of the man page and the bash
completion: debian/gendocs.py).  Parsing only: which options combine is
settings.py's business."""

import argparse
import os

from .. import DEFAULT_RETRIES, DEFAULT_TIMEOUT, MAX_RETRIES
from ..facts import DEFAULT_PIWHEELS_URL
from .helptext import DESCRIPTION, EPILOG


def version() -> str:
    """piwcheck's version (``piwcheck.__version__``: no package metadata
    to read at start-up)."""
    from .. import __version__

    return __version__


def _checked(name: str):
    """An argparse type from net.options' check ``name`` (ValueError
    saying why a value is not one), imported only when an option is
    given: --help needs none of the network code."""
    def convert(text: str):
        from ..net import options

        try:
            return getattr(options, name)(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError("{!r}: {}".format(text, exc))
    convert.__name__ = name
    return convert


def _pip_version(text: str) -> str:
    """--pip-version: a release number, as pip's own, e.g. 23.0.1."""
    import re

    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,4}){0,3}", text):
        raise argparse.ArgumentTypeError(
            "{!r}: give pip's version as numbers, e.g. 23.0.1".format(text))
    return text


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0,
                         help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print("piwcheck " + version())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also the source of the man page).  The
    order of the calls is --help's order."""
    parser = argparse.ArgumentParser(
        prog="piwcheck", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_what(parser)
    _add_target(parser)
    _add_indexes(parser)
    _add_links(parser)
    _add_network(parser)
    _add_cache(parser)
    _add_output(parser)
    _add_maintainers(parser)
    parser.add_argument("-V", "--version", action=_VersionAction)
    return parser


def _add_what(parser) -> None:
    """What to check: requirements, files, how far, or what is
    installed."""
    parser.add_argument(
        "requirements", nargs="*", metavar="REQUIREMENT",
        help="a requirement as pip takes it, e.g. numpy or 'pillow>=10'")
    parser.add_argument(
        "-r", "--requirement", metavar="FILE", action="append", default=[],
        dest="files",
        help="check the requirements in FILE (pip's format; - reads "
             "stdin), a pyproject.toml, a pylock.toml, or a project "
             "directory; repeatable")
    parser.add_argument(
        "-c", "--constraint", metavar="FILE", action="append", default=[],
        dest="constraint_files",
        help="narrow versions with the constraints in FILE; repeatable")
    _add_project(parser)
    parser.add_argument(
        "--no-deps", action="store_true",
        help="do not follow the dependencies pip would install")
    parser.add_argument(
        "--deep", action="store_true",
        help="download each wheel pip would install (checked against the "
             "index's sha256, kept in the cache) and read its compiled "
             "files: the libraries they need, and the apt packages that "
             "provide them, for wheels piwheels has no apt list for; "
             "one that cannot be downloaded or read is a warning, exit 3")
    parser.add_argument(
        "--installed", action="store_true",
        help="check what is installed instead (for this python3, or "
             "--python's): the libraries its compiled files need, which "
             "are missing, and whether they can run on this machine; "
             "project names given check only those (one not installed: "
             "exit 1); wheel files given as REQUIREMENT (with or without "
             "--installed) are checked the same way")


def _add_project(parser) -> None:
    """What of a pyproject.toml to check besides its dependencies."""
    parser.add_argument(
        "--extra", metavar="NAME", action="append", default=[],
        dest="extras", help="with a pyproject.toml: check the extra NAME's "
        "optional-dependencies too; repeatable")
    parser.add_argument(
        "--group", metavar="NAME", action="append", default=[],
        dest="groups", help="with a pyproject.toml: check its dependency "
        "group NAME (PEP 735) too; repeatable")


def _add_target(parser) -> None:
    """The Python and machine to check for."""
    target = parser.add_argument_group(
        "target", "default: this machine and the running python3")
    target.add_argument(
        "--abi", metavar="ABI",
        help="check for another Python ABI, e.g. cp311 (Bookworm) or cp39")
    target.add_argument(
        "--platform", metavar="PLATFORM", action="append", default=[],
        help="check for another platform, e.g. linux_armv7l or "
             "linux_armv6l (Pi Zero/1); repeatable, in pip's order")
    target.add_argument(
        "--python-version", metavar="X.Y[.Z]",
        help="check for another Python version, as pip's option")
    target.add_argument(
        "--pi", metavar="RELEASE-KIND",
        help="check for a Raspberry Pi: bookworm-32, bookworm-64, "
             "trixie-armv6 ... (its ABI, Python and platforms)")
    target.add_argument(
        "--pip-version", metavar="X", type=_pip_version,
        help="rank tags as this pip version would (default: the target's "
             "pip, else its release's)")
    target.add_argument(
        "--python", metavar="PATH",
        help="check for another interpreter on this machine, e.g. a "
             "venv's bin/python")


def _add_indexes(parser) -> None:
    """The indexes and pip's options that choose among their files."""
    index = parser.add_argument_group(
        "indexes", "default: those the target's pip uses (its pip.conf and "
        "PIP_* variables); for a described target, Raspberry Pi OS's: "
        "PyPI and piwheels")
    index.add_argument(
        "-i", "--index-url", metavar="URL",
        help="the base index, as pip's option")
    index.add_argument(
        "--extra-index-url", metavar="URL", action="append", default=[],
        help="another index, as pip's option; repeatable")
    index.add_argument(
        "--isolated", action="store_true",
        help="ignore pip's user configuration and PIP_* variables, as "
             "pip; for a described target, any configuration (PyPI only, "
             "or the indexes given)")
    index.add_argument(
        "--piwheels-url", metavar="URL",
        default=os.environ.get("PIWCHECK_PIWHEELS_URL")
        or DEFAULT_PIWHEELS_URL,
        help="the piwheels site (default: %(default)s): an index at its "
             "/simple is read through its JSON API, with apt data")
    index.add_argument(
        "--pre", action="store_true",
        help="consider pre-releases, as pip install --pre")
    index.add_argument(
        "--only-binary", metavar="NAMES", action="append", default=[],
        help="wheels only for these names (:all:, :none:), as pip")
    index.add_argument(
        "--no-binary", metavar="NAMES", action="append", default=[],
        help="sdists only for these names (:all:, :none:), as pip")
    index.add_argument(
        "--prefer-binary", action="store_true",
        help="prefer an older wheel to a newer sdist, as pip")


def _add_links(parser) -> None:
    """Files beside the indexes, or instead of them, as pip's
    options."""
    links = parser.add_argument_group(
        "find-links", "local folders and pages of links pip also reads "
        "(pip.conf's find-links too)")
    links.add_argument(
        "-f", "--find-links", metavar="PATH|URL", action="append",
        default=[],
        help="also look for files in this folder (wheelhouse), local "
             "file or HTML page of links, as pip's option; repeatable")
    links.add_argument(
        "--no-index", action="store_true",
        help="ask no index, only the --find-links locations, as pip")


def _add_network(parser) -> None:
    """How long to wait, how much at once; pip's network options (their
    defaults: pip's configuration and PIP_* variables)."""
    parser.add_argument(
        "--timeout", "--default-timeout", metavar="SECONDS",
        type=_checked("timeout_value"), dest="timeout",
        help="seconds to wait to connect and between bytes; each document "
             "gets three times this in all (default: pip's timeout, else "
             "{:g})".format(DEFAULT_TIMEOUT))
    parser.add_argument(
        "--retries", metavar="N", type=_checked("retries_value"),
        help="tries after the first for each document, 0 to {} (default: "
             "pip's retries, else {})".format(MAX_RETRIES,
                                             DEFAULT_RETRIES))
    parser.add_argument(
        "--cert", metavar="PATH",
        help="the CA bundle to verify TLS with, as pip's option "
             "(REQUESTS_CA_BUNDLE wins over it, as in pip)")
    parser.add_argument(
        "--client-cert", metavar="PATH",
        help="a PEM file with the TLS client key and certificate, as pip")
    parser.add_argument(
        "--trusted-host", metavar="HOST[:PORT]", action="append",
        default=[], type=_checked("trusted_host"),
        help="read this host's http:// indexes and do not verify its TLS "
             "certificate, as pip; repeatable")
    parser.add_argument(
        "--proxy", metavar="URL", type=_checked("proxy_value"),
        help="send every request through this proxy "
             "(scheme://[user:password@]host:port), as pip; proxy "
             "variables are then ignored")
    parser.add_argument(
        "-j", "--jobs", metavar="N", type=int, default=16,
        help="fetch up to N documents at once from each index, 1 to 64, "
             "and 64 in all (default: %(default)s)")


def _add_cache(parser) -> None:
    """The HTTP cache."""
    cache = parser.add_argument_group(
        "cache", "answers are kept in an HTTP cache and revalidated, so a "
        "repeat run transfers little")
    cache.add_argument(
        "--cache-dir", metavar="DIR",
        help="where to keep the cache (default: $XDG_CACHE_HOME/piwcheck "
             "or ~/.cache/piwcheck)")
    cache.add_argument(
        "--no-cache", "--no-cache-dir", action="store_true",
        dest="no_cache",
        help="neither read nor write the cache")
    cache.add_argument(
        "--offline", action="store_true",
        help="answer from the cache only; packages it has nothing for are "
             "errors")


def _add_output(parser) -> None:
    """What to print, and where.  Each output format of report.FORMATS
    other than the default has its option here (--json, --summary,
    --tree), named as the format."""
    parser.add_argument(
        "--json", action="store_true",
        help="print one JSON document on stdout instead of the report")
    parser.add_argument(
        "-q", "--quiet", action="store_true",
        help="print only the apt command, and errors")
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        help="show more: URLs, hashes, pip dependencies, platforms")
    parser.add_argument(
        "--summary", action="store_true",
        help="print only the packages that need action, the counts and "
             "the apt command")
    parser.add_argument(
        "--stats", action="store_true",
        help="print piwheels' download statistics for the named projects "
             "(fetching its list when needed) instead of checking them")
    parser.add_argument(
        "--tree", action="store_true",
        help="show each package asked for with the dependencies it brings "
             "in below it, and their statuses")
    parser.add_argument(
        "-o", "--output", metavar="FILE",
        help="write the report (or the JSON) to FILE instead of stdout "
             "(- is stdout); checked before anything is fetched")
    parser.add_argument(
        "--color", "--colour", choices=("auto", "always", "never"),
        default="auto", dest="color",
        help="colour the statuses: auto (on a terminal, unless NO_COLOR "
             "is set), always or never (default: %(default)s)")


def _fail_on(text: str):
    """--fail-on: a comma list of FAIL_ON's names."""
    from ..results import FAIL_ON

    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    wrong = [n for n in names if n not in FAIL_ON]
    if wrong or not names:
        raise argparse.ArgumentTypeError(
            "{!r}: give one or more of {}".format(text, ", ".join(FAIL_ON)))
    return names


def _add_maintainers(parser) -> None:
    """For maintainers, in CI: every Pi at once, the format, what
    fails."""
    from ..facts import MATRIX_KINDS

    ci = parser.add_argument_group(
        "for maintainers", "check every Raspberry Pi at once, for CI")
    ci.add_argument(
        "--matrix", metavar="KIND,...", nargs="?", const=",".join(
            MATRIX_KINDS),
        help="check for each of these Pis (--pi's RELEASE-KINDs, e.g. "
             "bookworm-32,trixie-64; default: {}) and print one table: a "
             "row per project, a column per Pi".format(
                 ", ".join(MATRIX_KINDS)))
    ci.add_argument(
        "--fail-on", metavar="WHAT", type=_fail_on, action="append",
        help="fail (exit non-zero) only for these: no-wheel, no-match, "
             "conflict, missing-apt (comma list; repeatable; errors "
             "always fail; default: all of them)")
    ci.add_argument(
        "--format", choices=("text", "json", "markdown"),
        help="the output format: text (the default), json (as --json) or "
             "markdown (GitHub-flavoured tables, for $GITHUB_STEP_SUMMARY)")
