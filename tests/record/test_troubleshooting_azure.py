"""The troubleshooting on Azure: App Insights and Azure Monitor read by the real SDK clients from recorded answers."""

import json
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback import FakeCredential, LoopbackServer, LoopbackTransport, loopback_only, reply_json  # noqa: F401 (autouse)

from drillbook.troubleshooting import run as troubleshooting
from drillbook.config.environments import load_environment

RECORDINGS = Path(__file__).parent / "recordings"
START = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc).timestamp()
END = START + 300
ENV = """
[target]
tier = "production"
base_url = "https://127.0.0.1:9"

[metrics]
source = "azure-monitor"

[azure]
subscription_id = "00000000-0000-0000-0000-0000000c4571"
resource_group = "rg-castiel-prod"
location = "westeurope"
app_insights = "app-castiel-api-prod"
cosmos_account = "cosmos-castiel-prod"
"""


@pytest.fixture
def azure_env(tmp_path):
    path = tmp_path / "castiel-azure.toml"
    path.write_text(ENV)
    return load_environment(path=path)


class RecordedArm(LoopbackServer):
    """Azure Resource Manager on loopback: GET of the Cosmos account answers ``account`` (status, body)."""

    def __init__(self) -> None:
        self.account: tuple[int, dict] = (200, json.loads((RECORDINGS / "cosmos_account.json").read_text()))
        self.seen: list[tuple[str, str]] = []
        arm = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                arm.seen.append((self.path, self.headers.get("X-Cloud-Host", "")))
                status, body = arm.account if "/databaseAccounts/" in self.path else (404, {})
                reply_json(self, status, body)

            def log_message(self, *args: object) -> None:
                """Quiet: the test asserts on ``seen``."""

        super().__init__(Handler)


class Shared(LoopbackTransport):
    """One transport for every client of the steps (they run side by side): ARM calls to ``arm``, the rest to
    ``azure``. A client's close leaves it open; in a real run each client has a transport of its own."""

    def __init__(self, azure_port: int, arm_port: int | None) -> None:
        super().__init__(azure_port)
        self._arm = LoopbackTransport(arm_port) if arm_port else None

    def send(self, request, **kwargs):
        if self._arm is not None and "management.azure.com" in request.url:
            return self._arm.send(request, **kwargs)
        return super().send(request, **kwargs)

    def __exit__(self, *exc: object) -> None:
        """Kept open for the other steps' clients."""

    def close(self) -> None:
        """Kept open for the other steps' clients."""


@pytest.fixture
def arm():
    with RecordedArm() as server:
        yield server


def troubleshoot(azure, env, *sections, step_timeout_s=10.0, arm=None):
    transport = Shared(azure.port, arm.port if arm else None)
    limits = troubleshooting.Limits(step_timeout_s, 20.0, {"credential": FakeCredential(), "transport": transport})
    return troubleshooting.findings(troubleshooting.Trouble("watch", sections, START, END), env, limits)


def test_a_high_error_rate_reads_the_top_exceptions_and_failing_operations_from_app_insights(azure, azure_env):
    azure.answer("logs", str(RECORDINGS / "app_insights_errors.json"))
    found = troubleshoot(azure, azure_env, "critical-flows")["exceptions and failing operations (App Insights)"]
    assert found["exceptions by type"][0] == {"type": "Microsoft.Azure.Cosmos.CosmosException", "count": 412}
    assert found["failing operations"][0] == {"operation": "GET /api/shards/{id}", "result_code": "503", "count": 388}
    assert found["source"] == "Application Insights app-castiel-api-prod, 2026-11-20 10:00:00-10:05:00 UTC"
    sent = next(seen for seen in azure.seen if seen.route == "logs")
    assert sent.path.endswith("/Microsoft.Insights/components/app-castiel-api-prod/query")
    query = sent.body["query"]
    assert "exceptions\n   | where timestamp >= t0 and timestamp < t1" in query
    assert "summarize count = sum(itemCount) by name = tostring(type)\n   | top 5 by count" in query
    assert "requests\n   | where timestamp >= t0 and timestamp < t1 and success == false" in query
    assert "by name = name, code = tostring(resultCode)" in query
    assert "let t0 = datetime(2026-11-20T10:00:00.000000Z);" in query


def test_an_app_insights_window_without_rows_says_no_data_not_no_errors(azure, azure_env):
    azure.answer("logs", str(RECORDINGS / "app_insights_no_rows.json"))
    found = troubleshoot(azure, azure_env, "critical-flows")["exceptions and failing operations (App Insights)"]
    assert found["exceptions by type"] == [] and found["failing operations"] == []
    assert found["note"].startswith("no data: no exceptions and no failed requests in the window")


def test_database_trouble_reads_the_cosmos_account_status_from_resource_manager(azure, azure_env, arm):
    found = troubleshoot(azure, azure_env, "database-connection", arm=arm)["cosmos account (Azure Resource Manager)"]
    assert found["provisioning_state"] == "Updating" and found["source"] == \
        "az cosmosdb show -n cosmos-castiel-prod -g rg-castiel-prod"
    assert found["write_regions"] == ["West Europe"] and found["read_regions"] == ["West Europe", "North Europe"]
    assert found["automatic_failover"] is False and found["ip_rules"] == 2
    [(path, host)] = arm.seen
    assert host == "management.azure.com" and path.startswith(
        "/subscriptions/00000000-0000-0000-0000-0000000c4571/resourceGroups/rg-castiel-prod/providers/"
        "Microsoft.DocumentDB/databaseAccounts/cosmos-castiel-prod?api-version=")


def test_a_resource_manager_that_refuses_is_a_step_that_could_not_run(azure, azure_env, arm):
    arm.account = (403, {"error": {"code": "AuthorizationFailed", "message": "no read on the account"}})
    found = troubleshoot(azure, azure_env, "database-capacity", arm=arm)
    step = found["cosmos account (Azure Resource Manager)"]
    assert step.startswith("troubleshooting step cosmos account (Azure Resource Manager) could not run: ")
    assert "403" in step and "Reader on rg-castiel-prod" in step
    assert isinstance(found["cosmos requests by status (Azure Monitor)"], dict)  # the other step still read


def test_database_trouble_reads_the_cosmos_requests_by_status_and_the_throttled_share(azure, azure_env):
    azure.answer("metrics/Microsoft.DocumentDB/databaseAccounts", str(RECORDINGS / "cosmos_requests_by_status.json"))
    found = troubleshoot(azure, azure_env, "database-capacity")["cosmos requests by status (Azure Monitor)"]
    assert found["throttled_429"] == 290 and found["requests"] == 4450 + 290 + 25
    assert found["by_status"] == {"200": 4450, "404": 25, "429": 290} and found["throttled_pct"] == 6.09
    sent = next(seen for seen in azure.seen if seen.route.startswith("metrics/"))
    assert sent.query["metricnames"] == "TotalRequests" and sent.query["aggregation"] == "Count"
    assert sent.query["filter"] == "StatusCode eq '*'"
    assert sent.body["resourceids"][0].endswith("/databaseAccounts/cosmos-castiel-prod")


def test_an_app_insights_that_refuses_is_a_step_that_could_not_run_with_the_role_to_grant(azure, azure_env):
    azure.answer("logs", "logs/forbidden.json")
    found = troubleshoot(azure, azure_env, "high-error-rate")
    step = found["exceptions and failing operations (App Insights)"]
    assert step.startswith("troubleshooting step exceptions and failing operations (App Insights) could not run: ")
    assert "403" in step and "Monitoring Reader on rg-castiel-prod" in step
    assert step in found["could not run"]


def test_an_app_insights_that_hangs_is_left_behind_at_the_step_timeout(azure, azure_env):
    azure.delay_s = 30
    azure.answer("logs", str(RECORDINGS / "app_insights_errors.json"))
    started = datetime.now().timestamp()
    found = troubleshoot(azure, azure_env, "critical-flows", step_timeout_s=1.5)
    assert datetime.now().timestamp() - started < 10
    assert " could not run: " in found["exceptions and failing operations (App Insights)"]


def test_no_request_points_for_cosmos_is_no_data_never_zero_throttled(azure, azure_env):
    azure.answer("metrics/Microsoft.DocumentDB/databaseAccounts", "metrics/cosmos.json")  # another metric only
    found = troubleshoot(azure, azure_env, "database-capacity")["cosmos requests by status (Azure Monitor)"]
    assert found["requests"] is None and found["throttled_429"] is None
    assert found["note"].startswith("no TotalRequests points in the window")
