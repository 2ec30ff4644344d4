"""A long drill says what it does: a stamped line at most 5 s apart in every phase, and a run that waits for
another drill's lock names the holder."""

from __future__ import annotations

import getpass
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from chaos_runs import WAIT_S, chaos_env, start_drill, wait_for

MAX_GAP_S = 5
LINE = re.compile(r"drillbook (\d\d):(\d\d):(\d\d)Z chaos ([a-z-]+): (.*)$")
# windows long enough that silence would show: 6 s steady state, 7 s observed, a restart that keeps the API down 8 s
LONG_PHASES = """
[chaos]
steady_window_s = 6
observe_s = 7
rto_s = 30
restart_down_s = 8
"""


def drill_lines(output: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Each drill's progress lines as (seconds of the day, text), in order."""
    lines: dict[str, list[tuple[int, str]]] = {}
    for line in output:
        match = LINE.search(line)
        if match:
            hours, minutes, seconds, drill, text = match.groups()
            lines.setdefault(drill, []).append((int(hours) * 3600 + int(minutes) * 60 + int(seconds), text))
    return lines


def longest_silence(lines: list[tuple[int, str]]) -> int:
    return max((later - earlier) % 86400 for (earlier, _), (later, _) in zip(lines, lines[1:]))


def test_progress_lines_are_at_most_5_s_apart_in_every_phase(run_drill, faults, env_file):
    result = run_drill("-m", "chaos", "-k", "redis_outage or service_down", f"--env-file={env_file(LONG_PHASES)}",
                       paths=("chaos",))
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    lines = drill_lines(result.outlines)
    assert sorted(lines) == ["redis-outage", "service-down"]
    for drill, seen in lines.items():
        assert longest_silence(seen) <= MAX_GAP_S, f"{drill}: " + "\n".join(f"{at} {text}" for at, text in seen)
        texts = [text for _, text in seen]
        for phase in ("steady state", "inject", "observe", "revert", "recover", "steady state after recovery"):
            assert any(text.startswith(phase) for text in texts), f"{drill}: no {phase} line in {texts}"
        # the silent stretches spoke: the windows' traffic so far, the probes' looks, what recovery waits for
        assert any(re.match(r"steady state \d+ s of 6 s: \d+ probe requests, 0 failed", text) for text in texts)
        assert any(re.match(r"steady state after recovery \d+ s of 6 s: \d+ probe requests", text) for text in texts)
    redis = [text for _, text in lines["redis-outage"]]
    assert any(re.match(r"observe \d+ s of 7 s: /health/ready reports redis down \d+/\d+ held", t) for t in redis)
    restart = [text for _, text in lines["service-down"]]
    assert any(re.match(r"recover \d+ s of 30 s: GET /health answers 200: no answer", text) for text in restart)


class Reader:
    """A run's output, line by line as it arrives, with the time each line came."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[tuple[float, str]] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def matching(self, pattern: str) -> list[tuple[float, str]]:
        return [(at, line) for at, line in list(self.lines) if re.search(pattern, line)]

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def test_a_run_waiting_for_another_drills_lock_names_the_holder_every_few_seconds(run_drill, faults, env_file,
                                                                                tmp_path):
    holder = start_drill(run_drill, env_file, "redis_outage")  # holds the target's chaos lock for a minute
    waiter = None
    try:
        assert wait_for(lambda: faults.info()["dependencies"]["redis"] == "stopped")
        argv, env = run_drill.command("-m", "chaos", "-k", "redis_hang", chaos_env(env_file),
                                      f"--journal-dir={tmp_path / 'second-journal'}", paths=("chaos",))
        env.pop("PYTEST_ADDOPTS", None)
        env.pop("DRILLBOOK_RUN_DIR", None)
        waiter = subprocess.Popen(argv, cwd=run_drill.workdir, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        output = Reader(waiter)
        waiting = r"chaos redis-hang: waiting for the chaos lock"
        assert wait_for(lambda: len(output.matching(waiting)) >= 3), output.text()
        first = output.matching(waiting)[0][1]
        assert re.search(rf"waiting for the chaos lock: held by {re.escape(getpass.getuser())} \(pid {holder.pid} on "
                         rf"{re.escape(socket.gethostname())}, chaos redis-outage\) since \d\d:\d\d:\d\dZ, \d+ s ago",
                         first), first
        arrivals = [at for at, _ in output.matching(waiting)]
        assert max(b - a for a, b in zip(arrivals, arrivals[1:])) <= MAX_GAP_S  # flushed as it goes, not at the end
        assert re.search(r"waiting for the chaos lock \d+ s of 600 s: held by .*chaos redis-outage",
                         output.matching(waiting)[-1][1])
        holder.send_signal(signal.SIGINT)  # the holder reverts and lets go; the waiter runs its drill
        holder.communicate(timeout=WAIT_S)
        assert waiter.wait(timeout=WAIT_S) == 0, output.text()
        assert output.matching(r"chaos redis-hang: got the chaos lock") and output.matching(r"redis-hang: inject:")
    finally:
        for process in (holder, waiter):
            if process is not None and process.poll() is None:
                process.kill()
    assert faults.info()["dependencies"]["redis"] == "running"


def test_the_issues_hand_set_windows_pass_the_latency_drill_with_a_derived_probe_rate(run_drill, faults, env_file):
    # before: "no data (6 requests < 10 needed)" at the fixed 5 probe rps
    windows = env_file("[chaos]\nsteady_window_s = 5\nobserve_s = 5\n")
    result = run_drill("-m", "chaos", "-k", "latency", f"--env-file={windows}", paths=("chaos",))
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    result.stdout.fnmatch_lines(["*cosmos-latency: steady state: a 5 s window at 18 probe rps (drill profile default)*"])


def test_a_probe_rate_that_cannot_fill_the_windows_is_refused_before_anything_runs(run_drill, env_file):
    thin = env_file("[chaos]\nsteady_window_s = 5\nobserve_s = 5\nprobe_rps = 5\n")
    result = run_drill("-m", "chaos", f"--env-file={thin}", paths=("chaos",))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*drill-env.toml: [[]chaos[]] probe_rps = 5 cannot fill steady_window_s = 5 and "
                                 "observe_s = 5 * -> set probe_rps = 18, lengthen observe_s, or leave probe_rps unset "
                                 "to have it derived"])
    assert "inject" not in result.stdout.str()


def test_the_short_profile_on_a_real_target_is_one_line(run_drill, env_file):
    staging = env_file(tier="staging", base_url="https://127.0.0.1:9")  # never contacted: refused first
    result = run_drill("-m", "chaos", "--drill-profile=short", f"--env-file={staging}", paths=("chaos",))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--drill-profile short: only for the sandbox (tier local), this target is tier "
                                 "staging -> drop the option*"])
    assert len([line for line in result.errlines if line.strip()]) == 1
