"""load/azure-load-test.yaml, the Azure Load Testing config teams start from their pipeline, says what the runbook says."""

import copy
from pathlib import Path

import yaml

from drillbook import runbook
from drillbook.load._azure_criteria import config_drift
from drillbook.config.sections.load import CASTIEL_REQUESTS
from drillbook.load._settings import DEFAULT_LOCUSTFILE, REPO_ROOT

CONFIG_PATH = REPO_ROOT / "load" / "azure-load-test.yaml"
CONFIG = yaml.safe_load(CONFIG_PATH.read_text())


def test_the_yaml_config_runs_the_drills_locustfile_as_a_locust_test():
    assert (CONFIG["version"], CONFIG["testType"], CONFIG["testId"]) == ("v0.1", "Locust", "drillbook-castiel-load")
    assert CONFIG_PATH.parent / CONFIG["testPlan"] == REPO_ROOT / DEFAULT_LOCUSTFILE
    assert 1 <= CONFIG["engineInstances"] <= 45


def test_the_yaml_configs_fail_criteria_and_auto_stop_are_the_runbooks():
    assert config_drift(CONFIG, runbook.threshold, CASTIEL_REQUESTS) == []


def test_a_drifted_criterion_fails_with_the_files_value_and_the_runbooks():
    drifted = copy.deepcopy(CONFIG)
    drifted["failureCriteria"][1] = "p95(response_time_ms) > 1200"
    drifted["failureCriteria"][2] = {"/api/shards/{id}": "p95(response_time_ms) > 800"}
    drifted["autoStop"]["errorPercentage"] = 90
    assert config_drift(drifted, runbook.threshold, CASTIEL_REQUESTS) == [
        "failureCriteria: 'p95(response_time_ms) > 1200' in the file, the runbook says 'p95(response_time_ms) > 1000'",
        "failureCriteria: '/api/shards/{id}: p95(response_time_ms) > 800' in the file, the runbook says "
        "'/api/shards/{id}: p95(response_time_ms) > 500'",
        "autoStop errorPercentage: 90 in the file, the runbook says 5",
    ]


def test_a_changed_runbook_limit_is_drift_too():
    stricter = config_drift(CONFIG, lambda key: runbook.threshold(key, {"api_error_rate": 3}), CASTIEL_REQUESTS)
    assert stricter == ["failureCriteria: 'percentage(error) > 5' in the file, the runbook says 'percentage(error) > 3'",
                        "autoStop errorPercentage: 5 in the file, the runbook says 3"]


def test_the_config_names_every_request_the_locustfile_sends():
    locustfile = Path(REPO_ROOT / DEFAULT_LOCUSTFILE).read_text()
    assert all(name.replace("{id}", "") in locustfile for name in CASTIEL_REQUESTS)
