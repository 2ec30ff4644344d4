"""``[troubleshooting]``: the runbook's troubleshooting steps, run when a watch, load or chaos drill fails."""

from __future__ import annotations

from drillbook.config.model import Positive, Section, setting


class TroubleshootingSection(Section):
    """How long the troubleshooting steps may take."""

    step_timeout_s: Positive = setting(10.0, "10", "each step; one that takes longer could not run")
    budget_s: Positive = setting(20.0, "20", "all steps together (they run side by side)")
