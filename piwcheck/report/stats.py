# SPDX-License-Identifier: BSD-3-Clause
"""The text of the --stats report: piwheels' downloads of each name."""

from typing import Dict, List, Sequence

from ..results import Downloads
from .common import clean, did_you_mean


def render_stats_text(names: Sequence[str], found: Dict[str, Downloads],
                      suggestions: Dict[str, List[Downloads]]) -> str:
    """--stats: each name's downloads, or what it may have meant."""
    lines = []
    for name in names:
        d = found.get(name)
        if d is not None:
            lines.append("{}: {:,} downloads in the last 30 days, {:,} in "
                         "all".format(clean(name), d.last_30_days,
                                      d.all_time))
        elif suggestions.get(name):
            lines.append("{}: {}".format(clean(name),
                                         did_you_mean(suggestions[name])))
        else:
            lines.append("{}: not in piwheels' statistics".format(
                clean(name)))
    return "\n".join(lines) + "\n"
