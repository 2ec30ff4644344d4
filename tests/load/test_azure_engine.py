"""Azure Load Testing as the load engine: the real SDK clients against recorded runs on loopback, judged by drillbook."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("azure.developer.loadtesting", reason="azure-developer-loadtesting is not installed (pyproject)")

from loopback import FakeCredential, LoopbackTransport, loopback_only  # noqa: E402,F401 - the guard applies here
from recorded_load_testing import RecordedLoadTesting  # noqa: E402

from drillbook import runbook  # noqa: E402
from drillbook.environments import load_environment  # noqa: E402
from drillbook.errors import TargetError  # noqa: E402
from drillbook.load import journal_line, verdict_message  # noqa: E402
from drillbook.load._azure_engine import run_azure_load  # noqa: E402
from drillbook.load._azure_report import azure_lines  # noqa: E402
from drillbook.load._run import Target  # noqa: E402
from drillbook.load._settings import LoadOptions, settings_from  # noqa: E402

HOST = "alt-castiel.westeurope.cnt-prod.loadtesting.azure.com"
AZURE_ENV = f"""
[load]
engine = "azure"
users = 40
duration_s = {{duration}}
interval_s = 5
window_s = 10
min_requests = 20
[azure_load_testing]
endpoint = "https://{HOST}"
engine_instances = 2
poll_interval_s = 0.05
max_wait_s = {{max_wait}}
call_timeout_s = 5
"""


@pytest.fixture
def azure_drill(env_file, tmp_path):
    """``azure_drill(alt, duration=60, max_wait=30, show=...)``: the Azure engine's run against a recorded service."""
    def run(alt, *, duration: float = 60, max_wait: float = 30, show=None, transport=None):
        path = env_file(AZURE_ENV.format(duration=duration, max_wait=max_wait), tier="staging",
                        base_url="https://api-staging.castiel.invalid")
        env = load_environment(path=path)
        settings = settings_from(LoadOptions(None, None, None, None, None, None), env.section("load"),
                                 allow_inconclusive=False, azure_section=env.section("azure_load_testing"))
        lines: list[str] = []
        result = run_azure_load(settings, Target(env.base_url), runbook.threshold, tmp_path, show or lines.append,
                                credential=FakeCredential(), transport=transport or alt.transport())
        result.lines = lines
        return result
    return run


def test_probe(azure_drill):
    for name in ("alt_healthy", "alt_slow_shards", "alt_error_burst", "alt_too_few", "alt_no_requests"):
        with RecordedLoadTesting(name) as alt:
            run = azure_drill(alt)
        print("=====", name, run.status)
        print("\n".join(run.lines))
        print(verdict_message(run))
        print("\n".join(azure_lines(run)))
        print(journal_line(run))
        print(alt.methods())
