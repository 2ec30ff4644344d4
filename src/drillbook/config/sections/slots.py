"""``[slots]``: the rollback drill and the rollback gate."""

from __future__ import annotations

from drillbook.config.model import Positive, Section, Text, Url, setting


class SlotsSection(Section):
    """The deployment slot that swaps with production, and the objectives of swaps and restarts."""

    slot: Text = setting("staging", '"staging"', "the deployment slot that swaps with production")
    slot_url: Url | None = setting(None, '"https://app-castiel-api-prod-staging.azurewebsites.net"',
                                   "the slot's own address, for its /health; default on the sandbox: its slot route")
    swap_objective_s: Positive = setting(300.0, "300", "a swap and a swap back each flip /health within this")
    restart_objective_s: Positive = setting(300.0, "300", "a restart answers healthy within this")
    poll_interval_s: Positive = setting(1.0, "1", "how often /health is read while waiting")
