# SPDX-License-Identifier: BSD-3-Clause
"""Command line: wires argparse to target, check and report."""

import os
import sys
from typing import List, Optional

from ..errors import EXIT_USAGE, PiwcheckError
from .parser import DESCRIPTION, EPILOG, build_parser, version

__all__ = ["DESCRIPTION", "EPILOG", "build_parser", "main", "version"]

def _described(args) -> bool:
    return bool(args.abi or args.platform or args.pi or args.python_version)


def _target(args, parser):
    from .. import target

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
    from .. import pipconf

    prefix = os.environ.get("VIRTUAL_ENV") or sys.prefix
    return pipconf.read(isolated=args.isolated, prefix=prefix)


def _pip_options(args, parsed):
    """The options the target's pip would install with: its
    configuration (Raspberry Pi OS's for a described target), then the
    command line, then the requirements files' options, as pip."""
    from dataclasses import replace

    from .. import pipconf
    from ..errors import InputError
    from ..indexes import normalise_site_url

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
    from ..indexes import Sources, make_indexes, normalise_site_url

    return make_indexes(Sources(
        tuple(("index-url", url) for url in opts.index_urls),
        normalise_site_url(args.piwheels_url, "--piwheels-url"),
        opts.no_index), transport)


def _progress(args):
    """A progress line on stderr, for a terminal only (and a format that
    goes with one)."""
    if not _format(args).progress or args.quiet or \
            not sys.stderr.isatty():
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
    from ..inputs import Inputs, parse_line
    from ..inputs.reqfile import Reader

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
    from ..errors import CacheError
    from ..net import Transport, default_dir

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

    from ..check import CheckOptions, check
    from ..report import Options, clean, problem_lines, render_head
    from ..report.output import write

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
    from ..select import Formats

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
        from ..check import notes

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
            downloads=args.verbose or fmt.downloads), progress=show,
            stats=stats,
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
    from ..libs.environment import check_environment
    from ..report import Options
    from ..report.output import write

    if _described(args):
        parser.error("--installed and wheel files are checked for this "
                     "machine: drop --abi, --platform, --pi and "
                     "--python-version")
    if wheels and (args.installed or len(wheels) != len(args.requirements)
                   or args.files):
        parser.error("check wheel files on their own, without --installed, "
                     "-r or other requirements")
    from .. import target

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
    from ..stats import Statistics

    def say(text: str) -> None:
        from ..report import clean
        if not args.quiet:
            print("piwcheck: " + clean(text), file=sys.stderr)
    return Statistics(transport.download, transport.offline, site,
                      transport.cache_dir, say)


def _run_stats(args, parser) -> int:
    """--stats NAME...: each name's downloads, or the names it may have
    meant; 1 when one is not known."""
    from ..names import canonical_name
    from ..report import Options, clean
    from ..report.output import write

    if not args.requirements or args.files or args.installed:
        parser.error("--stats takes project names, and nothing else to "
                     "check")
    names = list(dict.fromkeys(canonical_name(n) for n in args.requirements))
    from ..indexes import normalise_site_url

    transport = _transport(args, parser)
    stats = _statistics(args, transport, normalise_site_url(
        args.piwheels_url, "--piwheels-url"))
    try:
        if stats.fresh() is None:
            from ..errors import FetchError
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
    from ..indexes import Sources, apt_data_index, normalise_site_url

    site = normalise_site_url(args.piwheels_url, "--piwheels-url")
    urls = _pip_config(args).index_urls + list(args.extra_index_url)
    return apt_data_index(Sources(tuple(("index-url", url) for url in urls),
                                  site), lambda: _transport(args, parser))


def _format(args):
    """The output format asked for: the one whose option is set (--json,
    --summary, --tree), else the default."""
    from ..report import DEFAULT, FORMATS

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
        from ..report import clean

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
