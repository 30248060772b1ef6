# SPDX-License-Identifier: BSD-3-Clause
"""The three things piwcheck does, each a short call into the library
and one write of the report: check requirements (check.check), what is
installed or wheel files (:mod:`.installed`), piwheels' download
statistics (stats); and what they share (the transport, the indexes).
Everything heavy is imported when a mode runs."""

import sys

from .parser import version
from .settings import CHECK, INSTALLED, STATS, Settings, UsageError


def run(s: Settings) -> int:
    """Run the mode ``s`` asks for; its exit code.  Where the output
    goes is checked first, before anything is fetched."""
    _check_output(s.output)
    if s.matrix:
        from .matrix import matrix_mode
        return matrix_mode(s)
    if s.mode == INSTALLED:
        from .installed import installed_mode
        return installed_mode(s)
    return {CHECK: check_mode, STATS: stats_mode}[s.mode](s)


def check_mode(s: Settings) -> int:
    """Check the requirements; print the report; the exit code."""
    from ..check import check
    from ..report import Options, clean, problem_lines
    from ..report.output import write
    from .pipopts import pip_options

    transport = _transport(s)
    inputs = _inputs(s, transport)
    transport.http.trust(inputs.options.trusted_hosts, "--trusted-host in "
                         "a requirements file")
    opts = pip_options(s, inputs.options)
    tgt = s.target()
    indexes = _indexes(s, opts, transport, [tgt])
    inputs.check_pip(tgt)  # what only older pips take
    fmt = s.report_format
    if s.early_head:
        _print_head(s, tgt, indexes)
    show, clear = _progress(s)
    sites = [ix.statistics_site for ix in indexes if ix.statistics_site]
    stats = _statistics(s, transport, sites[0]) if sites else None
    try:
        report = check(inputs, tgt, indexes,
                       check_options(s, opts, indexes, transport),
                       progress=show, stats=stats,
                       on_error=_debug_traceback())
    finally:
        if show:
            clear()
        if stats is not None:
            _close_statistics(s, stats)
    if transport.cache_lost:
        print("piwcheck: warning: the cache cannot be written ({}); the "
              "check went on without it".format(clean(transport.cache_lost)),
              file=sys.stderr)
    if s.fail_on is not None:
        from dataclasses import replace
        report = replace(report, fail_on=s.fail_on)
    for line in problem_lines(report, s.quiet):
        print("piwcheck: " + clean(line), file=sys.stderr)
    out = fmt.check(report, Options(s.verbose, s.quiet, s.coloured,
                                    head=not s.early_head, version=version))
    write(out, s.output)
    return report.exit_code


def check_options(s: Settings, opts, indexes, transport):
    """The CheckOptions of the command line and pip's options ``opts``."""
    from ..check import CheckOptions
    from ..select import Formats

    return CheckOptions(
        pre=opts.pre, deps=s.deps, workers=_workers(s, indexes),
        formats=Formats(opts.only_binary, opts.no_binary,
                        opts.prefer_binary, opts.all_releases,
                        opts.only_final),
        deep=s.deep, cache_dir=transport.cache_dir,
        downloads=s.verbose or s.report_format.downloads)


def _workers(s: Settings, indexes) -> int:
    """Threads per index: --jobs, shared out so that all the indexes
    together have at most MAX_JOBS."""
    from .settings import MAX_JOBS

    return max(1, min(s.jobs, MAX_JOBS // max(1, len(indexes))))


def _check_output(path) -> None:
    """InputError (exit 2) now, not after the check, when the report
    cannot be written: stdout closed, or ``path`` a directory or a file
    that cannot be opened for writing (opened without changing it; a
    file made for the test is removed; a FIFO is not opened, as that
    would wait for its reader)."""
    import os
    import stat

    from ..errors import InputError
    from .process import stdout_closed

    if not path:
        if stdout_closed():
            raise InputError("cannot write the output to stdout: it is "
                             "closed (give -o FILE)")
        return
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISFIFO(mode):
        return
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError("--output {}: cannot write it: it is a directory"
                         .format(path))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT |
                     os.O_NOCTTY | os.O_NONBLOCK, 0o666)
        os.close(fd)
        if mode is None:
            os.unlink(path)
    except OSError as exc:
        raise InputError("--output {}: cannot write it: {}".format(
            path, exc.strerror or exc))
    except ValueError as exc:  # a NUL in the path
        raise InputError("--output {!r}: cannot write it: {}".format(
            path, exc))


def _debug_traceback():
    """Under DEBUG=1, what prints each failed fetch's traceback (the
    check goes on; the report says what failed), else None."""
    import os

    if not os.environ.get("DEBUG"):
        return None
    from traceback import print_exception

    return lambda e: print_exception(type(e), e, e.__traceback__)


def _inputs(s: Settings, transport):
    """The Inputs to check: the command line's requirements, then what
    the -r and -c files say; their notes (-v) and warnings said."""
    from ..inputs import Inputs, parse_line
    from ..report import clean

    from ..errors import InputError
    from .process import stdin_closed

    if "-" in s.files + s.constraint_files and stdin_closed():
        raise InputError("-: cannot read the requirements from stdin: it "
                         "is closed")
    inputs = Inputs([parse_line(text) for text in s.requirements])
    read = []
    if s.files or s.constraint_files:  # the readers only when there are
        from ..inputs import kinds
        from ..inputs.reqfile import Reader

        reader = Reader(transport.body)
        read = [kinds.read(reader, path, s.extras, s.groups)
                for path in s.files]
        for path in s.constraint_files:
            reader.read(path, constraint=True)
        inputs = inputs.join(reader.inputs)
    if inputs.locks and (inputs.requirements or len(inputs.locks) > 1
                         or s.deep):
        raise UsageError("a pylock.toml is checked on its own (as locked, "
                         "with no other requirements or lock, without "
                         "--deep)")
    # a project with no dependencies has nothing to check: not an error
    if not inputs.requirements and not inputs.locks and \
            "pyproject" not in read:
        raise UsageError("name at least one requirement, or a file with "
                         "-r (or use --installed)")
    if s.verbose:
        for note in inputs.ignored:
            print("piwcheck: " + clean(note), file=sys.stderr)
    for warning in inputs.warnings:
        print("piwcheck: warning: " + clean(warning), file=sys.stderr)
    return inputs


def _indexes(s: Settings, opts, transport, targets):
    """A reader for each index pip would ask, in its order, keeping what
    ``targets`` can install; a warning for each it would ask that
    piwcheck cannot read."""
    from ..indexes import make_indexes
    from ..report import clean
    from ..wanted import Wanted
    from .pipopts import read_locations, sources

    found, untrusted = read_locations(sources(s, opts), transport.http.net)
    for note in untrusted:
        print("piwcheck: warning: " + clean(note), file=sys.stderr)
    indexes, skipped = make_indexes(found, transport, Wanted.of(targets))
    for url in skipped:
        print("piwcheck: warning: index {} is not read (only http and "
              "https indexes are)".format(clean(url)), file=sys.stderr)
    for ix in indexes:
        for line in ix.notes if s.verbose else ():
            print("piwcheck: " + clean(line), file=sys.stderr)
        for line in ix.warnings:
            print("piwcheck: warning: " + clean(line), file=sys.stderr)
    return indexes


def _print_head(s: Settings, tgt, indexes) -> None:
    """The report's head lines (the target, the indexes) now, before
    the check: a long file takes a while."""
    from ..check import notes
    from ..report import render_head

    sys.stdout.write(render_head(tgt, [(ix.label, ix.url)
                                       for ix in indexes],
                                 notes(tgt, indexes), s.verbose))
    sys.stdout.flush()


def _progress(s: Settings):
    """A progress line on stderr, for a terminal only."""
    if not s.report_format.progress or s.quiet or not sys.stderr.isatty():
        return None, lambda: None

    def show(done, known):
        if known > 1:
            sys.stderr.write("\rchecking {}/{}".format(done, known))
            sys.stderr.flush()

    def clear():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
    return show, clear


def _transport(s: Settings):
    """The transport of this run; without the cache (and a warning)
    when the default cache cannot be used."""
    from ..errors import CacheError
    from ..net import Transport

    cache_dir = s.cache()
    if cache_dir and not s.offline:
        sweep_stale(cache_dir)
    net = s.network
    try:
        return Transport(timeout=net.timeout, connections=s.jobs,
                         cache_dir=cache_dir, offline=s.offline,
                         retries=net.retries, net=net)
    except CacheError as exc:
        if s.cache_dir or s.offline:
            raise
        print("piwcheck: warning: {}; going on without it".format(exc),
              file=sys.stderr)
        return Transport(timeout=net.timeout, connections=s.jobs,
                         retries=net.retries, net=net)


#: A temporary file older than this is a killed run's (SIGKILL, a power
#: cut): no run writes one for so long.
STALE_SECONDS = 3600


def sweep_stale(cache_dir: str) -> None:
    """Remove the temporary files a killed run left in the cache (the
    HTTP cache's ``http/.tmp-*``, the statistics' and --deep's
    ``*.part``) once they are an hour old; never an error."""
    import os
    import time

    old = time.time() - STALE_SECONDS
    for folder in (cache_dir, os.path.join(cache_dir, "http"),
                   os.path.join(cache_dir, "stats"),
                   os.path.join(cache_dir, "wheels")):
        try:
            with os.scandir(folder) as entries:
                stale = [e.path for e in entries
                         if (e.name.startswith(".tmp-") or
                             e.name.endswith(".part"))
                         and e.is_file(follow_symlinks=False)
                         and e.stat(follow_symlinks=False).st_mtime < old]
        except OSError:
            continue
        for path in stale:
            try:
                os.unlink(path)
            except OSError:
                pass


def stats_mode(s: Settings) -> int:
    """--stats NAME...: each name's downloads, or the names it may have
    meant; 1 when one is not known."""
    from ..errors import FetchError
    from ..names import canonical_name
    from ..report import Options, clean
    from ..report.output import write

    names = list(dict.fromkeys(canonical_name(n) for n in s.requirements))
    transport = _transport(s)
    stats = _statistics(s, transport, s.piwheels_site)
    try:
        if stats.fresh() is None:
            raise FetchError(stats.failed or "no statistics")
        found = stats.downloads(names)
        suggestions = {n: stats.suggest(n) for n in names if n not in found}
        if stats.failed:
            print("piwcheck: warning: " + clean(stats.failed),
                  file=sys.stderr)
    finally:
        stats.close()
    out = s.report_format.stats(names, found, suggestions,
                                Options(version=version))
    write(out, s.output)
    return 0 if len(found) == len(names) else 1


def _statistics(s: Settings, transport, site: str):
    """The download statistics ``site`` publishes, for this run
    (nothing is fetched yet)."""
    from ..stats import Statistics

    def say(text: str) -> None:
        from ..report import clean
        if not s.quiet:
            print("piwcheck: " + clean(text), file=sys.stderr)
    return Statistics(transport.download, transport.offline, site,
                      transport.cache_dir, say)


def _close_statistics(s: Settings, stats) -> None:
    """The statistics' warning (unless -q); their cache closed."""
    from ..report import clean

    if stats.failed and not s.quiet:
        print("piwcheck: warning: " + clean(stats.failed), file=sys.stderr)
    stats.close()
