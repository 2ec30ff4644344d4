"""``[notify]``: the run's one-paragraph summary to an incoming webhook (Teams or Slack)."""

from __future__ import annotations

from drillbook.config.model import Positive, Reference, Section, setting


class NotifySection(Section):
    """The webhook the summary is posted to, by reference, and how long the post may take."""

    webhook: Reference | None = setting(None, '{ env = "CASTIEL_DRILL_WEBHOOK" }',
                                        "the incoming webhook's URL (it holds a secret); unset: no summary is sent")
    timeout_s: Positive = setting(5.0, "5", "the post's whole exchange")
