"""The post-deploy watch: the runbook's alerts over the 15 minutes after a deploy, and its key metrics."""

import pytest

from drillbook.watch.drill import run_watch_drill, verdict

pytestmark = pytest.mark.watch


@pytest.mark.runbook("high-error-rate")
def test_post_deploy_watch_holds_the_runbook_thresholds(drill_env, http, watch_settings, thresholds, show_progress):
    result = run_watch_drill(drill_env, http, watch_settings, thresholds, show_progress)
    failure = verdict(result, watch_settings.allow_inconclusive)
    if failure:
        raise failure
