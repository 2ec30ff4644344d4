"""The rollback drills: swap the slot into production and back, each flip of /health timed against the objective;
and the configuration rollback: change an app setting, restart, verify, revert, restart, verify.

    pytest -m rollback --env staging                      # [safety] allow_destructive = true on staging
    pytest -m rollback --env production --approve CHG-123

Whatever happens, the drill leaves production serving the version it found:
if production serves another one at the end, it swaps once more and says so.
The drills' logic is ``drillbook.gates`` (``gates/_rollback_drill.py``).
"""

from __future__ import annotations

import pytest

from drillbook import gates

pytestmark = [pytest.mark.rollback, pytest.mark.destructive, pytest.mark.runbook("rollback")]


def test_swap_and_swap_back_each_flip_the_version_within_the_objective(http, slot_http, slots, slot_settings,
                                                                       rollback_record):
    gates.run_swap_drill(http, slot_http, slots, slot_settings, rollback_record)


def test_a_configuration_change_and_its_revert_each_restart_healthy(http, slots, slot_settings, record_store,
                                                                     drill_holder, rollback_record):
    gates.run_config_drill(http, slots, slot_settings, record_store, drill_holder, rollback_record)
