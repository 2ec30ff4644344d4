"""The report: one HTML file from a real run that opens from disk in headless Chromium and shows the run."""

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")
HEALTH_DRILLS = ("test_health_returns_200", "test_health_body_says_healthy", "test_health_answers_within_budget",
                 "test_health_reports_expected_version")


def rendered_text(page, fragment: str = "") -> str:
    """The page's visible text once its scripts ran, as a fresh headless Chromium shows it."""
    chromium = shutil.which("chromium") or pytest.fail("chromium is not installed -> run scripts/bootstrap.sh as root "
                                                       "(apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="drillbook-chromium-") as profile:
        done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000",
                               "--dump-dom", page.as_uri() + fragment], capture_output=True, text=True, timeout=120)
    body = re.sub(r"<(script|style)[\s\S]*?</\1>", " ", done.stdout)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def render(results, output):
    return subprocess.run([sys.executable, "-m", "drillbook", "report", "--results", str(results), "--output",
                           str(output)], capture_output=True, text=True, timeout=360)


def test_the_single_file_report_shows_the_run_s_drills_severities_and_charts(run_drill, faults, tmp_path):
    faults.inject("/health", status=503, error_rate=1.0)
    run_drill("-m", "health", "-k", "not live and not ready")
    done = render(run_drill.results, tmp_path / "html")
    assert done.returncode == 0, done.stderr
    alone = tmp_path / "elsewhere" / "report.html"  # the file alone, away from anything it could load
    alone.parent.mkdir()
    shutil.copy(tmp_path / "html" / "index.html", alone)
    overview = rendered_text(alone)
    assert "Total 4 Failed 3 Passed 1" in overview, overview[:2000]  # this run's figures: not stale, not a spinner
    assert all(name in overview for name in HEALTH_DRILLS), overview[:2000]
    assert re.search(r"blocker 2 .* critical 1 1 ", overview)  # the tree is grouped by severity
    charts = rendered_text(alone, "#charts")
    assert "Current status" in charts and "Test results by severities" in charts and "Blocker" in charts


def test_a_second_render_replaces_the_first(run_drill, faults, tmp_path):
    run_drill("-m", "health", "-k", "live").assert_outcomes(passed=1)
    assert render(run_drill.results, tmp_path / "html").returncode == 0
    first = (tmp_path / "html" / "index.html").stat().st_mtime_ns
    assert render(run_drill.results, tmp_path / "html").returncode == 0
    assert (tmp_path / "html" / "index.html").stat().st_mtime_ns > first
    assert len((tmp_path / "allure-history.jsonl").read_text().splitlines()) == 1  # one run, one point of history


def test_report_without_a_run_says_what_to_do(tmp_path):
    done = subprocess.run([sys.executable, "-m", "drillbook", "report", "--output", str(tmp_path / "html")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == ("report: no run under reports/runs -> run a drill first (pytest -m smoke) "
                                   "or name one with --results DIR")


def test_history_is_carried_from_run_to_run(run_drill, faults, tmp_path):
    for n in (1, 2):  # two real runs, each in a folder of its own, each rendered
        argv, env = run_drill.command("-m", "health", "-k", "live")
        argv = [f"--alluredir={tmp_path / f'run-{n}'}" if a.startswith("--alluredir") else a for a in argv]
        assert subprocess.run(argv, cwd=run_drill.workdir, env=env, capture_output=True, timeout=240).returncode == 0
        assert render(tmp_path / f"run-{n}", tmp_path / "html").returncode == 0
    assert len((tmp_path / "allure-history.jsonl").read_text().splitlines()) == 2
    charts = rendered_text(tmp_path / "html" / "index.html", "#charts")
    assert "Status dynamics" in charts and "No history information available" not in charts


def report_data(page) -> dict:
    """The report's embedded data files (``data/test-results/<id>.json`` ...), decoded."""
    html = page.read_text()
    return {name: json.loads(base64.b64decode(blob))
            for name, blob in re.findall(r'd\("(data/[^"]+\.json)"\s*,\s*"([^"]*)"\)', html)}


def live_result(page) -> dict:
    [result] = [d for n, d in report_data(page).items()
                if n.startswith("data/test-results/") and d["name"] == "test_live_returns_200"]
    return result


def health_run(run_drill, folder) -> None:
    argv, env = run_drill.command("-m", "health", "-k", "live")
    argv = [f"--alluredir={folder}" if a.startswith("--alluredir") else a for a in argv]
    subprocess.run(argv, cwd=run_drill.workdir, env=env, capture_output=True, timeout=240)


def test_each_drill_carries_its_own_history_into_the_next_report(run_drill, faults, tmp_path):
    runs, html = tmp_path / "reports" / "runs", tmp_path / "reports" / "html"
    faults.inject("/health/live", status=503)
    health_run(run_drill, runs / "20261130T100000Z-local-aaaa1111")  # the drill fails
    assert render(runs / "20261130T100000Z-local-aaaa1111", html).returncode == 0
    first = live_result(html / "index.html")
    faults.reset()
    health_run(run_drill, runs / "20261130T110000Z-local-bbbb2222")  # and passes the next time
    assert render(runs / "20261130T110000Z-local-bbbb2222", html).returncode == 0
    second = live_result(html / "index.html")
    assert (first["status"], second["status"]) == ("failed", "passed")
    assert [(h["id"], h["status"]) for h in second["history"]] == [(first["id"], "failed")]
    assert (tmp_path / "reports" / "allure-history.jsonl").is_file()  # beside reports/runs, fed to every render


def test_a_run_that_was_never_rendered_still_enters_the_history(run_drill, faults, tmp_path):
    runs, html = tmp_path / "reports" / "runs", tmp_path / "reports" / "html"
    faults.inject("/health/live", status=503)
    health_run(run_drill, runs / "20261130T100000Z-local-aaaa1111")
    faults.reset()
    health_run(run_drill, runs / "20261130T110000Z-local-bbbb2222")
    assert render(runs / "20261130T110000Z-local-bbbb2222", html).returncode == 0  # only the second is rendered
    assert (tmp_path / "reports" / "allure-history.runs").read_text().split() == [
        "20261130T100000Z-local-aaaa1111", "20261130T110000Z-local-bbbb2222"]
    assert [h["status"] for h in live_result(html / "index.html")["history"]] == ["failed"]
    assert len((tmp_path / "reports" / "allure-history.jsonl").read_text().splitlines()) == 2
