"""``[dr]``: the backup/restore drill's container and its recovery objectives."""

from __future__ import annotations

from drillbook.config.model import Count, Number, Positive, Section, Text, Whole, choice, setting

BACKUP_POLICIES = ("continuous", "periodic")


class DrSection(Section):
    """Which container the drill copies, its objectives, and (Azure tiers) the backup policy and restore."""

    container: Text = setting("shards", '"shards"', "the live container backed up (read only)")
    max_documents: Count = setting(5000, "5000", "the export stops here (a drill, not a migration)")
    rto_s: Positive = setting(3600.0, "3600", "objective: restore started -> verified restore")
    rpo_s: Number = setting(900.0, "900", "objective: newest live write - newest restored write")
    seed_documents: Whole = setting(20, "20", "local tier only: shards created when the container is empty")
    backup_policy: choice(*BACKUP_POLICIES) = setting("continuous", '"continuous"',
                                                              "Azure tiers: the backup policy the account must have")
    min_retention_h: Positive = setting(168.0, "168", "Azure tiers: backups kept at least this long (7 days)")
    restore_point_age_s: Positive = setting(600.0, "600", "Azure tiers: restore to this long before the drill")
    poll_interval_s: Positive = setting(30.0, "30", "Azure tiers: how often the restore's progress is read")
