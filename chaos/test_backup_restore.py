"""Disaster recovery: back up a container, restore it into a scratch container, verify it, time it.

Run it with ``pytest -m dr``; destructive (it creates and deletes a scratch container), so refused
on production without ``[safety] allow_destructive`` and ``--approve``.
"""

import pytest

from drillbook.record.journal import record_target_version

pytestmark = [pytest.mark.dr, pytest.mark.destructive]


@pytest.mark.runbook("backup-restore")
def test_restore_is_complete_and_within_rto_and_rpo(dr_drill, http, record_property):
    record_target_version(http, record_property)  # the migration gate asks for a passing DR drill of this build
    dr_drill()
