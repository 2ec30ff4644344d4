"""``[dr]``: which container the backup/restore drill copies, and its recovery targets."""

from __future__ import annotations

from drillbook.config import schema
from drillbook.config.schema import Field

schema.register_section("dr", {  # backup/restore drills
    "container": Field(schema.to_str, "shards", '"shards"'),  # the live container backed up (read only)
    "max_documents": Field(schema.to_positive, 5000.0, "5000"),  # the export stops here (a drill, not a migration)
    "rto_s": Field(schema.to_positive, 3600.0, "3600"),  # objective: restore started -> verified restore
    "rpo_s": Field(schema.to_number, 900.0, "900"),  # objective: newest live write - newest restored write
    "seed_documents": Field(schema.to_number, 20.0, "20"),  # local tier only: shards created when it is empty
    # Azure tier: the Cosmos account's backup policy, and the point-in-time restore into a new account
    "backup_policy": Field(schema.one_of("continuous", "periodic"), "continuous", '"continuous"'),
    "min_retention_h": Field(schema.to_positive, 168.0, "168"),  # backups kept at least this long (7 days)
    "restore_point_age_s": Field(schema.to_positive, 600.0, "600"),  # restore to this long before the drill
    "poll_interval_s": Field(schema.to_positive, 30.0, "30"),  # how often the restore's progress is read
})
