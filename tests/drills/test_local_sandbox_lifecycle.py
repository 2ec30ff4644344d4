"""`--env local` starts one sandbox per run, shares it with xdist workers, and stops it afterwards."""

import os
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def url_probe(tmp_path, monkeypatch):
    probe = tmp_path / "sandbox_url_probe.py"
    probe.write_text(
        "import os, pathlib\n"
        "def pytest_sessionfinish(session):\n"
        "    out = pathlib.Path(os.environ['URL_PROBE_DIR']) / f'{os.getpid()}.url'\n"
        "    out.write_text(os.environ.get('DRILLBOOK_SANDBOX_URL', 'None'))\n")
    # in front of the caller's path, not instead of it: a worktree's PYTHONPATH names its own src/
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("URL_PROBE_DIR", str(tmp_path))
    return "sandbox_url_probe"


def test_one_sandbox_is_shared_by_workers_and_stopped_after(pytester, url_probe, tmp_path, monkeypatch):
    for name in ("DRILLBOOK_SANDBOX_URL", "DRILLBOOK_RUN_DIR", "CASTIEL_ADMIN_TOKEN", "SANDBOX_FAULT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = pytester.runpytest_subprocess(
        f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"), "-p", "no:cacheprovider", "-p", url_probe,
        f"--alluredir={tmp_path / 'results'}", "-n", "2", "-s", "-m", "smoke", str(REPO / "checks"),
        str(REPO / "smoke"), timeout=240)
    result.assert_outcomes(passed=9)
    urls = [p.read_text() for p in tmp_path.glob("*.url")]
    worker_urls = set(urls) - {"None"}
    assert len(urls) == 3 and len(worker_urls) == 1, urls  # controller + 2 workers; one sandbox
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{worker_urls.pop()}/health/live", timeout=2)  # and it is gone after the run


def test_a_killed_run_leaves_no_sandbox_behind(tmp_path):
    """SIGKILL gives pytest no chance to clean up: the sandbox notices its launcher is gone and exits."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRILLBOOK_", "CASTIEL_", "SANDBOX_"))}
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-m", "watch", "--watch", "60s", "-p", "no:cacheprovider",
                            f"--alluredir={tmp_path}", f"--journal-dir={tmp_path}"], cwd=REPO, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not (pids := _sandboxes_of(run.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pids, "the run never started its sandbox"
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    deadline = time.monotonic() + 30
    while any(os.path.exists(f"/proc/{pid}") for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pids if os.path.exists(f"/proc/{pid}")]


def _sandboxes_of(pid: int) -> list[str]:
    import subprocess

    found = subprocess.run(["pgrep", "-f", f"exit-with-pid {pid}"], capture_output=True, text=True)
    return found.stdout.split()
