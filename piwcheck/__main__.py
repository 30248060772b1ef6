# SPDX-License-Identifier: BSD-3-Clause
"""``python3 -m piwcheck``.  Ctrl-C while Python imports piwcheck ends
the run as Ctrl-C during it does: no traceback, exit status 130."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:
    try:
        sys.stderr.write("piwcheck: interrupted\n")
    except (AttributeError, OSError):  # stderr closed
        pass
    sys.exit(130)

sys.exit(main())
