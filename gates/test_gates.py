"""The runbook's pre-deployment checklist as gates: each item reads the evidence the release manifest names.

    pytest -m gate --env staging --release release.toml
"""

from __future__ import annotations

import pytest

from drillbook import gates, runbook
from drillbook.components.check import fail
from drillbook.errors import DrillbookError

SECTION = "pre-deployment-checklist"
pytestmark = [pytest.mark.gate, pytest.mark.runbook(SECTION)]


def test_all_tests_passed(release):
    findings = [finding for finding in map(gates.junit_finding, release.junit_files) if finding]
    if findings:
        more = f" (and {len(findings) - 1} more files)" if len(findings) > 1 else ""
        fail(SECTION, f"all tests passing: {findings[0]}{more}", source=", ".join(map(str, release.junit_files)))


def test_code_review_approved(release):
    finding = gates.review_finding(release.review_file)
    if finding:
        fail(SECTION, f"code review approved: {finding}", source=str(release.review_file))


def test_database_migrations_tested(release, record_store):
    store, journal = gates.journal_source(release.journal_file, record_store)
    finding = gates.migration_finding(store, journal, version=release.version,
                                      environment=release.migration_environment)
    if finding:
        fail(SECTION, f"database migrations tested: {finding}", source=store.locate(journal))


def test_environment_variables_documented(release, slots):
    if not release.required_settings:
        fail(SECTION, "environment variables documented: [settings] required lists no setting; "
                      "name every setting the release needs", source=str(release.path))
    try:
        present = set(slots.setting_names())
    except DrillbookError as exc:
        fail(SECTION, f"environment variables documented: cannot list the app settings: {exc}",
             source=slots.settings_source)
    missing = [name for name in release.required_settings if name not in present]
    if missing:
        fail(SECTION, f"environment variables documented: {len(missing)} setting(s) the release needs are missing: "
                      f"{', '.join(missing)} ({len(present)} settings present, names only); add them to the app "
                      "settings before the swap", source=slots.settings_source)


def test_rollback_plan_prepared(release, http, slot_http, slot_settings):
    slot = slot_settings.slot
    live = gates.live_version(http)
    standby, seen = gates.read_health(slot_http)
    if standby is None:
        fail(SECTION, f"rollback plan prepared: slot {slot} is not healthy: its /health gave {seen}",
             source=gates.health_url(slot_http))
    if release.previous_version not in (live, standby):
        fail(SECTION, f"rollback plan prepared: the previous version {release.previous_version} is served by "
                      f"neither production ({live}) nor slot {slot} ({standby}); nothing to swap back to",
             source=f"{gates.health_url(http)}, {gates.health_url(slot_http)}")


def test_monitoring_alert_rules_match_the_runbook(drill_env, thresholds):
    if drill_env.tier == "local":
        pytest.skip("the sandbox has no Azure Monitor alert rules; this gate judges staging and production")
    azure = drill_env.config.azure
    source = f"Azure Monitor metric alerts in {azure.resource_group}"
    if not (azure.subscription_id and azure.resource_group):
        fail(SECTION, f"monitoring alert rules: {drill_env.path.name} [azure] needs subscription_id and "
                      "resource_group to read them", source=source)
    try:
        rules = gates.read_alert_rules(_subscription(drill_env), azure.resource_group)
    except DrillbookError as exc:
        fail(SECTION, f"monitoring alert rules: cannot read them: {exc}", source=source)
    keys = [key for key, entry in runbook.THRESHOLDS.items() if entry.alert]
    findings = gates.alert_rule_findings(rules, {key: thresholds(key) for key in keys})
    if findings:
        fail(SECTION, f"monitoring alert rules: {len(findings)} differ from the runbook: {'; '.join(findings)}",
             source=source)


def _subscription(env) -> str:
    from drillbook.config.secrets import SecretRef, resolve_secret

    value = env.config.azure.subscription_id
    return resolve_secret(value, where=f"{env.path.name}: [azure] subscription_id") if isinstance(value, SecretRef) \
        else value


def test_stakeholders_notified(release, pytestconfig):
    finding = gates.notice_finding(release.manifest.notice, release.change_id, pytestconfig.option.approve)
    if finding:
        fail(SECTION, f"stakeholders notified: {finding}", source=str(release.path))
