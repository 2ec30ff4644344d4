"""The server side of an Azure Load Testing run: the sandbox's /metrics read while the recorded run executes.

Azure's client metrics come from a recording replayed as if the run started now;
the server side is the real sandbox's scrape behind an HTTPS front (a staging tier
must be https), with real traffic to the sandbox in the background.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator

import httpx
import pytest

pytest.importorskip("azure.developer.loadtesting", reason="azure-developer-loadtesting is not installed (pyproject)")

from loopback import FakeCredential, loopback_only  # noqa: E402,F401 - the guard applies here
from recorded_load_testing import RecordedLoadTesting  # noqa: E402

from drillbook import runbook  # noqa: E402
from drillbook.config.environments import load_environment  # noqa: E402
from drillbook.load import journal_line, run_load_drill, verdict_message  # noqa: E402
from drillbook.load._azure_server import passed_ends  # noqa: E402
from drillbook.load._settings import LoadOptions, settings_from  # noqa: E402

EXECUTING_S = 5.0  # the recorded run executes this long: 5 one-second intervals, windows of 2 s
TRAFFIC_THREADS = 8
PACE_S = 0.1  # between one thread's requests: enough for min_requests, light on a busy 2-core machine
ROUTE = "/health/live"
SHAPE = {"duration_s": 60, "interval_s": 1, "max_wait_s": 30, "timeout_s": 3.0}  # 60 s: as the recording ran
SERVER_SIDE_ENV = """
[target]
tier = "staging"
base_url = "{front}"

[http]
timeout_s = {timeout_s}
connect_timeout_s = 1.0
ca_bundle = "{bundle}"

[auth]
admin_token = {{ env = "DRILLBOOK_TEST_NO_TOKEN", optional = true }}

[metrics]
source = "scrape"

[load]
engine = "azure"
users = 40
spawn_rate = 4
duration_s = {duration_s}
interval_s = {interval_s}
window_s = 2
min_requests = 5

[azure_load_testing]
endpoint = "https://alt-castiel.westeurope.cnt-prod.loadtesting.azure.com"
engine_instances = 2
poll_interval_s = 0.2
max_wait_s = {max_wait_s}
call_timeout_s = 3
"""



@pytest.fixture
def drill(front, sandbox, tmp_path):
    """``drill(recording, show=None)``: the load drill on the Azure engine, the sandbox busy meanwhile."""
    url, bundle = front

    def run(recording: str, show=None, *, forever: bool = False, **shape):  # show: also called with every line shown
        env_path = tmp_path / "staging.toml"
        env_path.write_text(SERVER_SIDE_ENV.format(front=url, bundle=bundle, **{**SHAPE, **shape}))
        env = load_environment(path=env_path)
        settings = settings_from(LoadOptions(None, None, None, None, None, None), env.config.load,
                                 allow_inconclusive=False, azure=env.config.azure_load_testing)
        lines: list[str] = []
        with RecordedLoadTesting(recording) as alt, traffic(sandbox.url):
            alt.live(EXECUTING_S)
            if forever:
                alt.never_finish()
            result = run_load_drill(env, settings, runbook.threshold, _both(lines, show),
                                    credential=FakeCredential(), transport=alt.transport())
        result.lines = lines
        return result
    return run


def _both(lines: list[str], show):
    """Keep every line shown, and pass it on to ``show`` when given."""
    def record(line: str) -> None:
        lines.append(line)
        if show:
            show(line)
    return record


@contextmanager
def traffic(base_url: str) -> Iterator[None]:
    """Paced GETs to the sandbox from a few threads until the block ends (each bounded by its timeout)."""
    stop = threading.Event()

    def loop() -> None:
        with httpx.Client(base_url=base_url, timeout=5.0) as client:
            while not stop.is_set():
                try:
                    client.get(ROUTE)
                except httpx.HTTPError:
                    pass
                stop.wait(PACE_S)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(TRAFFIC_THREADS)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)


def server_findings(run) -> dict[str, str]:
    return {t.label: t.verdict.status for t in run.server.judge.trackers} if run.server.judge else {}


def test_a_healthy_server_side_passes_and_its_p95_stands_beside_azures(drill, faults):
    run = drill("alt_healthy")
    shown = "\n".join(run.lines)
    assert run.status == "pass" and verdict_message(run) is None, shown
    assert len(run.server.readings) >= 3, "the server side was read at every interval Azure's run passed"
    assert server_findings(run)["api_p95 (server)"] == "pass", shown
    assert "load:         pass  api_p95 server-side pass: worst " in shown
    assert "load: p95 over the run: client " in shown and " ms, server " in shown, shown
    source = run.server.description
    assert source.startswith("scrape https://127.0.0.1:") and source.endswith("/metrics"), source
    assert journal_line(run).startswith("load pass: ")


def test_a_slow_server_fails_p95_server_side_while_azures_client_metrics_pass(drill, faults):
    faults.inject(ROUTE, latency_ms=1200)
    run = drill("alt_healthy")
    message = verdict_message(run)
    assert run.status == "fail" and not run.judge.failed, "Azure's recorded client side passes; the server fails"
    assert "api_p95 server-side " in message and " ms > 1000 ms over 2 s window ending " in message, message
    assert f"slow_endpoint on GET {ROUTE} server-side " in message, message
    assert "(source: scrape https://127.0.0.1:" in message and "/metrics) -> runbook §Slow response times: " \
           in message, message
    assert journal_line(run).startswith("load fail: ")
    assert message.endswith("Azure's own result: PASSED (its criteria over the whole run); drillbook: fail (sliding "
                            "windows); on the client side alone: pass, the server side failed"), message
    assert any(line.startswith("load: p95 over the run: client ") for line in run.lines), run.lines


def test_an_unreadable_metrics_source_is_noted_and_never_passes_the_server_side(drill, faults):
    def break_metrics(line: str) -> None:
        if line.startswith("azure load ") and not faults.faults():  # once the run executes: reads fail mid-run
            faults.inject("/metrics", status=503)

    run = drill("alt_too_few", show=break_metrics)
    message = verdict_message(run)
    assert run.status == "inconclusive" and "no data is not a pass" in message, message
    assert "pass" not in server_findings(run).values(), server_findings(run)
    notes = [line for line in run.lines if line.startswith("load: server side: ")]
    assert notes and " interval(s) unreadable, e.g. " in notes[0] and "503" in notes[0], run.lines


def test_a_hanging_metrics_source_never_holds_the_azure_run_past_its_bound(drill, faults):
    def hang_metrics(line: str) -> None:
        if line.startswith("azure load ") and not faults.faults():
            faults.inject("/metrics", hang=True)

    started = time.monotonic()
    run = drill("alt_healthy", show=hang_metrics, forever=True, duration_s=6, interval_s=0.5, max_wait_s=1,
                timeout_s=2.0)
    elapsed = time.monotonic() - started
    # 12 intervals each waiting its 2 s timeout would hold it ~25 s; the bound (7 s) and one read end it
    assert elapsed < 16, f"the drill took {elapsed:.0f} s"
    assert run.azure.cancel_sent and "did not finish within 7 s" in verdict_message(run)
    assert any(" interval(s) unreadable, e.g. " in line for line in run.lines), run.lines


def test_the_server_side_is_read_at_each_interval_the_clock_has_passed_and_at_the_runs_end():
    shape = SimpleNamespace(duration_s=4.0, interval_s=1.0)
    assert passed_ends(shape, 100.0, math.inf, now=102.5) == [101.0, 102.0]
    assert passed_ends(shape, 100.0, math.inf, now=130.0) == [101.0, 102.0, 103.0, 104.0], "the shape's end"
    assert passed_ends(shape, 100.0, 102.5, now=103.0) == [101.0, 102.0, 102.5], "Azure ended the run early"
    assert passed_ends(shape, 100.0, math.inf, now=99.0) == []
