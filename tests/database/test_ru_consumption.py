"""RU consumption from the REAL azure-monitor source (real SDK clients) against recorded Azure answers on loopback."""

from datetime import datetime, timezone
from pathlib import Path

import pytest
from loopback import FakeCredential, loopback_only  # noqa: F401 (autouse: guards each test)

from drillbook.components.database import check_ru, ru_not_applicable
from drillbook.config.environments import load_environment
from drillbook.metrics import create_source
from drillbook.runbook import threshold

RECORDINGS = Path(__file__).parent / "recordings"
COSMOS_ROUTE = "metrics/Microsoft.DocumentDB/databaseAccounts"
START = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc).timestamp()
NOW = START + 300  # the cosmos_ru window: 5 min
ENVIRONMENT = """
[target]
tier = "production"
base_url = "https://api.castiel.com"

[metrics]
source = "azure-monitor"

[azure]
subscription_id = { env = "DRILLBOOK_TEST_SUBSCRIPTION" }
resource_group = "rg-castiel-prod"
app_insights = "app-castiel-api-prod"
cosmos_account = "cosmos-castiel-prod"
location = "westeurope"
"""


@pytest.fixture
def source(azure, tmp_path, monkeypatch):
    monkeypatch.setenv("DRILLBOOK_TEST_SUBSCRIPTION", "00000000-0000-0000-0000-0000000c4571")
    path = tmp_path / "castiel-prod.toml"
    path.write_text(ENVIRONMENT)
    made = create_source(load_environment(path=path), credential=FakeCredential(), transport=azure.transport(),
                         retry_total=0)
    yield made
    made.close()


def answer_ru(azure, name):
    azure.answer(COSMOS_ROUTE, str(RECORDINGS / f"{name}.json"))  # an absolute path wins over the recordings dir


def test_ru_at_92_percent_fails_with_value_limit_window_source_and_remedy(azure, source):
    answer_ru(azure, "cosmos_ru_92")
    with pytest.raises(pytest.fail.Exception) as caught:
        check_ru(source, threshold("cosmos_ru"), now=NOW, account="cosmos-castiel-prod")
    assert caught.value.msg == (
        "Database RU consumption 92 % of provisioned > 80 % of provisioned (mean of 5 per-minute points) "
        "(over 5 min, source: azure-monitor, NormalizedRUConsumption (maximum per minute) of cosmos-castiel-prod) "
        "-> runbook §Database capacity: scale the container's RU/s (az cosmosdb sql container throughput update); "
        "optimise the queries that consume the most RUs")
    assert caught.value.pytrace is False


def test_ru_at_40_percent_passes_and_returns_the_window_mean(azure, source):
    answer_ru(azure, "cosmos_ru_40")
    assert check_ru(source, threshold("cosmos_ru"), now=NOW) == 40.0


def test_the_limit_comes_from_the_environment_override(azure, source):
    answer_ru(azure, "cosmos_ru_92")
    assert check_ru(source, threshold("cosmos_ru", {"cosmos_ru": 95}), now=NOW) == 92.0


def test_the_metric_is_read_for_the_cosmos_account_over_the_window(azure, source):
    answer_ru(azure, "cosmos_ru_40")
    check_ru(source, threshold("cosmos_ru"), now=NOW)
    asked = next(seen for seen in azure.seen if seen.route == COSMOS_ROUTE)
    assert asked.query["metricnames"] == "NormalizedRUConsumption" and asked.query["aggregation"] == "Maximum"
    assert (asked.query["starttime"], asked.query["endtime"]) == ("2026-11-20T10:00:00.000Z", "2026-11-20T10:05:00.000Z")
    assert asked.body["resourceids"][0].endswith("/Microsoft.DocumentDB/databaseAccounts/cosmos-castiel-prod")
    assert {seen.client for seen in azure.seen} == {"127.0.0.1"}


def test_no_ru_points_is_inconclusive_not_a_pass(azure, source):
    answer_ru(azure, "cosmos_ru_no_points")
    with pytest.raises(pytest.fail.Exception) as caught:
        check_ru(source, threshold("cosmos_ru"), now=NOW)
    assert caught.value.msg.startswith("inconclusive, and no data is not a pass: no RU consumption data in the last "
                                       "5 min (azure-monitor: no NormalizedRUConsumption points for cosmos-castiel-prod")
    assert caught.value.msg.endswith("-> rerun once the metric has data, or pass --allow-inconclusive")


def test_allowed_inconclusive_is_a_skip_with_the_reason(azure, source):
    answer_ru(azure, "cosmos_ru_no_points")
    with pytest.raises(pytest.skip.Exception, match="inconclusive \\(allowed by --allow-inconclusive\\): no RU"):
        check_ru(source, threshold("cosmos_ru"), now=NOW, allow_inconclusive=True)


def test_a_metrics_error_fails_with_the_sources_own_fix(azure, source):
    azure.answer(COSMOS_ROUTE, "metrics/forbidden.json")
    with pytest.raises(pytest.fail.Exception) as caught:
        check_ru(source, threshold("cosmos_ru"), now=NOW)
    assert caught.value.msg.startswith("cannot read RU consumption: azure-monitor: permission denied (403")
    assert "grant Monitoring Reader on rg-castiel-prod" in caught.value.msg


def test_sources_without_an_ru_metric_are_not_applicable_with_a_reason():
    assert ru_not_applicable("azure-monitor") is None
    for name in ("scrape", "probe"):
        reason = ru_not_applicable(name)
        assert reason.startswith(f"not applicable: the {name} metrics source has no Cosmos RU metric")
        assert "the local Cosmos server has no throughput API" in reason
