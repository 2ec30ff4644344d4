"""Small pure pieces: the deterministic rate gate, the validator, percentiles, the public API."""

import pytest

import sandbox
from sandbox.faults import Fault, RateGate
from sandbox.schemas import SHARD_INPUT, validate
from sandbox.telemetry import percentile


@pytest.mark.parametrize("rate,calls,fired", [(0.1, 10, 1), (0.1, 100, 10), (0.3, 10, 3), (1.0, 5, 5), (0.0, 50, 0)])
def test_rate_gate_fires_an_exact_share(rate, calls, fired):
    gate = RateGate(rate)
    assert sum(gate.fire() for _ in range(calls)) == fired


def test_status_or_body_alone_means_every_request_fails():
    assert Fault.from_spec({"route": "/health", "status": 503}).error_rate == 1.0
    assert Fault.from_spec({"route": "/health", "latency_ms": 10}).error_rate == 0.0


def test_validator_names_each_problem():
    problems = validate(SHARD_INPUT, {"tenantId": "", "tags": ["x" * 65], "extra": True})
    assert problems == ["body.name: required", "body.extra: unknown field",
                        "body.tenantId: shorter than 1 characters", "body.tags[0]: longer than 64 characters"]
    assert validate(SHARD_INPUT, {"tenantId": "t", "name": "n", "tags": []}) == []
    assert validate({"type": "integer"}, True) == ["body: expected integer, got bool"]


def test_percentile_is_nearest_rank():
    assert percentile([0.1] * 95 + [2.0] * 5, 95) == 0.1
    assert percentile([0.1] * 94 + [2.0] * 6, 95) == 2.0


def test_public_api_is_pinned():
    assert sandbox.__all__ == ["FaultControl", "SandboxError", "SandboxProcess", "start_sandbox"]
    assert sandbox.start_sandbox.__module__ == "sandbox.runner"


def test_the_exit_with_watch_sees_a_live_and_a_gone_launcher():
    import os
    import subprocess
    import sys

    from sandbox.__main__ import alive

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert alive(os.getpid()) and not alive(child.pid)
