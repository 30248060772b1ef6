# SPDX-License-Identifier: BSD-3-Clause
"""pip's network settings (``cert``, ``client-cert``, ``trusted-host``,
``proxy``, ``timeout``, ``retries``) as one frozen :class:`NetOptions`:
each value checked where it is read (a pip.conf, a ``PIP_*`` variable,
an option), and pip's rule of which index locations it reads (a secure
origin, or a trusted host)."""

import ipaddress
import math
import os
from dataclasses import dataclass, field, replace
from typing import Optional, Tuple
from urllib.parse import urlsplit

from .. import DEFAULT_RETRIES, DEFAULT_TIMEOUT, MAX_RETRIES
from ..errors import InputError

#: --timeout's range: long enough to connect on a slow link, short of
#: what urllib3 can turn into a deadline.
TIMEOUT_RANGE = (0.05, 3600.0)

#: --retries' range; every try of a document is within its time budget.
RETRIES_RANGE = (0, MAX_RETRIES)

#: pip's secure origins besides https: this machine.
_LOCAL_NETWORKS = ("127.0.0.0/8", "::1/128")


@dataclass(frozen=True)
class NetOptions:
    """How piwcheck reaches indexes, as pip's settings say."""

    #: A CA bundle (file or folder) instead of the default ones.
    cert: Optional[str] = None
    #: One PEM file with the client's key and certificate.
    client_cert: Optional[str] = None
    #: host or host:port pairs reached without TLS verification, and
    #: whose http:// indexes are read.
    trusted_hosts: Tuple[str, ...] = ()
    #: Every request goes through it; proxy variables are then ignored.
    proxy: Optional[str] = None
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    #: setting -> where its value came from (a file, $PIP_X, --option).
    origins: Tuple[Tuple[str, str], ...] = field(default=(), compare=False)

    def set(self, key: str, value: str, where: str,
            add: bool = False) -> "NetOptions":
        """``key`` (pip's name: cert, client-cert, trusted-host, proxy,
        timeout or default-timeout, retries) set to ``value`` from
        ``where``; ``add`` adds trusted hosts instead of replacing them,
        as a command-line option does.  Other keys change nothing;
        InputError naming ``where`` for a value pip's setting cannot
        have."""
        key = "timeout" if key == "default-timeout" else key
        if key not in ("cert", "client-cert", "trusted-host", "proxy",
                       "timeout", "retries"):
            return self
        try:
            if key == "timeout":
                changes = {"timeout": timeout_value(value)}
            elif key == "retries":
                changes = {"retries": retries_value(value)}
            elif key == "trusted-host":
                hosts = tuple(trusted_host(h) for h in value.split())
                changes = {"trusted_hosts": (self.trusted_hosts if add
                                             else ()) + hosts}
            elif key == "proxy":
                changes = {"proxy": proxy_value(value)}
            else:
                changes = {key.replace("-", "_"):
                           os.path.expanduser(value.strip()) or None}
        except ValueError as exc:
            raise InputError("{}: {} = {!r}: {}".format(where, key, value,
                                                        exc))
        origins = dict(self.origins)
        origins[key] = where
        return replace(self, origins=tuple(origins.items()), **changes)

    def checked(self) -> "NetOptions":
        """These settings, once the files they name are there;
        InputError naming where a missing one was given."""
        origins = dict(self.origins)
        for key, path, folder in (("cert", self.cert, True),
                                  ("client-cert", self.client_cert, False)):
            if path is None or os.path.isfile(path) or (
                    folder and os.path.isdir(path)):
                continue
            where = origins.get(key, "--" + key)
            raise InputError("{} {}: no such file{}".format(
                where if where.startswith("--") else "{}: {} =".format(
                    where, key), path, " or folder" if folder else ""))
        return self

    def is_trusted(self, host: Optional[str], port: Optional[int]) -> bool:
        """Whether ``host`` (and ``port``) is a trusted host: its name
        alone, or with this port."""
        if not host:
            return False
        host = host.lower()
        for entry in self.trusted_hosts:
            name, entry_port = split_host(entry)
            if name == host and entry_port in (None, port):
                return True
        return False

    def reads(self, url: str) -> bool:
        """Whether pip reads an index or page at ``url``: https, this
        machine, or a trusted host (pip ignores the others, with a
        warning).  Locations that are not http:// URLs are not its
        business."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "http":
            return True
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            port = None
        return host == "localhost" or _local_address(host) or \
            self.is_trusted(host, port)


def _local_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net)
               for net in _LOCAL_NETWORKS if
               ipaddress.ip_network(net).version == address.version)


def split_host(text: str) -> Tuple[str, Optional[int]]:
    """(host, port or None) of ``host``, ``host:port``, ``[v6]:port``;
    ValueError when it is not one."""
    parts = urlsplit("//" + text.strip())
    try:
        port = parts.port
    except ValueError:
        raise ValueError("not a host or host:port")
    if not parts.hostname or parts.path or parts.query or \
            parts.fragment or "@" in text:
        raise ValueError("not a host or host:port")
    return parts.hostname.lower(), port


def trusted_host(text: str) -> str:
    """A --trusted-host value, checked."""
    split_host(text)
    return text.strip()


def timeout_value(text: str) -> float:
    """Finite seconds within TIMEOUT_RANGE; ValueError saying why not."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError("not a number of seconds")
    low, high = TIMEOUT_RANGE
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError("give seconds from {:g} to {:g}".format(low, high))
    return value


def retries_value(text: str) -> int:
    """A whole number within RETRIES_RANGE; ValueError saying why
    not."""
    low, high = RETRIES_RANGE
    text = str(text).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6 or \
            not low <= int(text) <= high:
        raise ValueError("give a whole number from {} to {}".format(
            low, high))
    return int(text)


def proxy_value(text: str) -> Optional[str]:
    """A proxy URL (``http://`` assumed when it names none, as requests
    does); None for an empty one; ValueError when it is not one."""
    text = text.strip()
    if not text:
        return None
    url = text if "://" in text else "http://" + text
    parts = urlsplit(url)
    try:
        parts.port
    except ValueError:
        raise ValueError("the port is not a number")
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("expected an http:// or https:// proxy")
    if not parts.hostname or parts.path not in ("", "/") or \
            any(c.isspace() for c in url):
        raise ValueError("expected scheme://[user:password@]host:port")
    return url
