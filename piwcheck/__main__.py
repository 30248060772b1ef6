# SPDX-License-Identifier: BSD-3-Clause
"""``python3 -m piwcheck``."""

import sys

from .cli import main

sys.exit(main())
