"""``drillbook list``: every drill the run would collect, one for one, each with its runbook section and footprint."""

from __future__ import annotations

import json

import pytest

from cockpit_runs import ALL_DRILLS, REPO, pytest_collect_only, run_drillbook
from drillbook import runbook
from pytest_runs import scratch_repository


def listed(*args: str) -> list[dict]:
    done = run_drillbook("list", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["drills"]


@pytest.mark.parametrize("args", [("-m", ALL_DRILLS), ("-m", "smoke"), ("-m", "chaos or dr", "--env", "production")],
                         ids=["every-drill", "smoke", "chaos-on-production"])
def test_list_matches_pytest_collect_only_one_for_one(args, tmp_path):
    # the real plugin's collection, from a copy of the repository: its run folders land there, not here
    expected = pytest_collect_only(*args, cwd=scratch_repository(REPO, tmp_path))
    assert len(expected) > 5, "pytest collected too few drills: the comparison reads nothing"
    assert [drill["nodeid"] for drill in listed(*args)] == expected


def test_a_bare_list_shows_the_long_drills_a_bare_run_leaves_out():
    nodeids = [drill["nodeid"] for drill in listed()]
    assert nodeids == [drill["nodeid"] for drill in listed("-m", ALL_DRILLS)]
    assert any("test_watch.py" in nodeid for nodeid in nodeids) and any("test_chaos.py" in n for n in nodeids)


def test_every_listed_drill_names_a_runbook_section_with_its_severity_and_owner():
    drills = listed("--env", "staging")
    unnamed = [drill["nodeid"] for drill in drills if drill["section"] not in runbook.SECTIONS]
    assert unnamed == []
    for drill in drills:
        section = runbook.SECTIONS[drill["section"]]
        assert (drill["severity"], drill["owner"], drill["section_title"]) == (section.severity, section.owner,
                                                                               section.title)


def test_a_drill_shows_its_markers_footprint_faults_and_duration():
    drills = {drill["nodeid"]: drill for drill in listed("--env", "staging")}
    outage = drills["chaos/test_chaos.py::test_redis_outage_reads_fall_back_to_cosmos"]
    assert outage["markers"] == ["chaos", "destructive"] and outage["destructive"]
    assert outage["touches"] == ["HTTP", "Azure control plane"]
    assert [fault["kind"] for fault in outage["faults"]] == ["redis-reboot"]
    assert outage["duration"]["expected_s"] == 70 and outage["duration"]["at_most_s"] == 190  # 30+10+30, RTO 120
    cache = drills["checks/test_cache.py::test_redis_memory_below_limit"]
    assert (cache["touches"], cache["destructive"], cache["faults"]) == (["Redis"], False, [])
    watch = drills["checks/test_watch.py::test_post_deploy_watch_holds_the_runbook_thresholds"]
    assert watch["duration"]["expected_s"] == 15 * 60
    load = drills["load/test_load.py::test_critical_flows_hold_the_runbook_thresholds_under_load"]
    assert load["duration"]["expected_s"] == 300 + 1200 + 120 + 480  # staging's [load] stages


def test_the_same_drill_on_the_sandbox_injects_the_sandbox_fault():
    drills = {drill["nodeid"]: drill for drill in listed("-m", "chaos")}
    outage = drills["chaos/test_chaos.py::test_redis_outage_reads_fall_back_to_cosmos"]
    assert [fault["kind"] for fault in outage["faults"]] == ["dependency"] and outage["touches"] == ["HTTP"]


def test_the_table_has_a_row_per_drill_and_the_columns_named():
    done = run_drillbook("list", "-m", "smoke")
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[0].split() == ["DRILL", "MARKERS", "SECTION", "SEV", "OWNER", "DESTRUCTIVE", "TOUCHES", "FAULTS",
                                "DURATION"]
    assert lines[-1] == f"{len(lines) - 2} drills"
    assert any(line.startswith("checks/test_health.py::test_health_returns_200 ") and " service-health " in line
               for line in lines)


@pytest.mark.parametrize(("args", "said"), [
    (("-m", "smok"), "unknown marker 'smok' -> did you mean 'smoke'?"),
    (("--env", "prod"), "--env prod: no environment file"),
])
def test_a_bad_marker_or_environment_is_one_line_and_exit_4(args, said):
    done = run_drillbook("list", *args)
    assert done.returncode == 4 and done.stdout == ""
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("command", [("list", "--env", "production"), ("options",)])
def test_list_and_options_contact_nothing(command):
    done = run_drillbook(*command, no_network=True)
    assert done.returncode == 0 and "socket guard" not in done.stderr, done.stderr
