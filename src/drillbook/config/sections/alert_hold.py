"""``[alerts] hold_notifications``: whether a drill on an Azure tier holds the alerts' notifications meanwhile.

Kept apart from the rest of ``[alerts]`` (expected alerts, time to detect) so that each feature owns its keys;
``AlertsSection`` takes these keys by inheriting ``AlertHoldSection``.
"""

from __future__ import annotations

from drillbook.config.model import Flag, Section, setting


class AlertHoldSection(Section):
    """Azure Monitor during a drill: alerts still fire and are recorded; their notifications are held or not."""

    hold_notifications: Flag = setting(
        True, "false", "hold the action groups' notifications (pages, mails) on the drill's resources while a chaos "
                       "or load drill runs, through an alert processing rule that expires on its own; false: the "
                       "drill pages the on-call as a real incident would")
