"""The post-deploy watch: the runbook's alerts over the 15 minutes after a deploy, and its key metrics."""

import pytest

pytestmark = pytest.mark.watch


@pytest.mark.runbook("high-error-rate")
def test_post_deploy_watch_holds_the_runbook_thresholds(drill_env, http, watch_settings, thresholds, show_progress):
    from drillbook.watch.drill import run_watch_drill, verdict  # here: a run that selects no watch never loads it

    result = run_watch_drill(drill_env, http, watch_settings, thresholds, show_progress)
    failure = verdict(result, watch_settings.allow_inconclusive)
    if failure:
        raise failure
