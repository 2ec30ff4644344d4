"""``[cadence]``: the gate that fails when a quarterly drill is overdue."""

from __future__ import annotations

from drillbook.config.model import Flag, Positive, Section, Text, TextList, setting


class CadenceSection(Section):
    """Where the quarterly drills must have passed, which kinds, and how long ago at most."""

    enforce: Flag | None = setting(None, "true", "judge the cadence; unset: on staging and production, not local")
    environment: Text = setting("staging", '"staging"', "where the quarterly drills must run")
    kinds: TextList = setting(("load", "chaos", "dr", "rollback"), '["load", "chaos", "dr"]',
                              "the kinds of drill that must have passed")
    max_age_days: Positive = setting(90.0, "90", "the oldest passing drill that still counts")

    def enforced(self, tier: str) -> bool:
        """Whether the cadence gate judges on this tier: as configured, else everywhere but the local sandbox."""
        return self.enforce if self.enforce is not None else tier != "local"
