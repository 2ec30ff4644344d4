"""The quarterly cadence: every quarterly kind of drill passed on the cadence environment within the limit."""

from datetime import datetime, timezone

import pytest

from drillbook.gates import cadence
from drillbook.errors import RecordError, StoreError
from drillbook.record.journal import JOURNAL_FILE
from drillbook.fixtures._keys import ENV_KEY

pytestmark = [pytest.mark.gate, pytest.mark.runbook("pre-deployment-checklist")]  # a gate beside the checklist


def test_quarterly_drills_are_not_overdue(pytestconfig, record_store):
    env = pytestconfig.stash[ENV_KEY]
    settings = env.config.cadence
    if not settings.enforced(env.tier):
        pytest.skip(f"cadence is not enforced on the {env.tier} tier -> set [cadence] enforce = true to check it")
    journal = record_store.locate(JOURNAL_FILE)
    runs, problem = [], None
    try:
        runs = cadence.read_runs(record_store)
    except (RecordError, StoreError) as exc:  # an unreadable record proves no cadence either way
        problem = str(exc)
    if problem:
        pytest.fail(f"cadence: {problem}", pytrace=False)  # outside except: no chained traceback
    overdue = cadence.overdue(runs, settings, datetime.now(timezone.utc))
    if overdue:
        pytest.fail(f"cadence ({journal}): " + "; ".join(overdue), pytrace=False)
