"""The report's categories file each kind of outcome apart, with Allure's own matching, on real drill runs.

Each test makes one kind of outcome happen on the sandbox, reads the Allure results the run wrote, and files
their messages into the run's own ``categories.json`` with Allure's code (tests/allure_categories.mjs): the
first match (Allure 3) and every match (the classic report) must both be the kind's category.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import pytest

from drillbook.record.evidence import CATEGORIES, CATEGORY_NAMES

FILER = Path(__file__).resolve().parents[1] / "allure_categories.mjs"
HEALTH = ("-m", "health")


def outcomes(results: Path) -> list[dict]:
    """Status and message of every test result a run wrote (allure-pytest's *-result.json)."""
    found = []
    for path in sorted(results.glob("*-result.json")):
        data = json.loads(path.read_text())
        found.append({"name": data["name"], "status": data["status"],
                      "message": data.get("statusDetails", {}).get("message", "")})
    return found


def filed(results: Path, kept: list[dict]) -> list[dict]:
    """Allure's own filing of ``kept`` under the run's categories.json."""
    listing = results.parent / "outcomes.json"
    listing.write_text(json.dumps([{"status": o["status"], "message": o["message"]} for o in kept]))
    done = subprocess.run(["node", str(FILER), str(results / "categories.json"), str(listing)],
                          capture_output=True, text=True, timeout=60, cwd=FILER.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def whole_matches(outcome: dict) -> list[str]:
    """Allure 2's rule: every category whose regex matches the whole message (Java's Pattern.matches)."""
    return [c["name"] for c in CATEGORIES if outcome["status"] in c["matchedStatuses"]
            and re.fullmatch(c["messageRegex"], outcome["message"])]


def assert_filed_as(run_drill, kind: str, *statuses: str) -> list[dict]:
    """Every result of the run with one of ``statuses`` is filed under ``kind``'s category alone, by every rule."""
    kept = [o for o in outcomes(run_drill.results) if o["status"] in statuses]
    assert kept, f"the run left no {' or '.join(statuses)} result"
    category = CATEGORY_NAMES[kind]
    for outcome, allure in zip(kept, filed(run_drill.results, kept)):
        assert (allure["first"], allure["all"], whole_matches(outcome)) == (category, [category], [category]), outcome
    return kept


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_written_categories_are_the_ones_checked(run_drill, faults):
    run_drill(*HEALTH, "-k", "live")
    assert json.loads((run_drill.results / "categories.json").read_text()) == CATEGORIES


def test_breached_thresholds_and_wrong_answers_are_filed_as_breached(run_drill, faults):
    faults.inject("/health", latency_ms=900)
    run_drill(*HEALTH, "-k", "within_budget")
    faults.reset()
    faults.inject("/health", status=503, error_rate=1.0)
    run_drill(*HEALTH)
    kept = assert_filed_as(run_drill, "threshold", "failed", "broken")
    assert any("> budget 500 ms" in o["message"] for o in kept) and any("returned 503" in o["message"] for o in kept)


def test_an_unreachable_or_hanging_target_is_not_a_breach(run_drill, faults, env_file):
    dead = env_file(base_url=f"http://127.0.0.1:{free_port()}")
    run_drill("-m", "health or cache", f"--env-file={dead}")
    faults.inject("/health", hang=True, ttl_s=30)
    run_drill(*HEALTH)
    kept = assert_filed_as(run_drill, "unreachable", "failed", "broken")
    assert {"failed", "broken"} <= {o["status"] for o in kept}
    assert any("no answer within 3 s" in o["message"] for o in kept)


def test_a_watch_without_data_is_filed_as_no_data(run_drill, faults):
    run_drill("-m", "watch", "--watch", "6s", "--watch-window", "2s", "--watch-interval", "1s",
              "--watch-probe-rps", "0")
    kept = assert_filed_as(run_drill, "no data", "failed", "broken")
    assert "no data is not a pass" in kept[0]["message"]


def test_a_missing_secret_is_filed_as_configuration(run_drill, faults, env_file):
    path = env_file('\n[redis]\nurl = { env = "DRILLBOOK_TEST_UNSET_REDIS" }\n')
    run_drill("-m", "cache", f"--env-file={path}", environ={"DRILLBOOK_TEST_UNSET_REDIS": ""})
    kept = assert_filed_as(run_drill, "configuration", "failed", "broken")
    assert "environment variable DRILLBOOK_TEST_UNSET_REDIS is not set" in kept[0]["message"]


def test_a_refused_drill_is_filed_as_refused(run_drill, env_file):
    path = env_file('\n[redis]\nurl = "redis://127.0.0.1:9/0"\n', tier="production",
                    base_url="https://api.castiel.invalid")
    run_drill("-m", "cache and destructive", f"--env-file={path}", paths=("checks/test_cache.py",))
    kept = assert_filed_as(run_drill, "refused", "skipped")
    assert kept[0]["message"].startswith("Skipped: refused: destructive drill on production without approval")


def test_every_kind_has_a_category_and_a_test():
    tested = {"threshold", "unreachable", "no data", "configuration", "refused"}
    assert set(CATEGORY_NAMES) == tested | {"defect"}
