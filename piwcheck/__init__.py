# SPDX-License-Identifier: BSD-3-Clause
"""piwcheck: which piwheels wheel pip would take, and the apt packages it
needs.  Data flows one way: target -> piwheels -> select -> apt -> report."""
