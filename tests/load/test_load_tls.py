"""The load drill through a real TLS front with a private CA: every locust process trusts ``[http] ca_bundle`` and
honours ``verify_tls = false``, as the other drills do; without that trust, or with nothing listening, the verdict is
*unreachable* with the cause and the fix, never the API's error rate.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from load_drill import LOAD, PATHS

from drillbook import runbook
from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError
from drillbook.load import run_load_drill, verdict_message
from drillbook.load._settings import LoadOptions, settings_from

REPO = Path(__file__).resolve().parents[2]
# 8 users, 10 s, judged every 2 s over 6 s windows of >= 5 requests: as tests/load_drill.py's LOAD
DRILL_ENV = """
[target]
tier = "local"
base_url = "{url}"

[http]
timeout_s = 3.0
connect_timeout_s = 1.0
{http}

[auth]
admin_token = {{ env = "DRILLBOOK_TEST_NO_TOKEN", optional = true }}

[metrics]
source = "scrape"

[load]
users = 8
duration_s = 10
interval_s = 2
window_s = 6
min_requests = 5
{load}

# These drills are about reaching the API through TLS. On a busy 2-core machine the first TLS handshakes of 8 users
# (both ends in Python, on this machine) can take over 500 ms: not the API's latency, so no latency limit judges them.
[thresholds]
api_p95 = 60000
slow_endpoint = 60000
"""



@pytest.fixture
def drill(tmp_path, registry):
    """``drill(url, http=..., load=...)``: the load drill in this process (locust in its own), and the lines shown."""
    def run(url: str, *, http: str = "", load: str = ""):
        path = tmp_path / "tls.toml"
        path.write_text(DRILL_ENV.format(url=url, http=http, load=load))
        env = load_environment(path=path)
        settings = settings_from(LoadOptions(None, None, None, None, None, None), env.config.load,
                                 allow_inconclusive=False, azure=env.config.azure_load_testing)
        overrides = env.config.thresholds.overrides()
        lines: list[str] = []
        result = run_load_drill(env, settings, lambda key: runbook.threshold(key, overrides), lines.append)
        result.lines = lines
        return result
    return run


def passed(run) -> str:
    shown = "\n".join(run.lines)
    assert run.status == "pass" and verdict_message(run) is None, f"{verdict_message(run)}\n{shown}"
    assert "never reached the API" not in shown, shown
    return shown


def test_the_load_drill_trusts_the_ca_bundle_through_tls(drill, front, faults):
    url, bundle = front
    shown = passed(drill(url, http=f'ca_bundle = "{bundle}"'))
    assert "POST /api/shards " in shown and "GET /api/shards/{id} " in shown, "every flow went through TLS"


def test_without_the_ca_bundle_the_load_is_unreachable_naming_the_cause_and_the_fix(run_drill, env_file, front,
                                                                                      faults):
    url, _ = front
    path = env_file(base_url=url)
    result = run_drill(*LOAD, "--load-duration", "30s", "--allow-inconclusive", f"--env-file={path}", paths=PATHS)
    result.assert_outcomes(failed=1)  # --allow-inconclusive does not let it pass: nothing was tested
    result.stdout.fnmatch_lines([
        "load 00:0*/00:30 | 8 users | * rps | p50 - | p95 - | errors - | * never reached the API | generator *",
        "*load: stopped the load after * s of 30 s: most requests of a complete window never reached the API*",
        "*load drill unreachable after * s of 30 s: the load did not reach the API*",
        "*unreachable: * of * requests (* %) never reached the API over 6 s window ending *Z (source: locust "
        "client-side, 8 users on one locust process); a configuration or network problem, not the API's error rate; "
        "over the run * x tls: SSLCertVerificationError: CERTIFICATE_VERIFY_FAILED (*) -> set [[]http] ca_bundle to the PEM file "
        "of the CA that signed the target's certificate*",
    ])
    output = result.stdout.str()
    assert "api_error_rate" not in output.split("load drill unreachable", 1)[1], "no error-rate breach is claimed"
    assert "High error rate" not in output, output
    record = "\n".join(p.read_text(errors="replace") for p in run_drill.results.glob("*-attachment.txt"))
    assert "status: unreachable\n" in record and "CERTIFICATE_VERIFY_FAILED" in record, record
    locust_said = "\n".join(p.read_text(errors="replace") for p in run_drill.results.glob("*-attachment.csv"))
    assert "create never reached the API: SSLError: [SSL: CERTIFICATE_VERIFY_FAILED]" in locust_said, \
        "locust's own failure table names the connection error, not 'create answered 0'"


def test_verify_tls_false_is_honoured_by_the_load_drill(drill, front, faults):
    url, _ = front
    passed(drill(url, http="verify_tls = false"))


def test_every_worker_trusts_the_ca_bundle(drill, front, faults):
    url, bundle = front
    shown = passed(drill(url, http=f'ca_bundle = "{bundle}"', load="workers = 2"))
    assert "2 locust process(es) reporting" in shown, shown


def test_a_remote_worker_gets_the_drills_trust_from_the_master(drill, front, faults, tmp_path):
    """Started by hand with no drillbook variables (and no copy of the bundle): the master sends it the trust."""
    url, bundle = front
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRILLBOOK_LOAD_", "REQUESTS_CA"))}
    env["DRILLBOOK_LOAD_INTERVAL_S"] = "2.0"
    with open(tmp_path / "remote-worker.log", "wb") as log:
        remote = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", "load/castiel.py,src/drillbook/load/_locust_hooks.py", "--worker",
             "--master-host", "127.0.0.1", "--master-port", str(port), "--host", url],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            run = drill(url, http=f'ca_bundle = "{bundle}"', load=f"remote_workers = 1\nmaster_port = {port}")
        finally:
            remote.kill()
            remote.wait()
    passed(run)


def test_nothing_listening_is_unreachable_with_connection_refused(drill, faults):
    run = drill(f"http://127.0.0.1:{free_port()}")
    message = verdict_message(run)
    assert run.status == "unreachable", message
    assert "never reached the API" in message and "x refused: ConnectionRefusedError: Connection refused -> " \
           "check [target] base_url (host and port), and that the API is up and reachable" in message, message
    assert "api_error_rate" not in message, message


def test_a_ca_bundle_that_will_not_load_is_a_configuration_error(drill, front, tmp_path):
    url, _ = front
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match=r"tls\.toml: \[http\] ca_bundle .*broken\.pem: cannot load it .* -> point "
                                          "it at a PEM file"):
        drill(url, http=f'ca_bundle = "{broken}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAST_USER = '''
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class Fast(FastHttpUser):
    wait_time = constant(0.5)

    @task
    def live(self):
        self.client.get("/health/live")
'''


@pytest.mark.parametrize("trust, status", [("ca_bundle", "pass"), ("none", "unreachable")])
def test_a_fasthttp_locustfile_verifies_with_the_drills_trust(drill, front, faults, tmp_path, trust, status):
    """FastHttpUser skips verification by default: in a drill it verifies, as every other client does."""
    url, bundle = front
    locustfile = tmp_path / "fast.py"
    locustfile.write_text(FAST_USER)
    http = f'ca_bundle = "{bundle}"' if trust == "ca_bundle" else ""
    run = drill(url, http=http, load=f'locustfile = "{locustfile}"')
    assert run.status == status, "\n".join(run.lines)
    if status == "unreachable":
        assert "x tls: SSLCertVerificationError: CERTIFICATE_VERIFY_FAILED" in verdict_message(run)
