"""Service health: /health, /health/ready and /health/live, as the runbook's health check script intends."""

import pytest

from drillbook.components.check import call, expect_field, expect_latency, expect_status, fail, json_body, source_of
from drillbook.record.journal import VERSION_PROPERTY

pytestmark = [pytest.mark.health, pytest.mark.smoke]


@pytest.mark.runbook("service-health")
def test_health_returns_200(http):
    response = call(http, "GET", "/health", section="service-health")
    expect_status(response, 200, section="service-health")


@pytest.mark.runbook("service-health")
def test_health_body_says_healthy(http):
    response = call(http, "GET", "/health", section="service-health")
    body = json_body(response, section="service-health")
    expect_field(response, body, "status", "healthy", section="service-health")


@pytest.mark.runbook("slow-response-times")
def test_health_answers_within_budget(http, budgets):
    response = call(http, "GET", "/health", section="slow-response-times")
    expect_latency(response, budgets.health_latency_ms, section="slow-response-times")


@pytest.mark.runbook("deployment-verification")
def test_health_reports_expected_version(http, expected_version, record_property):
    response = call(http, "GET", "/health", section="deployment-verification")
    body = json_body(response, section="deployment-verification")
    version = body.get("version")
    if not version:
        fail("deployment-verification", "GET /health reports no version", source=source_of(response))
    record_property(VERSION_PROPERTY, str(version))  # the journal says which build this run drilled
    if expected_version and version != expected_version:
        fail("deployment-verification", f"GET /health reports version {version} (expected {expected_version})",
             source=source_of(response))


@pytest.mark.runbook("dependency-readiness")
def test_ready_reports_each_dependency_up(http, drill_env):
    expected = drill_env.config.health.dependencies
    response = call(http, "GET", "/health/ready", section="dependency-readiness")
    body = json_body(response, section="dependency-readiness")
    dependencies = body.get("dependencies")
    if not isinstance(dependencies, dict) or not dependencies:
        fail("dependency-readiness", f"GET /health/ready ({response.status_code}) lists no dependencies",
             source=source_of(response))
    missing = [name for name in expected if name not in dependencies]
    down = {name: dep for name, dep in dependencies.items() if not _is_up(dep)}
    if missing or down:
        listed = [f"{name} is missing (expected: {', '.join(expected)})" for name in missing]
        listed += [f"{name} is {_state(dep)}" for name, dep in sorted(down.items())]
        fail("dependency-readiness", f"GET /health/ready ({response.status_code}): {'; '.join(listed)}",
             source=source_of(response))
    expect_status(response, 200, section="dependency-readiness")


@pytest.mark.runbook("service-health")
def test_live_returns_200(http):
    response = call(http, "GET", "/health/live", section="service-health")
    expect_status(response, 200, section="service-health")


def _is_up(dependency) -> bool:
    return isinstance(dependency, dict) and dependency.get("status") in ("up", "healthy", "ok")


def _state(dependency) -> str:
    if not isinstance(dependency, dict):
        return f"unknown ({dependency!r})"
    error = dependency.get("error")
    return f"{dependency.get('status', 'unknown')}" + (f" ({error})" if error else "")
