"""The sandbox's slots and app settings: token-protected control, names only, faults undone by reset."""

from __future__ import annotations

import httpx


def get(sandbox, path, token=None):
    return httpx.get(sandbox.url + path, headers={"X-Fault-Token": token} if token else {}, timeout=5)


def test_the_control_needs_the_fault_token(sandbox, faults):
    for method, path in (("POST", "/_sandbox/slots/swap"), ("GET", "/_sandbox/slots"), ("GET", "/_sandbox/settings"),
                         ("DELETE", "/_sandbox/settings/REDIS_URL")):
        assert httpx.request(method, sandbox.url + path, headers={"X-Fault-Token": "wrong"}).status_code == 401
    assert get(sandbox, "/health").json()["version"] == "1.4.2"


def test_settings_are_listed_by_name_only(sandbox, faults):
    names = get(sandbox, "/_sandbox/settings", sandbox.fault_token).json()["names"]
    assert {"CASTIEL_ADMIN_TOKEN", "REDIS_URL", "COSMOS_KEY"} <= set(names)
    body = get(sandbox, "/_sandbox/settings", sandbox.fault_token).text
    assert sandbox.admin_token not in body and sandbox.fault_token not in body


def test_a_swap_flips_health_and_reset_undoes_swaps_and_faults(sandbox, faults):
    faults.slot_fault(unhealthy=True)
    faults.hide_setting("REDIS_URL")
    swapped = httpx.post(sandbox.url + "/_sandbox/slots/swap", headers={"X-Fault-Token": sandbox.fault_token}).json()
    assert swapped["slots"]["production"]["version"] == "1.4.1"
    assert get(sandbox, "/health").json()["version"] == "1.4.1"
    assert get(sandbox, "/_sandbox/slots/staging/health").status_code == 503
    faults.reset()
    assert get(sandbox, "/health").json()["version"] == "1.4.2"
    slot_health = get(sandbox, "/_sandbox/slots/staging/health").json()
    assert (slot_health["status"], slot_health["version"]) == ("healthy", "1.4.1")
    assert "REDIS_URL" in get(sandbox, "/_sandbox/settings", sandbox.fault_token).json()["names"]


def test_a_slots_own_address_serves_the_whole_api_unseen_by_production_metrics(sandbox, faults):
    """/_sandbox/slots/staging/... answers as the slot's host: its build in /health, the same data behind it."""
    listed = get(sandbox, "/_sandbox/slots/staging/api/shards?tenantId=drillbook-drill")
    assert listed.status_code == 200 and listed.json()["items"]
    assert get(sandbox, "/_sandbox/slots/staging/health/ready").status_code == 200
    assert get(sandbox, "/_sandbox/slots/production/health").json()["version"] == "1.4.2"
    assert get(sandbox, "/_sandbox/slots/nowhere/health").status_code == 404
    faults.inject("/health", status=500, error_rate=1.0)  # an API fault on production's address only
    assert get(sandbox, "/health").status_code == 500
    assert get(sandbox, "/_sandbox/slots/staging/health").status_code == 200
    assert "/_sandbox" not in get(sandbox, "/metrics").text
