"""The azure-monitor source: the real SDK clients against recorded Azure answers on loopback."""

import subprocess
import sys
from datetime import datetime, timezone

import pytest
from loopback import FakeCredential, NoIdentityCredential, loopback_only  # noqa: F401 (autouse: guards each test)

from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError, MetricsError, NoDataError
from drillbook.metrics import create_source

START = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc).timestamp()
END = START + 60
SUBSCRIPTION = "00000000-0000-0000-0000-0000000c4571"
AZURE_SECTION = f"""
[azure]
subscription_id = {{ env = "DRILLBOOK_TEST_SUBSCRIPTION" }}
resource_group = "rg-castiel-prod"
app_service = "app-castiel-api-prod"
app_service_plan = "asp-castiel-prod"
cosmos_account = "cosmos-castiel-prod"
redis_name = "redis-castiel-prod"
servicebus_namespace = "sb-castiel-prod"
servicebus_queue = "embedding-jobs"
app_insights = "app-castiel-api-prod"
"""
TARGET = """
[target]
tier = "production"
base_url = "https://api.castiel.com"

[metrics]
source = "azure-monitor"
"""


@pytest.fixture
def env_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DRILLBOOK_TEST_SUBSCRIPTION", SUBSCRIPTION)

    def write(extra='location = "westeurope"\n', azure_section=AZURE_SECTION):
        path = tmp_path / "castiel-test.toml"
        path.write_text(TARGET + azure_section + extra)
        return path

    return write


@pytest.fixture
def make_source(azure, env_file):
    sources = []

    def make(credential=None, extra='location = "westeurope"\n', **options):
        env = load_environment(path=env_file(extra))
        options = {"retry_total": 0, "transport": azure.transport(), **options}
        source = create_source(env, credential=credential or FakeCredential(), **options)
        sources.append(source)
        return source

    yield make
    for source in sources:
        source.close()


def test_the_source_reads_exactly_the_interval_asked_and_tells_its_ingestion_lag(make_source, azure):
    source = make_source(extra='location = "westeurope"\ningestion_lag_s = 150\n')
    reading = source.read(START, END)  # the watch waits for the lag; the source never shifts the interval
    assert (reading.start, reading.end) == (START, END) and source.lag_s == 150
    assert "let t0 = datetime(2026-11-20T10:00:00" in reading.query


# --- the watch on the azure-monitor source (issue 9, items 2 and 4) ---------------------------

def azure_watch(source, *, duration, interval, window, on_progress=None):
    from drillbook import runbook
    from drillbook.watch.loop import Watch, WatchPlan

    plan = WatchPlan.for_runbook(runbook.threshold, duration_s=duration, interval_s=interval, min_requests=20,
                                 window_s=window)
    return Watch(plan, source, on_progress=on_progress).run()


def _timespans(azure) -> list[tuple[float, float]]:
    def epoch(text):
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()

    return [tuple(epoch(t) for t in seen.body["timespan"].split("/")) for seen in azure.seen if seen.route == "logs"]


def test_the_watch_judges_the_traffic_after_the_deploy_reading_each_interval_after_the_lag(make_source, azure):
    """Windows start at the deploy, the last interval is read too: the watch runs the lag longer."""
    import time

    from drillbook.watch.report import summary

    source = make_source(extra='location = "westeurope"\ningestion_lag_s = 0.6\n')
    read_at = []
    result = azure_watch(source, duration=0.9, interval=0.3, window=0.3,
                         on_progress=lambda elapsed, r: read_at.append((time.time(), r.readings[-1].end)))
    deploy = result.started
    spans = _timespans(azure)
    assert len(spans) == 3
    assert spans[0][0] == pytest.approx(deploy, abs=1e-3)  # the first window holds no pre-deploy traffic
    assert spans[-1][1] == pytest.approx(deploy + 0.9, abs=1e-3)  # and no post-deploy interval is dropped
    assert all(at - end >= 0.6 - 0.01 for at, end in read_at), read_at  # each read once ingested
    assert result.status == "pass" and result.ended == pytest.approx(deploy + 0.9)
    assert "the 0.9 s after the deploy, each interval read 0.6 s after it ended (ingestion lag)" in summary(result)


def test_a_watch_whose_azure_reads_are_throttled_after_a_good_start_is_inconclusive(make_source, azure):
    """4 reads answer, the next 11 are throttled: the windows judged at the start do not make a pass."""
    def throttle_after_four(elapsed, result):
        if result.coverage.total == 4:
            azure.answer("logs", "logs/throttled.json")

    result = azure_watch(make_source(), duration=3.0, interval=0.2, window=0.6, on_progress=throttle_after_four)
    assert result.status == "inconclusive"
    assert result.coverage.describe() == "4 of 15 intervals read, 11 unreadable"
    assert len(_timespans(azure)) == 15  # asked again at every tick
    assert "throttled (429)" in result.source_errors[0]
    assert any("11 of 15 intervals unreadable" in problem for problem in result.coverage_problems)


def test_healthy_interval_reads_requests_histogram_endpoints_and_gauges(make_source):
    reading = make_source().read(START, END)
    assert (reading.source, reading.start, reading.end) == ("azure-monitor", START, END)
    assert (reading.requests, reading.status_4xx, reading.status_5xx) == (1150, 19, 5)
    assert reading.latency_buckets == every_bound({25: 370, 50: 420, 100: 240, 200: 97, 500: 20, 1000: 2,
                                                   float("inf"): 1})
    shards = reading.endpoints["GET /api/shards/{id}"]
    assert (shards.requests, shards.errors) == (946, 3)
    assert shards.latency_buckets == every_bound({25: 310, 50: 420, 100: 160, 200: 45, 500: 9, 1000: 2})
    assert reading.endpoints["POST /api/shards"].latency_buckets[float("inf")] == 1
    assert sum(reading.latency_buckets.values()) == reading.requests  # buckets are not cumulative
    assert reading.gauges == {"cpu": (41.5,), "memory": (63.0,), "cosmos_ru": (34.0,),
                              "redis_memory": (22.7,), "servicebus_queue": (12.0,)}
    assert (reading.embedding_jobs, reading.embedding_failures) == (40, 2)
    assert reading.notes == ()


def every_bound(counts: dict[float, int]) -> dict[float, int]:
    """The query's whole bucket layout (25 ms ... 30 s and +Inf), zeros where the table had no row."""
    from drillbook.metrics.azure._kql import BOUNDS_MS

    return {**dict.fromkeys((*BOUNDS_MS, float("inf")), 0), **counts}


def test_empty_buckets_the_table_leaves_out_are_zeros_so_a_slow_tail_fails_p95(make_source, azure):
    from drillbook.rules import evaluate
    from drillbook.runbook import threshold

    azure.answer("logs", "logs/slow_tail.json")  # 94 requests <= 25 ms, 6 at 1.2 s, no rows in between
    reading = make_source().read(START, END)
    shards = reading.endpoints["GET /api/shards"]
    assert shards.latency_buckets == every_bound({25: 94, 1500: 6})
    rule = threshold("api_p95").to_rule(window_s=60)
    verdict = evaluate(rule, [reading.sample_for(threshold("api_p95"), endpoint="GET /api/shards")], run_start=START)
    assert (verdict.status, verdict.first_breach.bucket) == ("fail", (1000.0, 1500.0))
    assert verdict.describe().startswith("api_p95 1083 ms > 1000 ms over 60 s window")


def test_reading_feeds_the_verdict_engine(make_source):
    from drillbook.runbook import threshold

    sample = make_source().read(START, END).sample_for(threshold("api_error_rate"))
    assert (sample.count, sample.hits) == (1150, 5)


def test_query_evidence_is_the_exact_kql_and_metric_calls_sent(make_source, azure):
    reading = make_source().read(START, END)
    logs = [seen for seen in azure.seen if seen.route == "logs"]
    assert len(logs) == 1, "one KQL query per interval"
    assert logs[0].body["query"] in reading.query
    assert logs[0].body["timespan"] == "2026-11-20T10:00:00.000Z/2026-11-20T10:01:00.000Z"
    assert "timestamp >= t0 and timestamp < t1" in logs[0].body["query"]
    assert logs[0].path.endswith("/providers/Microsoft.Insights/components/app-castiel-api-prod/query")
    batch = {seen.query["metricnamespace"]: seen for seen in azure.seen if seen.route.startswith("metrics/")}
    assert batch["Microsoft.Web/serverfarms"].query["metricnames"] == "CpuPercentage,MemoryPercentage"
    assert batch["Microsoft.Web/serverfarms"].body == {
        "resourceids": [f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-castiel-prod/providers/"
                        "Microsoft.Web/serverfarms/asp-castiel-prod"]}
    assert batch["Microsoft.ServiceBus/namespaces"].query["filter"] == "EntityName eq 'embedding-jobs'"
    for namespace, seen in batch.items():
        assert f"metricnamespace={namespace}&metricnames={seen.query['metricnames']}" in reading.query


def test_every_request_went_to_loopback_with_the_fake_token(make_source, azure):
    credential, transport = FakeCredential(), azure.transport()
    make_source(credential, transport=transport).read(START, END)
    sent = transport.sent  # the one transport both SDK clients send through
    assert azure.seen and len(sent) == len(azure.seen)
    assert all(url.startswith(f"http://127.0.0.1:{azure.port}/") for url in sent)
    assert {seen.client for seen in azure.seen} == {"127.0.0.1"}
    assert {seen.cloud_host for seen in azure.seen} == {"api.loganalytics.io", "westeurope.metrics.monitor.azure.com"}
    assert {seen.authorization for seen in azure.seen} == {f"Bearer {FakeCredential.TOKEN}"}
    assert set(credential.scopes) == {"https://api.loganalytics.io/.default",
                                      "https://metrics.monitor.azure.com/.default"}


@pytest.mark.parametrize(("route", "recording", "wait"), [
    ("logs", "logs/throttled.json", "37"),
    ("metrics/Microsoft.Web/serverfarms", "metrics/throttled.json", "12"),
])
def test_throttling_is_an_error_that_says_when_to_retry(make_source, azure, route, recording, wait):
    azure.answer(route, recording)
    error = _read_failure(make_source)
    assert "throttled (429)" in str(error) and f"retry after {wait} s or lower the watch frequency" in str(error)
    assert not isinstance(error, NoDataError)


def test_a_long_retry_after_is_reported_not_slept_through(make_source, azure):
    azure.answer("logs", "logs/throttled.json")  # Retry-After: 37 s
    with pytest.raises(MetricsError, match="throttled"):
        make_source(retry_total=3, max_retry_wait=5).read(START, END)
    assert azure.routes() == ["logs"]


@pytest.mark.parametrize(("route", "recording", "expected"), [
    ("logs", "logs/forbidden.json", "permission denied (403 InsufficientAccessError) querying Log Analytics for "
                                    "Application Insights app-castiel-api-prod"),
    ("metrics/Microsoft.Web/serverfarms", "metrics/forbidden.json",
     "permission denied (403 AuthorizationFailed) querying Azure Monitor metrics for Microsoft.Web/serverfarms "
     "asp-castiel-prod"),
])
def test_permission_denied_names_the_missing_role(make_source, azure, route, recording, expected):
    azure.answer(route, recording)
    message = str(_read_failure(make_source))
    assert expected in message
    assert "-> grant Monitoring Reader on rg-castiel-prod to the identity drillbook signs in as" in message


def test_rejected_token_says_which_identity_to_sign_in(make_source, azure):
    azure.answer("logs", "logs/unauthorized.json")
    message = str(_read_failure(make_source))
    assert "token refused (401 AuthorizationRequiredError) querying Log Analytics" in message
    assert "AZURE_TENANT_ID" in message


def test_no_identity_at_all_is_an_error_before_any_request(make_source, azure):
    message = str(_read_failure(make_source, NoIdentityCredential()))
    assert "no Azure token (CredentialUnavailableError) querying Log Analytics" in message
    assert "az login" in message and "the identity needs Monitoring Reader on rg-castiel-prod" in message
    assert azure.seen == []


def test_partial_result_is_an_error_not_data(make_source, azure):
    azure.answer("logs", "logs/partial.json")
    message = str(_read_failure(make_source))
    assert "partial result from Application Insights app-castiel-api-prod" in message
    assert "EngineError: Query result set has exceeded the internal data size limit" in message
    assert "the interval is incomplete" in message


@pytest.mark.parametrize("recording", ["logs/empty_table.json", "logs/no_requests.json"])
def test_an_interval_without_requests_is_no_data_not_zero_errors(make_source, azure, recording):
    from drillbook.rules import Evaluator
    from drillbook.runbook import threshold

    azure.answer("logs", recording)
    reading = make_source().read(START, END)
    assert reading.requests == 0 and reading.gauges["redis_memory"] == (22.7,)  # gauges are still read
    assert any("no requests recorded in Application Insights app-castiel-api-prod for 2026-11-20 10:00:00-10:01:00 "
               "UTC" in note for note in reading.notes)
    rule = threshold("api_error_rate").to_rule(window_s=60, min_count=1)
    evaluation = Evaluator(rule, run_start=START).add(reading.sample_for(threshold("api_error_rate")))
    assert evaluation.state == "no_data"  # zero requests is never read as 0 % errors


def test_missing_metric_points_are_no_data_not_zero(make_source, azure):
    azure.answer("metrics/Microsoft.Web/serverfarms", "metrics/serverfarms_no_points.json")
    reading = make_source().read(START, END)
    assert "cpu" not in reading.gauges and "memory" not in reading.gauges
    assert reading.gauges["redis_memory"] == (22.7,)
    assert any("no CpuPercentage points for asp-castiel-prod" in note for note in reading.notes)


def test_a_slow_answer_times_out_with_a_readable_error(make_source, azure):
    azure.delay_s = 1.5
    with pytest.raises(MetricsError, match=r"no answer querying Log Analytics .* within 0.3 s"):
        make_source(read_timeout=0.3).read(START, END)


def test_unconfigured_resources_leave_their_gauges_out_with_a_note(azure, env_file):
    section = "\n".join(line for line in AZURE_SECTION.splitlines()
                        if not line.startswith(("app_service_plan", "servicebus"))) + "\n"
    env = load_environment(path=env_file(azure_section=section))
    source = create_source(env, credential=FakeCredential(), transport=azure.transport(), retry_total=0)
    reading = source.read(START, END)
    source.close()
    assert set(reading.gauges) == {"cosmos_ru", "redis_memory"}
    assert any("[azure] app_service_plan is not set" in note for note in reading.notes)
    assert "metrics/Microsoft.Web/serverfarms" not in azure.routes()


def test_workspace_id_queries_the_workspace_tables(azure, env_file, monkeypatch):
    monkeypatch.setenv("CASTIEL_TEST_WORKSPACE", "5e1f0c2a-7b3d-4c8e-9f1a-2b3c4d5e6f70")
    path = env_file('location = "westeurope"\nlog_analytics_workspace_id = { env = "CASTIEL_TEST_WORKSPACE" }\n')
    source = create_source(load_environment(path=path), credential=FakeCredential(), transport=azure.transport(),
                           retry_total=0)
    assert source.read(START, END).requests == 1150
    source.close()
    logs = azure.seen[0]
    assert logs.path == "/v1/workspaces/5e1f0c2a-7b3d-4c8e-9f1a-2b3c4d5e6f70/query"
    assert "AppRequests" in logs.body["query"] and "TimeGenerated >= t0" in logs.body["query"]


def test_missing_location_is_a_config_error_that_teaches(env_file):
    env = load_environment(path=env_file(extra=""))
    with pytest.raises(ConfigError) as caught:
        create_source(env, credential=FakeCredential())
    assert str(caught.value) == (
        "castiel-test.toml: [azure] missing key 'location' -> add the region of rg-castiel-prod's resources, "
        'e.g. location = "westeurope" (or metrics_endpoint = "https://westeurope.metrics.monitor.azure.com")')


def test_importing_drillbook_metrics_does_not_import_the_azure_sdk():
    code = "import sys, drillbook.metrics; print(sorted(m for m in sys.modules if m.split('.')[0] == 'azure'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def _read_failure(make_source, credential=None) -> MetricsError:
    """The MetricsError that making a source and reading once raises, checked to show no token and no line break."""
    __tracebackhide__ = True
    with pytest.raises(MetricsError) as caught:
        make_source(credential).read(START, END)
    message = str(caught.value)
    assert FakeCredential.TOKEN not in message and "Bearer" not in message
    assert "\n" not in message
    return caught.value


def test_missing_subscription_is_a_config_error_that_teaches(env_file):
    section = AZURE_SECTION.replace('subscription_id = { env = "DRILLBOOK_TEST_SUBSCRIPTION" }\n', "")
    env = load_environment(path=env_file(azure_section=section))
    with pytest.raises(ConfigError, match=r"\[azure\] missing key 'subscription_id' \(needed by source azure-monitor\) "
                                          r'-> add it, e.g. subscription_id = \{ env = "AZURE_SUBSCRIPTION_ID" \}'):
        create_source(env, credential=FakeCredential())
