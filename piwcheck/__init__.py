# SPDX-License-Identifier: BSD-3-Clause
"""piwcheck: which piwheels wheel pip would take, and the apt packages it
needs.  Data flows one way: target -> piwheels -> select -> apt -> report."""

#: The piwheels site, as pip.conf on Raspberry Pi OS names it.
DEFAULT_INDEX_URL = "https://www.piwheels.org"
#: Seconds to wait to connect, and between bytes of an answer.
DEFAULT_TIMEOUT = 10.0
