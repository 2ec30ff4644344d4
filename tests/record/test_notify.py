"""Notify: the run's one-paragraph summary reaches a webhook on loopback; a dead webhook costs one line, not the verdict."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

NOTIFY = '\n[notify]\nwebhook = { env = "DRILL_TEST_WEBHOOK" }\ntimeout_s = 2\n'


@pytest.fixture
def receiver():
    """An incoming-webhook stand-in on loopback that keeps every JSON body posted to it."""
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.received = received
    yield server
    server.shutdown()
    server.server_close()


def test_the_summary_reaches_the_webhook(run_drill, faults, env_file, receiver, tmp_path):
    faults.inject("/health", status=503, error_rate=1.0)
    url = f"http://127.0.0.1:{receiver.server_port}/hook/s3cret-path"
    result = run_drill("-m", "health", "-k", "returns_200 or live", f"--env-file={env_file(NOTIFY)}",
                       f"--journal-dir={tmp_path}", environ={"DRILL_TEST_WEBHOOK": url})
    result.assert_outcomes(failed=1, passed=1)
    entry = json.loads((tmp_path / "drills.jsonl").read_text())
    [payload] = receiver.received
    text = payload["text"]
    assert text.startswith(f"drillbook: health on drill-env (tier local, embedded sandbox at http://127.0.0.1:")
    assert "did not pass (exit 1): 1 failed, 1 passed in " in text
    assert "Failed: test_health_returns_200: " in text and "GET /health returned 503" in text
    assert len(entry["run_id"]) == 8
    assert text.endswith(f"Record: run {entry['run_id']}, journal entry sha256 {entry['sha256']}.")


def test_a_dead_webhook_costs_one_line_and_not_the_verdict(run_drill, faults, env_file, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    started = time.monotonic()
    result = run_drill("-m", "health", "-k", "live", f"--env-file={env_file(NOTIFY)}", f"--journal-dir={tmp_path}",
                       environ={"DRILL_TEST_WEBHOOK": f"http://127.0.0.1:{port}/hook/s3cret-path"})
    assert result.ret == 0 and time.monotonic() - started < 60
    result.stderr.fnmatch_lines(["drillbook: notify: the summary was not delivered (ConnectError: *) "
                                 "-> check ?notify? webhook; the run's verdict stands"])
    assert "s3cret-path" not in result.stderr.str()
