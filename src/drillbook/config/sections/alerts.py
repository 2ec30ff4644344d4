"""``[alerts]``: how long a drill waits for the runbook's Azure Monitor alerts to fire, how often it looks, and
whether their notifications are held meanwhile."""

from __future__ import annotations

from drillbook.config.model import Flag, Number, Positive, Section, setting


class AlertsSection(Section):
    """When an expected alert counts as missed, how often fired alerts are read, and the sandbox's rule window."""

    evaluation_frequency_s: Positive = setting(60.0, "60", "how often the alert rules are evaluated (Azure "
                                                           "Monitor's PT1M): an alert may fire this long after its "
                                                           "window breaches")
    grace_s: Number = setting(120.0, "120", "beyond the rule's window and evaluation frequency, before an expected "
                                            "alert that has not fired fails the drill")
    poll_s: Positive = setting(30.0, "30", "how often the fired alerts are read from Azure Resource Manager")
    local_window_s: Positive = setting(2.0, "2", "the sandbox: each runbook rule's window, compressed to this, when "
                                                 "telling when it would have fired during the fault")
    hold_notifications: Flag = setting(
        True, "false", "hold the action groups' notifications (pages, mails) on the drill's resources while a chaos "
                       "or load drill runs, through an alert processing rule that expires on its own; false: the "
                       "drill pages the on-call as a real incident would")
