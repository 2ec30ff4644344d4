"""The report: one HTML file from a real run that opens from disk in headless Chromium and shows the run."""

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
