# SPDX-License-Identifier: BSD-3-Clause
"""piwcheck: which file pip would take from PyPI and piwheels, and the apt
packages it needs.  Data flows one way: target -> indexes -> select ->
apt -> report."""

#: The one place the version is written: setup.cfg reads it (``attr:``),
#: and a test holds debian/changelog to it.
__version__ = "0.3.0"

#: Seconds to wait to connect, and between bytes of an answer.
DEFAULT_TIMEOUT = 10.0

#: Retries when none are configured (four tries in all), and the most.
DEFAULT_RETRIES, MAX_RETRIES = 3, 100
