"""The quarterly load drill: Castiel's critical flows under load, judged by the runbook's alert rules."""

import pytest

from drillbook.errors import TargetError
from drillbook.findings import Finding, failing
from drillbook.record.journal import RECORD_PROPERTY
from drillbook.load import journal_line, run_load_drill, verdict

pytestmark = [pytest.mark.load, pytest.mark.destructive]


@pytest.mark.runbook("slow-response-times")
def test_critical_flows_hold_the_runbook_thresholds_under_load(drill_env, load_settings, thresholds, show_progress,
                                                               record_property, monitored, load_alerts):
    try:  # on Azure: nobody paged, the charts marked, the fired alerts read from the load's start
        with monitored("load", load_settings.duration_s) as marks, load_alerts() as alerts:
            marks.phase("fault", f"load: {load_settings.describe()}")
            try:
                run = run_load_drill(drill_env, load_settings, thresholds, show_progress)
            finally:
                marks.phase("revert", "load stopped")
            found = alerts.finish(run)  # each breach's expected alert, waited for while notifications are held
    except TargetError as exc:  # a ConfigError (e.g. Azure refused the identity) is no outcome: it propagates
        raise failing(str(exc), Finding("unreachable", None, str(exc))) from None
    record_property(RECORD_PROPERTY, journal_line(run))
    failure = verdict(run, found.findings)
    if failure:
        raise failure
