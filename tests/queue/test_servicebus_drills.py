"""The Service Bus checks in a whole drill run: the real SDK over real TLS to recorded answers on loopback."""

import pytest
from certificates import CertificateAuthority
from recorded_servicebus import KEY, RecordedServiceBus

SERVICEBUS = ("-m", "queue", "-k", "servicebus")
CHECKS = ("checks/test_queue.py",)
QUEUE = "embedding-jobs"
SECTION = '\n[servicebus]\nconnection_string = { env = "DRILLBOOK_TEST_SB" }\nqueues = ["embedding-jobs"]\n'
REMEDY = "-> runbook §Queue backlog: check the queue workers' health and restart stuck workers; *"


@pytest.fixture
def bus(tmp_path):
    authority = CertificateAuthority.create(tmp_path)
    with RecordedServiceBus(tls=authority.issue(tmp_path, valid_days=1).server_context()) as server:
        server.trust = {"REQUESTS_CA_BUNDLE": str(authority.bundle)}
        yield server


@pytest.fixture
def run_servicebus(run_drill, env_file, bus):
    """Run the Service Bus checks against the recorded namespace, signed with ``key``."""
    def run(key: str = KEY, connection: str | None = None):
        path = env_file(SECTION)
        environ = {**bus.trust, "DRILLBOOK_TEST_SB": connection or bus.connection_string(key)}
        return run_drill(*SERVICEBUS, f"--env-file={path}", paths=CHECKS, environ=environ)
    return run


def test_healthy_queue_passes_depth_and_dead_letters(bus, run_servicebus):
    bus.answer(QUEUE, "healthy.http")
    result = run_servicebus()
    result.assert_outcomes(passed=2)
    assert len(bus.seen) == 2 and all(s["authorization"].startswith("SharedAccessSignature") for s in bus.seen)


def test_backlog_over_1000_fails_with_depth_and_limit(bus, run_servicebus):
    bus.answer(QUEUE, "backlog.http")
    result = run_servicebus()
    result.stdout.fnmatch_lines([f"*Service Bus queue {QUEUE}: 1523 active messages > 1000 messages (over 1 reading "
                                 f"of runtime properties, source: sb://127.0.0.1:{bus.port}/{QUEUE}) {REMEDY}"])
    result.assert_outcomes(passed=1, failed=1)


def test_dead_letters_fail_with_count_and_allowance(bus, run_servicebus):
    bus.answer(QUEUE, "dead_letters.http")
    result = run_servicebus()
    result.stdout.fnmatch_lines([f"*Service Bus queue {QUEUE}: 7 dead-lettered messages > 0 allowed "
                                 f"([[]servicebus] max_dead_letters) (over 1 reading *{REMEDY}"
                                 "inspect the dead-letter*"])
    result.assert_outcomes(passed=1, failed=1)


def test_wrong_key_fails_both_with_the_auth_reason_and_no_key(bus, run_servicebus):
    bus.answer(QUEUE, "healthy.http")
    wrong = "d3Jvbmcta2V5LW5vdC1zaG93bg=="
    result = run_servicebus(key=wrong)
    result.stdout.fnmatch_lines([f"*Service Bus 127.0.0.1:{bus.port} refused the credentials for queue {QUEUE} "
                                 "(InvalidSignature: The token has an invalid signature) -> check the SAS key*"])
    result.assert_outcomes(failed=2)
    assert wrong not in "\n".join(result.outlines + result.errlines)


def test_unreachable_namespace_fails_both_quickly(bus, run_servicebus):
    closed = bus.connection_string().replace(f"127.0.0.1:{bus.port}", "127.0.0.1:9")
    result = run_servicebus(connection=closed)
    result.stdout.fnmatch_lines(["*Service Bus 127.0.0.1:9 is unreachable: *Connection refused -> check the "
                                 f"namespace name, DNS and the firewall (source: sb://127.0.0.1:9) {REMEDY}"])
    result.assert_outcomes(failed=2)
    assert result.duration < 90  # a busy machine's start, not minutes of retries


def test_no_queues_listed_skips_with_the_fix(run_drill):
    result = run_drill(*SERVICEBUS, "-rs", paths=CHECKS)
    result.stdout.fnmatch_lines(["*[[]servicebus] queues is empty, no Service Bus queue to check -> list them*"])
    result.assert_outcomes(skipped=2)
