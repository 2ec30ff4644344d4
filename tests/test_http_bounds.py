"""Every exchange ends within [http] timeout_s and reads at most the body cap, against a real loopback server."""

import ssl
import time
import tracemalloc

import pytest
from misbehaving_target import Huge, MisbehavingTarget, Trickle

from drillbook.clients import bounds
from drillbook.clients.http import Breaker, build_client
from drillbook.config.environments import load_environment
from drillbook.errors import TargetError
from drillbook.record.evidence import MAX_ATTACHED_BODY, format_exchange

TIMEOUT_S = 1.0
SLACK_S = 3.0  # generous: the suite runs with both cores busy
MIB = 1 << 20


@pytest.fixture
def client_for(tmp_path):
    """``client_for(url, http_toml)``: (client, exchanges) for a local target with a 1 s timeout."""
    opened = []

    def build(url: str, http_toml: str = ""):
        path = tmp_path / "bounds.toml"
        path.write_text(f'[target]\ntier = "local"\nbase_url = "{url}"\n'
                        f"[http]\ntimeout_s = {TIMEOUT_S}\nconnect_timeout_s = 0.5\n{http_toml}\n")
        exchanges = []
        client = build_client(load_environment(path=path).http_target, breaker=Breaker(), on_exchange=exchanges.append)
        opened.append(client)
        return client, exchanges

    yield build
    for client in opened:
        client.close()


def failure_of(client, path: str) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(TargetError) as caught:
        client.get(path)
    return str(caught.value), time.monotonic() - started


def test_a_trickled_body_ends_at_the_deadline_and_says_what_came(client_for):
    with MisbehavingTarget({"/health": Trickle(interval_s=0.2, length=200)}) as target:
        client, exchanges = client_for(target.url)
        message, took = failure_of(client, "/health")
    assert message.startswith("no complete answer within 1 s (") and message.endswith(" bytes received)")
    assert int(message.split("(")[1].split()[0]) > 60  # the headers and the first bytes of the body
    assert took < TIMEOUT_S + SLACK_S  # the old per-read timeout waited out all 200 bytes: 40 s
    assert exchanges[-1].response is None and exchanges[-1].error == message


def test_trickled_headers_end_at_the_deadline_too(client_for):
    with MisbehavingTarget({"/health": Trickle(interval_s=0.2, headers=True)}) as target:
        client, _ = client_for(target.url)
        message, took = failure_of(client, "/health")
    assert message.startswith("no complete answer within 1 s (")
    assert took < TIMEOUT_S + SLACK_S


def test_a_route_that_ran_out_of_time_fails_fast_afterwards(client_for):
    with MisbehavingTarget({"/health": Trickle(interval_s=0.2)}) as target:
        client, _ = client_for(target.url)
        first, _ = failure_of(client, "/health")
        again, took = failure_of(client, "/health")
        assert client.get("/health/live").status_code == 200  # one slow route is not a dead host
    assert again == f"{first} (earlier in this run; not retried)" and took < 0.5


def test_a_huge_body_stops_at_the_cap_without_holding_it(client_for):
    with MisbehavingTarget({"/health": Huge(64 * MIB)}) as target:
        client, exchanges = client_for(target.url)
        tracemalloc.start()
        try:
            message, took = failure_of(client, "/health")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert message == "body exceeds 1 MiB (stopped reading)"
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB while refusing a 64 MiB body"
    assert took < TIMEOUT_S + SLACK_S
    assert exchanges[-1].response is None and exchanges[-1].error == message


def test_an_oversized_answer_does_not_trip_the_breaker(client_for):
    with MisbehavingTarget({"/health": Huge(2 * MIB)}) as target:
        client, _ = client_for(target.url)
        assert [failure_of(client, "/health")[0] for _ in range(2)] == ["body exceeds 1 MiB (stopped reading)"] * 2


def test_the_caps_come_from_the_http_section(client_for):
    routes = {"/health": Huge(2 * MIB), "/metrics": Huge(2 * MIB)}
    with MisbehavingTarget(routes) as target:
        client, _ = client_for(target.url, "max_body_mib = 4\nmax_document_body_mib = 0.5")
        assert len(client.get("/health").content) == 2 * MIB
        assert failure_of(client, "/metrics")[0] == "body exceeds 512 KiB (stopped reading)"


def test_metrics_get_the_larger_document_cap_by_default(client_for):
    with MisbehavingTarget({"/metrics": Huge(2 * MIB), "/health": Huge(2 * MIB)}) as target:
        client, _ = client_for(target.url)
        assert client.get("/metrics").status_code == 200
        assert failure_of(client, "/health")[0] == "body exceeds 1 MiB (stopped reading)"


def test_the_attached_exchange_keeps_only_the_head_of_a_body(client_for):
    with MisbehavingTarget({"/health": Huge(900_000)}) as target:
        client, exchanges = client_for(target.url)
        client.get("/health")
    attached = format_exchange(exchanges[-1])
    assert MAX_ATTACHED_BODY < len(attached) < MAX_ATTACHED_BODY + 2000


def test_a_plain_http_target_loads_no_trust_store_and_https_clients_share_one(client_for, monkeypatch):
    """Loading the CA store costs ~50 ms per client: a run against http:// never pays it, an https run once."""
    loads = []
    real = ssl.SSLContext.load_verify_locations
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", lambda *a, **k: loads.append(a) or real(*a, **k))
    monkeypatch.setattr(bounds, "_contexts", {})
    with MisbehavingTarget({"/health": Huge(10)}) as target:
        for _ in range(2):
            client, _ = client_for(target.url)
            assert client.get("/health").status_code == 200
    assert loads == []
    first, second = (bounds.shared_ssl_context(True) for _ in range(2))
    assert first is second and len(loads) == 1
    assert bounds.shared_ssl_context(False) is not first and len(loads) == 1
    assert bounds.context_for("https://api.castiel.invalid", True) is first and len(loads) == 1
    plain = bounds.context_for("http://127.0.0.1:8080", True)  # a plain-http client: nothing loaded, nothing trusted
    assert len(loads) == 1 and plain.verify_mode == ssl.CERT_REQUIRED and plain.get_ca_certs() == []


# --- the same, as whole drills -------------------------------------------------------------

def test_a_trickling_health_fails_the_drill_in_seconds(run_drill, env_file):
    with MisbehavingTarget({"/health": Trickle(interval_s=0.5)}) as target:
        result = run_drill("-m", "health", f"--env-file={env_file(base_url=target.url)}")
    result.stdout.fnmatch_lines(["*GET /health: no complete answer within 3 s (* bytes received) (source: *) "
                                 "-> runbook §Service health*"])
    assert result.parseoutcomes()["failed"] == 4 and result.parseoutcomes()["passed"] == 2
    assert result.duration < 60  # one 3 s deadline, then the breaker; the old client read 32 s per request


def test_a_64_mib_health_fails_the_drill_naming_the_cap(run_drill, env_file):
    with MisbehavingTarget({"/health": Huge(64 * MIB)}) as target:
        result = run_drill("-m", "health", f"--env-file={env_file(base_url=target.url)}")
    result.stdout.fnmatch_lines(["*GET /health: body exceeds 1 MiB (stopped reading) (source: *) "
                                 "-> runbook §Service health*"])
    assert result.parseoutcomes()["failed"] == 4
