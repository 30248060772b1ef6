# SPDX-License-Identifier: BSD-3-Clause
"""pip's options and network settings for a :class:`Settings`, layered
as pip layers them (configuration, command line, requirements files),
and the places pip looks for files."""

import os
import sys
from dataclasses import replace
from urllib.parse import urlsplit

from .settings import Settings


def machine_config(s: Settings):
    """This machine's pip configuration files and ``PIP_*`` variables
    (none with --isolated), as the pip of the active venv (or of this
    Python) reads them: a pipconf.Config, read once a run
    (:attr:`Settings.pip_files`)."""
    from .. import pipconf

    prefix = os.environ.get("VIRTUAL_ENV") or sys.prefix
    return pipconf.load(isolated=s.isolated, prefix=prefix)


def pip_config(s: Settings):
    """This machine's pip configuration, as the pip of the active venv
    (or of this Python) reads it."""
    return s.pip_files.options()


def net_options(s: Settings):
    """pip's network settings, layered as pip layers them: this
    machine's pip configuration and PIP_* variables (not for
    --isolated; also for a described target: the network is this
    machine's), then the command line; the files they name checked."""
    net = s.pip_files.network()
    for key, value in (("cert", s.cert), ("client-cert", s.client_cert),
                       ("proxy", s.proxy), ("timeout", s.timeout),
                       ("retries", s.retries)):
        if value is not None:
            net = net.set(key, str(value), "--" + key)
    for host in s.trusted_hosts:  # added to the configured ones, as pip
        net = net.set("trusted-host", host, "--trusted-host", add=True)
    return net.checked()


def read_locations(found, net):
    """``found`` (indexes.Sources) without the http:// locations pip
    ignores (on a host neither this machine nor trusted by ``net``, a
    NetOptions), and a warning for each; InputError when none is
    left."""
    from ..errors import InputError

    kept = tuple(loc for loc in found.locations if net.reads(loc[1]))
    dropped = [loc[1] for loc in found.locations if loc not in kept]
    notes = ["index {} is not read: pip ignores an http:// index on a "
             "host it does not trust (--trusted-host {} trusts it)".format(
                 url, urlsplit(url).netloc.rpartition("@")[2])
             for url in dropped]
    if dropped and not kept:
        raise InputError("no index to check: " + "; ".join(notes))
    return replace(found, locations=kept), notes


def pip_options(s: Settings, files):
    """The options the target's pip would install with, layered as pip
    layers them: its configuration (Raspberry Pi OS's for a described
    target), then the command line, then the requirements files'
    options (``files``: an inputs.FileOptions)."""
    from ..errors import InputError

    for url in (s.index_url or "http://x",) + s.extra_index_urls:
        if not url.startswith(("http://", "https://")):
            raise InputError("--index-url/--extra-index-url {!r}: expected "
                             "an http:// or https:// URL".format(url))
    opts = configuration(s)
    if s.index_url:
        opts = replace(opts, index_url=s.index_url)
    if s.extra_index_urls:  # added to the configured ones, as in pip
        opts = replace(opts, extra_index_urls=opts.extra_index_urls +
                       s.extra_index_urls)
    for option, values in (("only-binary", s.only_binary),
                           ("no-binary", s.no_binary)):
        for value in values:
            opts = opts.with_format(option, value)
    opts = _with_links(opts, s, files)
    if files.no_index:
        opts = replace(opts, no_index=True)
    if files.index_url:
        opts = replace(opts, index_url=files.index_url,
                       extra_index_urls=())
    if files.extra_index_urls:
        opts = replace(opts, extra_index_urls=opts.extra_index_urls +
                       tuple(files.extra_index_urls))
    for option, value in files.formats:
        opts = opts.with_format(option, value)
    return replace(opts, pre=opts.pre or s.pre or files.pre,
                   prefer_binary=opts.prefer_binary or s.prefer_binary
                   or files.prefer_binary)


def configuration(s: Settings):
    """The layer of pip's options below the command line's: none at all
    for a described target with --isolated (as pip's --isolated, and
    more: another machine's files are not this one's); Raspberry Pi
    OS's for a described target; else this machine's pip configuration,
    as the target's pip reads it."""
    from .. import pipconf

    if s.described:
        return pipconf.PipOptions() if s.isolated else \
            pipconf.raspberry_pi_os(s.piwheels_site)
    return pip_config(s)


def _with_links(opts, s: Settings, files):
    """``opts`` with the command line's --find-links added to the
    configured ones, then the files' (as pip's append options), and
    --no-index."""
    return replace(opts, find_links=opts.find_links + s.find_links +
                   tuple(files.find_links),
                   no_index=opts.no_index or s.no_index)


def sources(s: Settings, opts):
    """Where pip looks for files, for indexes.make_indexes: the
    find-links locations and index URLs of ``opts`` (pip_options'
    result), in pip's order."""
    from ..indexes import Sources

    return Sources(tuple(opts.locations), s.piwheels_site, opts.no_index)


def installed_sources(s: Settings):
    """Where this machine's pip installs from, for --installed: its
    configuration's indexes and --extra-index-url's."""
    from ..indexes import Sources

    site = s.piwheels_site
    urls = pip_config(s).index_urls + list(s.extra_index_urls)
    return Sources(tuple(("index-url", url) for url in urls
                         if s.network.reads(url)), site)
