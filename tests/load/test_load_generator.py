"""A saturated or short-handed generator is not a slow API: its latency breaches are inconclusive, and said so."""

import json
import os
import signal

from load_drill import LOAD, PATHS, WORKERS_RUNNING, wait_for_group

from drillbook import runbook
from drillbook.load._generator import GeneratorReading, planned_users, users_expected
from drillbook.load._judge import LoadJudge
from drillbook.load._settings import Stage
from drillbook.load._stats import StatsReader

BOUNDS = [100, 1000, 1500, 2000]
T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z

# Every request waits for the other users' 0.25 s of CPU in locust's one event loop: ~1.75 s measured, 2 ms served.
BURNER = '''
import time
from locust import HttpUser, constant, task

class Burner(HttpUser):
    wait_time = constant(0)

    @task
    def read_then_burn(self):
        self.client.get("/health")
        end = time.perf_counter() + 0.25
        while time.perf_counter() < end:
            pass
'''

# Every other user stops after its first request: locust holds 4 of the 8 users the shape asks for.
HALF_QUIT = '''
import itertools
from locust import HttpUser, constant, task
from locust.exception import StopUser

NUMBERS = itertools.count()

class HalfQuit(HttpUser):
    wait_time = constant(0.5)

    def on_start(self):
        self.quits = next(NUMBERS) % 2 == 1

    @task
    def read(self):
        self.client.get("/health")
        if self.quits:
            raise StopUser()
'''


def line(at: float, *, slow: int = 0, fast: int = 0, busy: float = 20.0, wait: float = 0.0, role="local") -> str:
    routes = {"GET /health": {"count": slow + fast, "failures": 0, "buckets": [fast, 0, slow, 0, 0], "errors": {}}}
    return json.dumps({"at": at, "interval_s": 2.0, "pid": 7, "process": "bench:7", "role": role, "users": 8,
                       "bounds": BOUNDS, "generator": {"cpu_pct": busy, "wait_pct": wait}, "routes": routes}) + "\n"


def judged(tmp_path, *lines: str) -> LoadJudge:
    (tmp_path / "stats-7.jsonl").write_text("".join(lines))
    judge = LoadJudge.for_runbook(runbook.threshold, duration_s=12, interval_s=2, window_s=4, min_requests=5,
                                  run_start=T0)
    judge.name_process = lambda process: f"locust (pid {process.split(':')[1]})"
    for interval in StatsReader(tmp_path).drain():
        judge.add(interval)
    return judge


def test_a_latency_breach_with_the_generator_saturated_is_inconclusive_and_names_the_process(tmp_path):
    judge = judged(tmp_path, *(line(T0 + 2 * k, slow=20, busy=60, wait=37) for k in range(1, 5)))
    assert judge.failed == []
    [p95] = [t for t in judge.inconclusive if t.label == "api_p95"]
    assert p95.finding().startswith("api_p95 inconclusive: 1475 ms > 1000 ms over 4 s window ending 2027-01-15T08:00:04Z")
    assert p95.finding().endswith(", but generator saturated (cpu 60 % + 37 % waiting for a core on locust (pid 7) at "
                                  "08:00:02Z): the figures measure the generator, not the API -> add --load-workers "
                                  "or a bigger runner")


def test_a_later_breach_with_the_generator_idle_is_a_failure_of_the_api(tmp_path):
    saturated = [line(T0 + 2 * k, slow=20, busy=95) for k in (1, 2)]
    idle = [line(T0 + 2 * k, slow=20, busy=15) for k in (3, 4, 5)]
    judge = judged(tmp_path, *saturated, *idle)
    [p95] = [t for t in judge.failed if t.label == "api_p95"]
    # (T0+2, T0+6] holds a saturated interval, but its idle one (T0+4, T0+6] breaches alone: the API's breach
    assert p95.verdict.first_breach.window_end == T0 + 6
    assert "95 %" in judge.saturation and "(2 of 5 readings above 90 %)" in judge.saturation


def test_a_breach_the_unsaturated_intervals_carry_alone_is_a_failure_of_the_api(tmp_path):
    """A busy machine starves locust while it spawns users; the slow answers that follow, on an idle generator, are
    the API's (seen in a CI run: cpu 24 % + 71 % waiting at start-up, then 1.7 s p95 at 1 % cpu)."""
    startup = line(T0 + 2, fast=20, busy=24, wait=71)
    judge = judged(tmp_path, startup, line(T0 + 4, slow=20, busy=1))
    [p95] = [t for t in judge.failed if t.label == "api_p95"]
    assert p95.status == "fail" and p95.verdict.first_breach.window_end == T0 + 4  # the window holds the start-up
    assert "generator saturated" not in p95.finding()


def test_a_pass_with_the_generator_saturated_stays_a_pass_with_a_note(tmp_path):
    judge = judged(tmp_path, *(line(T0 + 2 * k, fast=20, busy=99) for k in range(1, 5)))
    assert judge.failed == [] and judge.inconclusive == []
    assert judge.saturation.startswith("generator saturated (cpu 99 % on locust (pid 7) at 08:00:02Z)")


def test_errors_are_never_excused_by_the_generator(tmp_path):
    lines = [line(T0 + 2 * k, fast=20, busy=99).replace('"failures": 0', '"failures": 10') for k in range(1, 5)]
    judge = judged(tmp_path, *lines)
    assert "api_error_rate" in [t.label for t in judge.failed]


def test_the_master_line_is_a_reading_not_a_process_that_runs_users(tmp_path):
    master = json.dumps({"at": T0 + 2, "interval_s": 2.0, "pid": 9, "process": "bench:9", "role": "master",
                         "generator": {"cpu_pct": 3.0, "wait_pct": 0.0}, "workers": {"bench_abc": "missing"}})
    (tmp_path / "stats-master-9.jsonl").write_text(master + "\n")
    (tmp_path / "stats-7.jsonl").write_text(line(T0 + 2, fast=5, role="worker"))
    reader = StatsReader(tmp_path)
    [interval] = reader.complete(now=T0 + 10)
    assert reader.processes == {"bench:7"} and reader.worker_states == {"bench_abc": "missing"}
    assert sorted(r.role for r in interval.generator) == ["master", "worker"]


def test_the_saturation_rule_counts_waiting_for_a_core_as_busy():
    assert GeneratorReading(0, "h:1", "local", cpu_pct=50, wait_pct=45).saturated
    assert not GeneratorReading(0, "h:1", "local", cpu_pct=88, wait_pct=1).saturated


def test_planned_users_follow_the_ramp_and_allow_for_spawn_lag():
    stages = (Stage(30, 10, 2), Stage(60, 10, 10), Stage(10, 40, 10))
    assert [planned_users(stages, t) for t in (1, 5, 91, 95, 100)] == [2, 10, 20, 40, 0]
    assert [users_expected((Stage(12, 8, 8),), at, 2) for at in (4, 6, 8, 10)] == [0, 8, 8, 0]


def drill_with_locustfile(run_drill, env_file, locustfile, source: str):
    """A 12 s load drill of ``source`` (written to ``locustfile``) that fails: the verdict is the test's to read."""
    locustfile.write_text(source)
    path = env_file(f'\n[load]\nlocustfile = "{locustfile}"\n')
    result = run_drill(*LOAD, "--load-duration", "12s", f"--env-file={path}", paths=PATHS)
    result.assert_outcomes(failed=1)
    return result


def test_a_generator_that_burns_cpu_is_inconclusive_not_a_slow_api(run_drill, env_file, tmp_path, faults):
    result = drill_with_locustfile(run_drill, env_file, tmp_path / "burner.py", BURNER)
    result.stdout.fnmatch_lines([
        "*load*generator cpu *",  # the progress line shows the generator's load
        "*inconclusive  api_p95 inconclusive: * ms > 1000 ms over 6 s window ending *, but generator saturated "
        "(cpu * on locust (pid *) at *Z): the figures measure the generator, not the API -> add --load-workers "
        "or a bigger runner*",
        "*pass  api_p95 server-side pass: *",
        "*load drill inconclusive after * s: a saturated generator is not a pass (use --allow-inconclusive*",
    ])
    assert "load drill failed" not in result.stdout.str()


def test_a_worker_that_stops_its_heartbeats_is_named_and_inconclusive(start_drill, registry, faults):
    drill = start_drill(*LOAD, "--load-duration", "60s", "--load-workers", "2")
    group = wait_for_group(registry, processes=3)
    worker = int(list(group["pids"])[-1])
    drill.wait_for_line(WORKERS_RUNNING)  # not a fixed time: on a busy machine worker-2 was still starting at 6 s
    os.kill(worker, signal.SIGSTOP)  # alive, but silent: only locust's heartbeats can tell
    try:
        code, output = drill.finish(timeout=120)
    finally:
        os.kill(worker, signal.SIGKILL) if os.path.exists(f"/proc/{worker}") else None
    assert code == 1, output
    assert "load drill inconclusive after" in output, output
    assert f"worker-2 (pid {worker}) stopped sending heartbeats: locust marked it missing by " in output, output
    assert "1 of 2 workers left, so the load was not what was planned" in output, output
    assert "worker-2 missing" in output, "the progress line shows the worker's state"


def test_a_generator_that_holds_fewer_users_than_planned_is_inconclusive(run_drill, env_file, tmp_path, faults):
    result = drill_with_locustfile(run_drill, env_file, tmp_path / "half_quit.py", HALF_QUIT)
    result.stdout.fnmatch_lines([
        "*load drill inconclusive after * s: no data is not a pass*",
        "*the generator held 4 of the 8 users the shape asked for at *Z (* of * intervals short): the target was "
        "not loaded as planned -> look in locust's log for users that stopped or never started; if the generator "
        "was saturated, add --load-workers or a bigger runner*",
    ])
