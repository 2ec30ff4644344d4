"""``[dr]``: which container the backup/restore drill copies, and its recovery targets."""

from __future__ import annotations

from drillbook import schema
from drillbook.schema import Field

schema.register_section("dr", {  # backup/restore drills
    "container": Field(schema.to_str, "shards", '"shards"'),  # the live container backed up (read only)
    "max_documents": Field(schema.to_positive, 5000.0, "5000"),  # the export stops here (a drill, not a migration)
    "rto_s": Field(schema.to_positive, 3600.0, "3600"),  # restore started -> verified restore
    "rpo_s": Field(schema.to_number, 900.0, "900"),  # newest live write - newest restored write
    "seed_documents": Field(schema.to_number, 20.0, "20"),  # local tier only: shards created when it is empty
})
