# SPDX-License-Identifier: BSD-3-Clause
"""Command line: wires argparse to target, check and report."""

import argparse
import os
import sys
from typing import List, Optional

from . import DEFAULT_TIMEOUT
from .errors import EXIT_USAGE, PiwcheckError
from .facts import DEFAULT_PIWHEELS_URL

DESCRIPTION = """\
Check, before pip install, which file pip would install from PyPI and
piwheels.org for this Raspberry Pi's Python, and which apt packages it
needs that are not installed."""

EPILOG = """\
exit status:
  0  ready: every package has a wheel and its apt packages are installed
  1  action needed: missing apt packages, no usable wheel, or not found
  2  usage or input error, or requirements that conflict
  3  an index unreachable, or it answered nonsense

environment:
  PIWCHECK_PIWHEELS_URL  default for --piwheels-url
  PIP_CONFIG_FILE, PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_NO_INDEX,
  PIP_PRE, PIP_ONLY_BINARY, PIP_NO_BINARY, PIP_PREFER_BINARY
                      pip's own settings, read as pip reads them
  XDG_CACHE_HOME      where the cache goes (see --cache-dir)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE
                      proxies and CA certificates, as requests reads them
  DPKG_ADMINDIR       the dpkg database to read (as dpkg-query does)
  DEBUG=1             show a traceback instead of a one-line error

files:
  ~/.cache/piwcheck   the HTTP cache and parsed documents (see --cache-dir)

examples:
  piwcheck numpy  check numpy for this machine and its Python
  piwcheck 'pillow>=10' gpiozero  check requirements as pip takes them
  piwcheck -r requirements.txt  check a requirements file and what it needs
  piwcheck --pi bookworm-32 numpy  check for a 32-bit Bookworm Pi from a PC
  piwcheck -q -r requirements.txt  print only the apt command and the problems
  piwcheck --json -o report.json numpy  write the JSON document to a file
"""


def version() -> str:
    """piwcheck's version, from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("piwcheck")
    except PackageNotFoundError:
        return "unknown (not installed)"


#: The --timeout range: long enough to connect on a slow link, short of
#: what urllib3 can turn into a deadline.
TIMEOUT_RANGE = (0.05, 3600.0)


def _timeout(text: str) -> float:
    """--timeout: finite seconds within TIMEOUT_RANGE."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("{!r} is not a number of seconds"
                                         .format(text))
    low, high = TIMEOUT_RANGE
    if not math.isfinite(value) or not low <= value <= high:
        raise argparse.ArgumentTypeError(
            "{!r}: give seconds from {:g} to {:g}".format(text, low, high))
    return value


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0,
                         help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print("piwcheck " + version())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also the source of the man page)."""

    parser = argparse.ArgumentParser(
        prog="piwcheck", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "requirements", nargs="*", metavar="REQUIREMENT",
        help="a requirement as pip takes it, e.g. numpy or 'pillow>=10'")
    parser.add_argument(
        "-r", "--requirement", metavar="FILE", action="append", default=[],
        dest="files",
        help="check the requirements in FILE (pip's format; - reads "
             "stdin); repeatable")
    parser.add_argument(
        "-c", "--constraint", metavar="FILE", action="append", default=[],
        dest="constraint_files",
        help="narrow versions with the constraints in FILE; repeatable")
    parser.add_argument(
        "--no-deps", action="store_true",
        help="do not follow the dependencies pip would install")
    parser.add_argument(
        "--deep", action="store_true",
        help="download each wheel pip would install (checked against the "
             "index's sha256, kept in the cache) and read its compiled "
             "files: the libraries they need, and the apt packages that "
             "provide them, for wheels piwheels has no apt list for")
    parser.add_argument(
        "--installed", action="store_true",
        help="check what is installed instead (for this python3, or "
             "--python's): the libraries its compiled files need, which "
             "are missing, and whether they can run on this machine; "
             "wheel files given as REQUIREMENT are checked the same way")
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
        "--pip-version", metavar="X",
        help="rank tags as this pip version would (default: the target's "
             "pip, else its release's)")
    target.add_argument(
        "--python", metavar="PATH",
        help="check for another interpreter on this machine, e.g. a "
             "venv's bin/python")
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
        help="ignore pip's user configuration and PIP_* variables, as pip")
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
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=_timeout,
        default=DEFAULT_TIMEOUT,
        help="seconds to wait to connect and between bytes; each document "
             "gets three times this in all (default: %(default)g)")
    parser.add_argument(
        "-j", "--jobs", metavar="N", type=int, default=16,
        help="fetch up to N documents at once (default: %(default)s)")
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
        help="write the report (or the JSON) to FILE instead of stdout")
    parser.add_argument(
        "--color", "--colour", choices=("auto", "always", "never"),
        default="auto", dest="color",
        help="colour the statuses: auto (on a terminal, unless NO_COLOR "
             "is set), always or never (default: %(default)s)")
    parser.add_argument("-V", "--version", action=_VersionAction)
    return parser


def _described(args) -> bool:
    return bool(args.abi or args.platform or args.pi or args.python_version)


def _target(args, parser):
    from . import target

    if args.python and _described(args):
        parser.error("--python cannot be combined with --abi, --platform, "
                     "--pi or --python-version")
    if args.python:
        return target.interpreter_target(args.python, args.pip_version)
    if _described(args):
        return target.described_target(
            args.abi, args.platform, python_version=args.python_version,
            pip_version=args.pip_version, pi=args.pi)
    return target.local_target(args.pip_version)


def _pip_config(args):
    """This machine's pip configuration, as the pip of the active venv
    (or of this Python) reads it."""
    from . import pipconf

    prefix = os.environ.get("VIRTUAL_ENV") or sys.prefix
    return pipconf.read(isolated=args.isolated, prefix=prefix)


def _pip_options(args, parsed):
    """The options the target's pip would install with: its
    configuration (Raspberry Pi OS's for a described target), then the
    command line, then the requirements files' options, as pip."""
    from dataclasses import replace

    from . import pipconf
    from .errors import InputError
    from .indexes import normalise_site_url

    for url in [args.index_url or "http://x"] + args.extra_index_url:
        if not url.startswith(("http://", "https://")):
            raise InputError("--index-url/--extra-index-url {!r}: expected "
                             "an http:// or https:// URL".format(url))
    site = normalise_site_url(args.piwheels_url, "--piwheels-url")
    if _described(args):
        opts = pipconf.raspberry_pi_os(site)
    else:
        opts = _pip_config(args)
    if args.index_url:
        opts = replace(opts, index_url=args.index_url)
    if args.extra_index_url:  # added to the configured ones, as in pip
        opts = replace(opts, extra_index_urls=opts.extra_index_urls +
                       tuple(args.extra_index_url))
    for option in ("only_binary", "no_binary"):
        for value in getattr(args, option):
            opts = opts.with_format(option.replace("_", "-"), value)
    if parsed.no_index:
        opts = replace(opts, no_index=True)
    if parsed.index_url:
        opts = replace(opts, index_url=parsed.index_url,
                       extra_index_urls=())
    if parsed.extra_index_urls:
        opts = replace(opts, extra_index_urls=opts.extra_index_urls +
                       tuple(parsed.extra_index_urls))
    for option, value in parsed.formats:
        opts = opts.with_format(option, value)
    return replace(opts, pre=opts.pre or args.pre or parsed.pre,
                   prefer_binary=opts.prefer_binary or args.prefer_binary
                   or parsed.prefer_binary)


def _indexes(opts, args, transport):
    """A reader for each index pip would ask, in its order."""
    from .indexes import make_indexes, normalise_site_url

    return make_indexes(opts.index_urls, normalise_site_url(
        args.piwheels_url, "--piwheels-url"), transport, opts.no_index)


def _progress(args):
    """A progress line on stderr, for a terminal only."""
    if args.json or args.quiet or not sys.stderr.isatty():
        return None, lambda: None

    def show(done, known):
        if known > 1:
            sys.stderr.write("\rchecking {}/{}".format(done, known))
            sys.stderr.flush()

    def clear():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
    return show, clear


def _requirements(args, transport=None):
    """The Inputs to check: the command line's requirements, then what
    the -r and -c files say."""
    from .inputs import Inputs, parse_line
    from .inputs.reqfile import Reader

    def fetch(url: str) -> bytes:
        return transport.fetch(url, lambda body, ctype: body, "text/plain")
    reader = Reader(fetch if transport is not None else None)
    for path in args.files:
        reader.read(path)
    for path in args.constraint_files:
        reader.read(path, constraint=True)
    command_line = Inputs([parse_line(text) for text in args.requirements])
    return command_line.join(reader.inputs)


def _transport(args, parser):
    from .errors import CacheError
    from .net import Transport, default_dir

    if args.offline and args.no_cache:
        parser.error("--offline needs the cache: drop --no-cache")
    cache_dir = None if args.no_cache else (args.cache_dir or default_dir())
    try:
        return Transport(timeout=args.timeout, connections=args.jobs,
                         cache_dir=cache_dir, offline=args.offline)
    except CacheError as exc:
        if args.cache_dir or args.offline:
            raise
        print("piwcheck: warning: {}; going on without it".format(exc),
              file=sys.stderr)
        return Transport(timeout=args.timeout, connections=args.jobs)


def run(args, parser) -> int:
    """Check what ``args`` ask for; print the report; the exit code."""
    from traceback import print_exception

    from .check import CheckOptions, check
    from .report import Options, clean, problem_lines, render_head
    from .report.output import write

    if args.quiet and args.verbose:
        parser.error("-q/--quiet and -v/--verbose contradict each other")
    if sum(map(bool, (args.json, args.summary, args.quiet,
                      args.tree))) > 1:
        parser.error("choose one of --json, --summary, --tree and "
                     "-q/--quiet")
    if args.tree and args.no_deps:
        parser.error("--tree shows dependencies; --no-deps leaves them out")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.stats:
        return _run_stats(args, parser)
    wheels = [r for r in args.requirements
              if r.endswith(".whl") and os.path.isfile(r)]
    if args.installed or wheels:
        return _run_installed(args, parser, wheels)
    transport = _transport(args, parser)
    inputs = _requirements(args, transport)
    if not inputs.requirements:
        parser.error("name at least one requirement, or a file with -r "
                     "(or use --installed)")
    if args.verbose:
        for note in inputs.ignored:
            print("piwcheck: " + clean(note), file=sys.stderr)
    for warning in inputs.warnings:
        print("piwcheck: warning: " + clean(warning), file=sys.stderr)
    from .select import Formats

    opts = _pip_options(args, inputs.options)
    indexes, skipped = _indexes(opts, args, transport)
    for url in skipped:
        print("piwcheck: warning: index {} is not read (only http and "
              "https indexes are)".format(clean(url)), file=sys.stderr)
    tgt = _target(args, parser)
    color = _color(args, args.output)
    fmt = _format(args)
    # the target line first: a long file takes a while
    early = fmt.early_head and not (args.quiet or args.output)
    if early:
        from .check import notes

        sys.stdout.write(render_head(tgt, [(ix.label, ix.url)
                                           for ix in indexes],
                                     notes(tgt, indexes), args.verbose))
        sys.stdout.flush()
    show, clear = _progress(args)
    sites = [ix.statistics_site for ix in indexes if ix.statistics_site]
    stats = _statistics(args, transport, sites[0]) if sites else None
    try:
        report = check(inputs, tgt, indexes, CheckOptions(
            pre=opts.pre, deps=not args.no_deps, workers=args.jobs,
            formats=Formats(opts.only_binary, opts.no_binary,
                            opts.prefer_binary, opts.all_releases,
                            opts.only_final),
            deep=args.deep, cache_dir=transport.cache_dir,
            downloads=args.verbose or args.json), progress=show, stats=stats,
            on_error=(lambda e: print_exception(type(e), e, e.__traceback__))
            if os.environ.get("DEBUG") else None)
    finally:
        if show:
            clear()
        if stats is not None:
            if stats.failed and not args.quiet:
                print("piwcheck: warning: " + clean(stats.failed),
                      file=sys.stderr)
            stats.close()
    for line in problem_lines(report, args.quiet):
        print("piwcheck: " + clean(line), file=sys.stderr)
    out = fmt.check(report, Options(args.verbose, args.quiet, color,
                                    head=not early, version=version))
    write(out, args.output)
    return report.exit_code


def _run_installed(args, parser, wheels) -> int:
    """--installed, or wheel files: what their compiled files need."""
    from .libs.environment import check_environment
    from .report import Options
    from .report.output import write

    if _described(args):
        parser.error("--installed and wheel files are checked for this "
                     "machine: drop --abi, --platform, --pi and "
                     "--python-version")
    if wheels and (args.installed or len(wheels) != len(args.requirements)
                   or args.files):
        parser.error("check wheel files on their own, without --installed, "
                     "-r or other requirements")
    from . import target

    # the machine's facts (dpkg's architecture, the release); --python
    # only says where the packages are
    tgt = target.local_target() if args.installed else _target(args, parser)
    report = check_environment(tgt, wheels, args.python,
                               lambda: _piwheels_of_pip(args, parser))
    out = _format(args).installed(report, Options(
        args.verbose, color=_color(args, args.output), version=version))
    write(out, args.output)
    return report.exit_code


def _statistics(args, transport, site: str):
    """The download statistics ``site`` publishes, for this run
    (nothing is fetched yet)."""
    from .stats import Statistics

    def say(text: str) -> None:
        from .report import clean
        if not args.quiet:
            print("piwcheck: " + clean(text), file=sys.stderr)
    return Statistics(transport.download, transport.offline, site,
                      transport.cache_dir, say)


def _run_stats(args, parser) -> int:
    """--stats NAME...: each name's downloads, or the names it may have
    meant; 1 when one is not known."""
    from .names import canonical_name
    from .report import Options, clean
    from .report.output import write

    if not args.requirements or args.files or args.installed:
        parser.error("--stats takes project names, and nothing else to "
                     "check")
    names = list(dict.fromkeys(canonical_name(n) for n in args.requirements))
    from .indexes import normalise_site_url

    transport = _transport(args, parser)
    stats = _statistics(args, transport, normalise_site_url(
        args.piwheels_url, "--piwheels-url"))
    try:
        if stats.fresh() is None:
            from .errors import FetchError
            raise FetchError(stats.failed or "no statistics")
        found = stats.downloads(names)
        suggestions = {n: stats.suggest(n) for n in names if n not in found}
        if stats.failed:
            print("piwcheck: warning: " + clean(stats.failed),
                  file=sys.stderr)
    finally:
        stats.close()
    out = _format(args).stats(names, found, suggestions,
                              Options(version=version))
    write(out, args.output)
    return 0 if len(found) == len(names) else 1


def _piwheels_of_pip(args, parser):
    """The reader of the index with apt data (piwheels) this pip
    installs from, else None."""
    from .indexes import apt_data_index, normalise_site_url

    site = normalise_site_url(args.piwheels_url, "--piwheels-url")
    urls = _pip_config(args).index_urls + list(args.extra_index_url)
    return apt_data_index(urls, site, lambda: _transport(args, parser))


def _format(args):
    """The output format asked for: the one whose option is set (--json,
    --summary, --tree), else the default."""
    from .report import DEFAULT, FORMATS

    return next((f for name, f in FORMATS.items() if getattr(args, name,
                                                               False)),
                FORMATS[DEFAULT])


def _color(args, output) -> bool:
    """Whether the text report is coloured."""
    if args.color != "auto":
        return args.color == "always"
    return not output and sys.stdout.isatty() and \
        not os.environ.get("NO_COLOR")


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point: returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return run(args, parser)
    except SystemExit as exc:  # argparse's usage errors, --help, --version
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except PiwcheckError as exc:
        if os.environ.get("DEBUG"):
            raise
        from .report import clean

        print("piwcheck: error: " + clean(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if os.environ.get("DEBUG"):
            raise
        _exit_on_second_interrupt()
        print("piwcheck: interrupted", file=sys.stderr)
        return 130


def _exit_on_second_interrupt() -> None:
    """After one Ctrl-C, a second one ends the process there and then."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
