"""The post-deploy watch: error rate and latency against the runbook's thresholds for 15 minutes."""

import pytest

from drillbook.watch_drill import run_watch_drill, verdict_message

pytestmark = pytest.mark.watch


@pytest.mark.runbook("high-error-rate")
def test_post_deploy_watch_holds_the_runbook_thresholds(drill_env, http, watch_settings, thresholds, show_progress):
    result = run_watch_drill(drill_env, http, watch_settings, thresholds, show_progress)
    message = verdict_message(result, watch_settings.allow_inconclusive)
    if message:
        pytest.fail(message, pytrace=False)
