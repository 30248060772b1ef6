# SPDX-License-Identifier: BSD-3-Clause
"""The parsed command line as one frozen :class:`Settings`: which
options combine (every rule in this module), which mode runs, which
output format (pip's options are layered in :mod:`.pipopts`).

Two rules are applied when what they guard is made, as they always
were: --python with a described target (:meth:`Settings.target`, after
the requirements are read) and --offline with --no-cache
(:meth:`Settings.cache`: --installed makes a transport only when it
asks piwheels).  The piwheels site is normalised once, when first
needed (:attr:`Settings.piwheels_site`)."""

import os
import sys
from dataclasses import dataclass, replace
from functools import cached_property
from typing import FrozenSet, Optional, Sequence, Tuple

#: The modes: check requirements, what is installed (or wheel files),
#: piwheels' download statistics.
CHECK, INSTALLED, STATS = "check", "installed", "stats"


#: The most documents fetched at once: --jobs, and the threads of all
#: the indexes together (each index has --jobs, shared out below this).
MAX_JOBS = 64


class UsageError(Exception):
    """Options that do not combine: reported as argparse reports its
    own errors (the usage line, the message, exit status 2)."""


@dataclass(frozen=True)
class Settings:
    """Everything the command line asks for, checked."""

    mode: str
    #: The command line's REQUIREMENTs, -r and -c files (in order).
    requirements: Tuple[str, ...]
    files: Tuple[str, ...]
    constraint_files: Tuple[str, ...]
    #: The wheel files among the REQUIREMENTs (the installed mode).
    wheels: Tuple[str, ...]
    deps: bool
    deep: bool
    # the target
    abi: Optional[str]
    platforms: Tuple[str, ...]
    python_version: Optional[str]
    pi: Optional[str]
    pip_version: Optional[str]
    python: Optional[str]
    # the command line's layer of pip's options
    index_url: Optional[str]
    extra_index_urls: Tuple[str, ...]
    isolated: bool
    pre: bool
    only_binary: Tuple[str, ...]
    no_binary: Tuple[str, ...]
    prefer_binary: bool
    find_links: Tuple[str, ...]
    no_index: bool
    #: --piwheels-url as given (see piwheels_site).
    piwheels_url: str
    # the network and the cache (--timeout: None when not given)
    timeout: Optional[float]
    jobs: int
    cache_dir: Optional[str]
    no_cache: bool
    offline: bool
    # the output
    format: str
    quiet: bool
    verbose: bool
    output: Optional[str]
    color: str
    #: --extra and --group, for a pyproject.toml.
    extras: Tuple[str, ...] = ()
    groups: Tuple[str, ...] = ()
    # the command line's layer of pip's network settings
    cert: Optional[str] = None
    client_cert: Optional[str] = None
    trusted_hosts: Tuple[str, ...] = ()
    proxy: Optional[str] = None
    retries: Optional[int] = None
    #: --matrix's kinds (empty: one target), --fail-on's names (None:
    #: the default rules).
    matrix: Tuple[str, ...] = ()
    fail_on: Optional[FrozenSet[str]] = None

    @classmethod
    def from_args(cls, args) -> "Settings":
        """The settings of argparse's ``args``; UsageError when options
        do not combine."""
        _check_output(args)
        wheels = tuple(r for r in args.requirements
                       if r.endswith(".whl") and os.path.isfile(r))
        mode = _mode(args, wheels)
        requirements, files = _project_dirs(args, wheels)
        return _maintainers(args, mode, cls(
            mode=mode, requirements=requirements, files=files,
            constraint_files=tuple(args.constraint_files), wheels=wheels,
            deps=not args.no_deps, deep=args.deep, abi=args.abi,
            platforms=tuple(args.platform),
            python_version=args.python_version, pi=args.pi,
            pip_version=args.pip_version, python=args.python,
            index_url=args.index_url,
            extra_index_urls=tuple(args.extra_index_url),
            isolated=args.isolated, pre=args.pre,
            only_binary=tuple(args.only_binary),
            no_binary=tuple(args.no_binary),
            prefer_binary=args.prefer_binary,
            find_links=tuple(args.find_links), no_index=args.no_index,
            piwheels_url=args.piwheels_url, timeout=args.timeout,
            jobs=args.jobs, cache_dir=args.cache_dir,
            no_cache=args.no_cache, offline=args.offline,
            format=_format_name(args), quiet=args.quiet,
            verbose=args.verbose,
            output=None if args.output == "-" else args.output,
            color=args.color, extras=tuple(args.extras),
            groups=tuple(args.groups), **_network_args(args)))

    @cached_property
    def pip_files(self):
        """This machine's pip configuration (a pipconf.Config), read once
        for both pip's options and its network settings."""
        from .pipopts import machine_config

        return machine_config(self)

    @cached_property
    def network(self):
        """pip's network settings, as pipopts.net_options layers them."""
        from .pipopts import net_options

        return net_options(self)

    @property
    def described(self) -> bool:
        """The target is described (--abi, --platform, --pi,
        --python-version, or --matrix's Pis), not an interpreter here."""
        return bool(self.abi or self.platforms or self.pi
                    or self.python_version or self.matrix)

    @cached_property
    def piwheels_site(self) -> str:
        """--piwheels-url as a site URL; InputError when it is not one."""
        from ..indexes import normalise_site_url

        return normalise_site_url(self.piwheels_url, "--piwheels-url")

    def target(self):
        """The target to check for: --python's interpreter, a described
        one, else this machine and Python."""
        from .. import described, target

        if self.python and self.described:
            raise UsageError("--python cannot be combined with --abi, "
                             "--platform, --pi or --python-version")
        if self.python:
            return target.interpreter_target(self.python, self.pip_version)
        if self.described:
            return described.described_target(
                self.abi, list(self.platforms),
                python_version=self.python_version,
                pip_version=self.pip_version, pi=self.pi)
        return target.local_target(self.pip_version)

    def cache(self) -> Optional[str]:
        """The cache directory for a transport (None: --no-cache)."""
        if self.offline and self.no_cache:
            raise UsageError("--offline needs the cache: drop --no-cache")
        if self.no_cache:
            return None
        from ..net import default_dir

        return self.cache_dir or default_dir()

    @property
    def report_format(self):
        """The output format (of the report registry) asked for."""
        from ..report import FORMATS

        return FORMATS[self.format]

    @property
    def early_head(self) -> bool:
        """Whether the head lines go to stdout before the check runs (a
        long file takes a while)."""
        return self.report_format.early_head and not (self.quiet or
                                                      self.output)

    @property
    def coloured(self) -> bool:
        """Whether the text report is coloured."""
        if self.color != "auto":
            return self.color == "always"
        return not self.output and sys.stdout.isatty() and \
            not os.environ.get("NO_COLOR")


def _check_output(args) -> None:
    """The rules every mode shares: the output options and --jobs."""
    from ..report import DEFAULT, FORMATS

    if args.quiet and args.verbose:
        raise UsageError("-q/--quiet and -v/--verbose contradict each "
                         "other")
    options = sorted(name for name in FORMATS
                     if name != DEFAULT and hasattr(args, name))
    if sum(bool(getattr(args, name, False)) for name in options) + \
            bool(args.quiet) > 1:
        raise UsageError("choose one of {} and -q/--quiet".format(
            ", ".join("--" + name for name in options)))
    if args.tree and args.no_deps:
        raise UsageError("--tree shows dependencies; --no-deps leaves "
                         "them out")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise UsageError("--jobs: give 1 to {}".format(MAX_JOBS))
    if args.output == "":
        raise UsageError("-o/--output: give a file name, or - for stdout")


def _mode(args, wheels: Sequence[str]) -> str:
    """The mode ``args`` ask for, and its rules."""
    if args.stats:
        if not args.requirements or args.files or args.installed:
            raise UsageError("--stats takes project names, and nothing "
                             "else to check")
        return STATS
    if not (args.installed or wheels):
        return CHECK
    if bool(args.abi or args.platform or args.pi or args.python_version):
        raise UsageError("--installed and wheel files are checked for "
                         "this machine: drop --abi, --platform, --pi and "
                         "--python-version")
    if wheels and (len(wheels) != len(args.requirements) or args.files):
        raise UsageError("check wheel files on their own, without -r or "
                         "other requirements")
    if args.files and not wheels:
        raise UsageError("--installed takes project names, not -r files")
    if args.requirements and not wheels:
        from ..names import canonical_name

        for name in args.requirements:
            canonical_name(name)  # InputError: not a project name
    if args.tree:
        raise UsageError("--tree shows what a check resolved: not for "
                         "--installed or wheel files")
    return INSTALLED


def _project_dirs(args, wheels: Sequence[str]):
    """(requirements, files): a REQUIREMENT that names a project
    directory (``.``, or a path with a ``/`` holding a pyproject.toml)
    is read as ``-r DIR``; --extra and --group need one."""
    from ..inputs.kinds import kind_of, project_dir

    reqs = [r for r in args.requirements if args.stats or r in wheels
            or project_dir(r) is None]
    dirs = [r for r in args.requirements if r not in reqs]
    files = tuple(args.files) + tuple(dirs)
    if (args.extras or args.groups) and not any(
            kind_of(f) == "pyproject" for f in files):
        raise UsageError("--extra and --group are for a pyproject.toml: "
                         "give -r pyproject.toml or the project's directory")
    return tuple(reqs), files


def _format_name(args) -> str:
    """The format --format or an option named as one (--json, --summary,
    --tree) asks for, else the default."""
    from ..report import DEFAULT, FORMATS

    named = next((name for name in FORMATS
                  if getattr(args, name, False)), None)
    chosen = getattr(args, "format", None)
    if chosen and named and chosen != named:
        raise UsageError("--{} and --format {} contradict each other"
                         .format(named, chosen))
    if chosen not in (None, DEFAULT) and args.quiet:
        raise UsageError("choose one of --format {} and -q/--quiet"
                         .format(chosen))
    return chosen or named or DEFAULT


def _maintainers(args, mode: str, s: Settings) -> Settings:
    """``s`` with --matrix's kinds and --fail-on's names, and their
    rules."""
    fail_on = None if args.fail_on is None else frozenset(
        n for names in args.fail_on for n in names)
    if args.matrix is None:
        return replace(s, fail_on=fail_on)
    if mode != CHECK:
        raise UsageError("--matrix checks requirements: not for "
                         "--installed, wheel files or --stats")
    if s.described or s.python:
        raise UsageError("--matrix describes its own Pis: drop --pi, "
                         "--abi, --platform, --python-version and --python")
    if s.format not in ("text", "json", "markdown") or s.quiet:
        raise UsageError("--matrix prints one table: not with --summary, "
                         "--tree or -q")
    return replace(s, fail_on=fail_on, matrix=_kinds(args.matrix))


def _kinds(text: str) -> Tuple[str, ...]:
    """--matrix's KIND,... as --pi takes each; InputError naming the
    first that is not one."""
    from ..errors import InputError
    from ..described import parse_pi

    kinds = [k.strip().lower() for k in text.split(",") if k.strip()]
    for kind in kinds:
        try:
            parse_pi(kind)
        except InputError as exc:
            raise InputError("--matrix {}: {} is not a Pi kind ({}); to "
                             "check it on the default Pis, name it before "
                             "--matrix".format(text, kind, str(exc).split(
                                 ": ", 1)[-1])) from None
    if not kinds:
        raise UsageError("--matrix: name one or more Pi kinds, e.g. "
                         "bookworm-32,trixie-64")
    return tuple(dict.fromkeys(kinds))


def _network_args(args) -> dict:
    """The network options of argparse's ``args`` (--cert, --client-cert,
    --trusted-host, --proxy, --retries), as Settings' fields."""
    return dict(cert=args.cert, client_cert=args.client_cert,
                trusted_hosts=tuple(args.trusted_host), proxy=args.proxy,
                retries=args.retries)
