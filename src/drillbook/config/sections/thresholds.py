"""``[thresholds]``: an environment's overrides of the runbook's limits, one key per threshold of the catalogue.

The keys come from ``drillbook.runbook.THRESHOLDS``, so a threshold added there is a key here too.
"""

from __future__ import annotations

from pydantic import create_model

from drillbook.config.model import Number, Section, setting
from drillbook.runbook import THRESHOLDS


class _Overrides(Section):
    """Limits that differ from the runbook's on this target; unset keys keep the runbook's."""

    def overrides(self) -> dict[str, float]:
        """The limits this file sets, by threshold key."""
        return {key: value for key, value in self if value is not None}


ThresholdsSection = create_model(
    "ThresholdsSection", __base__=_Overrides, __module__=__name__, __doc__=_Overrides.__doc__,
    **{key: (Number | None, setting(None, f"{entry.limit:g}", f"override: {entry.describe()}"))
       for key, entry in THRESHOLDS.items()},
)
