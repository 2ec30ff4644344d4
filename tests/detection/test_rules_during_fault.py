"""On the sandbox: when the runbook's own rules, on its metrics during the fault, would have fired."""

from __future__ import annotations

import time

from drillbook.config.environments import load_environment
from drillbook.detection.drill import NOT_CHECKED_LOCALLY, watch_for
from drillbook.runtime.progress import Progress

ALERTS = "[alerts]\nlocal_window_s = 1\n"


def run(detection, fault_s: float = 2.5):
    detection.fault_started(time.time())
    time.sleep(fault_s)
    detection.fault_ending(time.time())
    return detection.finish(Progress())


def test_an_injected_error_fault_says_when_the_error_rate_rule_would_have_fired(sandbox, faults, env_file):
    env = load_environment(path=env_file(ALERTS, base_url=sandbox.url))
    detection = watch_for(env, "cosmos-outage", rps=20, min_requests=5)
    faults.inject("/api/shards", status=500, error_rate=1.0, ttl_s=60)
    result = run(detection)
    assert result.findings == [] and result.checked == "not checked (sandbox)"
    assert result.lines[0] == f"alerts: {NOT_CHECKED_LOCALLY}; drillbook's own rules on the sandbox's metrics:"
    [rule] = result.rules
    assert rule["alert"] == "api_error_rate" and rule["window_s"] == 1
    assert 1 <= rule["would_fire_after_s"] <= 2.5, rule
    assert "api_error_rate (API error rate > 5 %, its 300 s window compressed to 1 s) would have fired" in \
           result.lines[1]


def test_without_the_fault_the_rule_would_not_have_fired_and_shows_what_it_measured(sandbox, faults, env_file):
    env = load_environment(path=env_file(ALERTS, base_url=sandbox.url))
    result = run(watch_for(env, "cosmos-outage", rps=20, min_requests=5))
    assert result.rules[0]["would_fire_after_s"] is None
    assert "would not have fired during the fault: worst 0 %" in result.lines[1]


def test_a_drill_that_expects_no_alert_says_why(sandbox, env_file):
    env = load_environment(path=env_file(base_url=sandbox.url))
    result = run(watch_for(env, "redis-hang", rps=5, min_requests=5), fault_s=0)
    assert result.lines == ["alerts: none expected of redis-hang, because reads fall back to Cosmos DB, and no alert "
                            "of the runbook's table watches cache availability (readiness reports it)"]
    assert result.figures()["checked"] == "none expected"


def test_on_staging_a_drill_reads_the_alerts_of_its_azure_resources_and_a_redis_drill_reads_none(monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
    env = load_environment("staging")
    detection = watch_for(env, "service-down", rps=5, min_requests=5)
    assert detection.rules.client_side  # the signal from drillbook's probes: Azure Monitor is not queried per tick
    where = detection.azure.where
    assert (where.resource_group, "app-castiel-api-staging" in where.resources) == ("rg-castiel-staging", True)
    assert watch_for(env, "redis-outage", rps=5, min_requests=5).azure is None  # it expects no alert
    local = watch_for(load_environment("local"), "service-down", rps=5, min_requests=5)
    assert local.azure is None and not local.rules.client_side  # the sandbox's own metrics


def test_an_azure_tier_without_a_resource_group_is_one_line_naming_the_key(tmp_path, monkeypatch):
    import pytest

    from drillbook.errors import ConfigError

    path = tmp_path / "bare.toml"
    path.write_text('[target]\ntier = "staging"\nbase_url = "https://api-staging.castiel.com"\n'
                    '[azure]\nsubscription_id = "00000000-0000-0000-0000-000000000000"\n')
    with pytest.raises(ConfigError, match=r"^bare.toml: \[azure\] needs resource_group for this Azure drill"):
        watch_for(load_environment(path=path), "service-down", rps=5, min_requests=5)


def test_an_unreadable_metrics_source_is_counted_and_said_never_read_as_calm(env_file):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket closes
    env = load_environment(path=env_file(ALERTS, base_url=f"http://127.0.0.1:{port}"))
    result = run(watch_for(env, "cosmos-outage", rps=5, min_requests=5), fault_s=1.5)
    [rule] = result.rules
    assert rule["would_fire_after_s"] is None and rule["measured"].startswith("no data ("), rule
    assert "would not have fired during the fault: no data (" in result.lines[1]
    assert " ticks unreadable" in result.lines[1] and "worst" not in result.lines[1], result.lines[1]
