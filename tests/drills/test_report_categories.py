"""The report's categories file each kind of outcome apart, with Allure's own matching, on real drill runs.

Each test makes one kind of outcome happen on the sandbox, reads the Allure results the run wrote, and files
them into the run's own ``categories.json`` with Allure's code (tests/allure_categories.mjs): the first match
(Allure 3) and every match (the classic report) must both be the kind's category. The category comes from the
kind the failure carries (the first line of the trace), never from the message's words.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import pytest

from drillbook.findings import KINDS
from drillbook.record.categories import CATEGORIES, CATEGORY_NAMES, LABEL, TRACE_HEAD

FILER = Path(__file__).resolve().parents[1] / "allure_categories.mjs"
HEALTH = ("-m", "health")


def outcomes(results: Path) -> list[dict]:
    """Status and message of every test result a run wrote (allure-pytest's *-result.json)."""
    found = []
    for path in sorted(results.glob("*-result.json")):
        data = json.loads(path.read_text())
        details = data.get("statusDetails", {})
        found.append({"name": data["name"], "status": data["status"], "message": details.get("message", ""),
                      "trace": details.get("trace", ""),
                      "kinds": [label["value"] for label in data.get("labels", []) if label["name"] == LABEL]})
    return found


def filed(results: Path, kept: list[dict]) -> list[dict]:
    """Allure's own filing of ``kept`` under the run's categories.json."""
    listing = results.parent / "outcomes.json"
    listing.write_text(json.dumps([{"status": o["status"], "message": o["message"], "trace": o["trace"]}
                                   for o in kept]))
    done = subprocess.run(["node", str(FILER), str(results / "categories.json"), str(listing)],
                          capture_output=True, text=True, timeout=60, cwd=FILER.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def whole_matches(outcome: dict) -> list[str]:
    """Allure 2's rule: every category whose regex matches the whole trace (Java's Pattern.matches)."""
    return [c["name"] for c in CATEGORIES if outcome["status"] in c["matchedStatuses"]
            and re.fullmatch(c["traceRegex"], outcome["trace"])]


def assert_filed_as(run_drill, kind: str, *statuses: str) -> list[dict]:
    """Every result of the run with one of ``statuses`` is filed under ``kind``'s category alone, by every rule."""
    kept = [o for o in outcomes(run_drill.results) if o["status"] in statuses]
    assert kept, f"the run left no {' or '.join(statuses)} result"
    category = CATEGORY_NAMES[kind]
    for outcome, allure in zip(kept, filed(run_drill.results, kept)):
        assert (allure["first"], allure["all"], whole_matches(outcome)) == (category, [category], [category]), outcome
        assert outcome["kinds"] == [kind], outcome
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
    assert set(CATEGORY_NAMES) == set(KINDS) == tested | {"defect"}


# Words each old message regex keyed on: a message carrying them all was filed by its words, not its finding.
MISLEADING = ("refused: destructive drill on production; staging.toml: [redis] url: environment variable X is not "
              "set; target unreachable, no data, inconclusive -> runbook §Service health: restart it")
STATUS_OF = {"refused": "skipped", "configuration": "failed", "unreachable": "broken", "no data": "failed",
             "threshold": "failed", "defect": "broken"}


def test_each_kind_is_filed_under_its_category_whatever_its_message_says(tmp_path):
    """Every kind, with a message that holds every other kind's words, lands in its own category alone."""
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "categories.json").write_text(json.dumps(CATEGORIES))
    kept = [{"status": STATUS_OF[kind], "message": f"Failed: {MISLEADING}",
             "trace": f"{TRACE_HEAD}{kind}\n{MISLEADING}"} for kind in KINDS]
    for kind, outcome, allure in zip(KINDS, kept, filed(results, kept)):
        category = CATEGORY_NAMES[kind]
        assert (allure["first"], allure["all"], whole_matches(outcome)) == (category, [category], [category]), kind


BREACH_IN_MISLEADING_WORDS = f"""
import pytest

from drillbook.components.check import fail


@pytest.mark.health
@pytest.mark.runbook("service-health")
def test_a_breach_told_in_other_kinds_words():
    fail("service-health", {MISLEADING!r}, source="https://api.castiel.invalid/health")
"""


def test_a_breach_whose_message_reads_like_other_kinds_is_filed_as_a_breach(run_drill, tmp_path):
    drill = tmp_path / "test_misleading_drill.py"
    drill.write_text(BREACH_IN_MISLEADING_WORDS)
    run_drill("-m", "health", paths=(str(drill),))
    kept = assert_filed_as(run_drill, "threshold", "failed", "broken")
    assert MISLEADING in kept[0]["message"] and kept[0]["trace"].startswith(f"{TRACE_HEAD}threshold\n")
