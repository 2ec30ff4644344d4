"""The load drill as a generator: its overhead over plain locust, its scaling with workers, its p95 against the server's.

    .venv/bin/python benchmarks/load_generator.py overhead [--runs 3 --seconds 20 --users 10]
    .venv/bin/python benchmarks/load_generator.py scaling  [--runs 3 --seconds 20 --users 20]
    .venv/bin/python benchmarks/load_generator.py p95      [--runs 3 --seconds 30 --users 10 --latency-ms 0]

overhead: requests per second of the drill (one locust process, drillbook's hooks, the
  judge reading every interval) against plain ``locust --headless`` with the same file,
  users and target, alternated in one run. Goal: at least 0.9x.
scaling: the drill with ``--load-workers 2`` against ``--load-workers 1``. Goal: at least
  1.6x on 2 cores.
  Both use benchmarks/_busy_user.py (no think time) against benchmarks/_fast_target.py,
  a canned answer on loopback, so the generator is the bottleneck, not the target;
  requests per second is locust's own count (its JSON) over its first to last request,
  so a shape's tick-aligned start does not count as overhead.
p95: the drill against the sandbox (load/castiel.py); its client p95 over the run against
  the p95 of the sandbox's Prometheus histogram over the same intervals (drillbook's scrape,
  as the drill prints both). The sandbox exposes the drill's own bucket bounds, so the two
  differ by what they time, not by bucket layout. Goal: within 10 %.

Prints each run and the median; the machine's load average before and after, since a
shared machine moves every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from _common import REPO, TARGET_ENV, drill_env, median, ratio, runs_wanted, running_sandbox

BUSY_USER = REPO / "benchmarks" / "_busy_user.py"
FAST_TARGET = REPO / "benchmarks" / "_fast_target.py"
ENV_FILE = TARGET_ENV + """[metrics]
source = "probe"
[load]
locustfile = "{locustfile}"
"""
WORKER_CPU = re.compile(r"worker-\d+ running cpu (\d+) %(?: \+ (\d+) % waiting for a core)?")
P95_LINE = re.compile(r"p95 over the run: client (\d+) ms, server (\d+) ms")


@contextmanager
def fast_target() -> Iterator[str]:
    """benchmarks/_fast_target.py in its own process; its URL."""
    proc = subprocess.Popen([sys.executable, str(FAST_TARGET)], stdout=subprocess.PIPE, text=True)
    try:
        yield f"http://127.0.0.1:{proc.stdout.readline().strip()}"
    finally:
        proc.kill()
        proc.wait()


def plain_locust_rps(url: str, users: int, seconds: int, tmp: Path) -> float:
    """``locust --headless`` alone, the same file, users and target: locust's count over the run's length."""
    out = tmp / "plain"
    subprocess.run([sys.executable, "-m", "locust", "-f", str(BUSY_USER), "--headless", "--only-summary", "-u",
                    str(users), "-r", str(users), "-t", f"{seconds}s", "--host", url, "--json-file", str(out)],
                   cwd=tmp, capture_output=True, timeout=seconds + 120)
    return _rps(json.loads(out.with_suffix(".json").read_text()))


def drill_rps(url: str, users: int, seconds: int, workers: int, tmp: Path) -> float:
    """The load drill (pytest -m load) against ``url``: locust's own count from the JSON it attached."""
    return drill_run(url, users, seconds, workers, tmp)[0]


def drill_run(url: str, users: int, seconds: int, workers: int, tmp: Path) -> tuple[float, str]:
    """The drill's requests per second, and how busy its workers were (from its progress lines)."""
    env_file, results = tmp / "bench.toml", tmp / f"allure-{os.urandom(4).hex()}"
    env_file.write_text(ENV_FILE.format(url=url, locustfile=BUSY_USER))
    output = _drill([f"--env-file={env_file}", f"--alluredir={results}", "--load-workers", str(workers)],
                    users, seconds, dict(os.environ, BENCH_ADMIN_TOKEN="bench-token-value"))
    attached = _attachment(results, "locust.json")
    if attached is None:
        raise SystemExit(f"the drill attached no locust.json; its output:\n{output[-3000:]}")
    return _rps(json.loads(attached.read_text())), _worker_load(output)


def _worker_load(output: str) -> str:
    """``workers cpu 62 % + 31 % waiting``: the mean over every worker reading the progress lines showed."""
    readings = [(float(cpu), float(wait or 0)) for cpu, wait in WORKER_CPU.findall(output)]
    if not readings:
        return "workers: no reading"
    cpu, wait = (statistics.mean(r[k] for r in readings) for k in (0, 1))
    return f"workers cpu {cpu:.0f} % + {wait:.0f} % waiting for a core"


def drill_p95(sandbox, users: int, seconds: int, tmp: Path) -> tuple[float, float]:
    """The drill against the sandbox: (client p95, server p95) over the run, as it prints them."""
    output = _drill([f"--alluredir={tmp / 'allure'}"], users, seconds, drill_env(sandbox))
    match = P95_LINE.search(output)
    if match is None:
        raise SystemExit(f"the drill printed no p95 line; its output:\n{output[-3000:]}")
    return float(match.group(1)), float(match.group(2))


def _drill(args: list[str], users: int, seconds: int, env: dict[str, str]) -> str:
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-s", "-m", "load", "--load-users",
            str(users), "--load-duration", f"{seconds}s", "--load-interval", "2s", "--allow-inconclusive", *args,
            str(REPO / "load")]
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=seconds + 300)
    return done.stdout + done.stderr


def _rps(entries: list[dict]) -> float:
    """Locust's request count over the time from its first request to its last; no requests is no figure."""
    count = sum(int(e["num_requests"]) for e in entries)
    span = max((e["last_request_timestamp"] or 0 for e in entries), default=0) - min(
        (e["start_time"] for e in entries), default=0)
    return ratio(count, span, "requests per second (locust's count / its first to last request, s)")


def _attachment(results: Path, name: str) -> Path | None:
    for path in results.glob("*-result.json"):
        for attachment in json.loads(path.read_text()).get("attachments", []):
            if attachment["name"] == name:
                return results / attachment["source"]
    return None


def overhead(args: argparse.Namespace, tmp: Path) -> None:
    plain, drill = [], []
    with fast_target() as url:
        for run in range(1, args.runs + 1):  # the order alternates, so a drift in the machine's load evens out
            first, second = (plain, drill) if run % 2 else (drill, plain)
            first.append(_rps_of(first is plain, url, args, tmp))
            second.append(_rps_of(second is plain, url, args, tmp))
            print(f"run {run}: plain locust {plain[-1]:.0f} rps, drill {drill[-1]:.0f} rps, "
                  f"ratio {ratio(drill[-1], plain[-1], 'drill rps / plain locust rps'):.2f}{_load()}", flush=True)
    _table("overhead (drill / plain locust, goal >= 0.9)", "plain locust rps", plain, "drill rps", drill)


def _rps_of(plain: bool, url: str, args: argparse.Namespace, tmp: Path) -> float:
    if plain:
        return plain_locust_rps(url, args.users, args.seconds, tmp)
    return drill_rps(url, args.users, args.seconds, 0, tmp)


def scaling(args: argparse.Namespace, tmp: Path) -> None:
    one, two = [], []
    with fast_target() as url:
        for run in range(1, args.runs + 1):  # the order alternates, so a drift in the machine's load evens out
            busy = {}
            for workers in (1, 2) if run % 2 else (2, 1):
                rps, busy[workers] = drill_run(url, args.users, args.seconds, workers, tmp)
                (one if workers == 1 else two).append(rps)
            print(f"run {run}: 1 worker {one[-1]:.0f} rps ({busy[1]}), 2 workers {two[-1]:.0f} rps ({busy[2]}), "
                  f"ratio {ratio(two[-1], one[-1], '2 workers rps / 1 worker rps'):.2f}{_load()}", flush=True)
    _table("scaling (2 workers / 1 worker, goal >= 1.6)", "1 worker rps", one, "2 workers rps", two)


def p95(args: argparse.Namespace, tmp: Path) -> None:
    client, server = [], []
    with running_sandbox() as sandbox:
        _match_buckets(sandbox)
        _slow_down(sandbox, args.latency_ms)
        for run in range(1, args.runs + 1):
            c, s = drill_p95(sandbox, args.users, args.seconds, tmp / str(run))
            client.append(c)
            server.append(s)
            print(f"run {run}: client p95 {c:.0f} ms, server p95 {s:.0f} ms, "
                  f"ratio {ratio(c, s, 'client p95 / server p95'):.2f}{_load()}", flush=True)
    _table(f"p95 agreement (client / server, goal within 10 %; {args.latency_ms} ms injected)",
           "server p95 ms", server, "client p95 ms", client)


def _match_buckets(sandbox) -> None:
    """The sandbox's histogram takes the drill's bounds (up to 10 s: its schema allows 40)."""
    bounds = [b / 1000 for b in _hook_bounds() if b <= 10000]
    _control(sandbox, "/_sandbox/metrics-shape", {"bucket_bounds": bounds})


def _hook_bounds() -> tuple[int, ...]:
    source = (REPO / "src" / "drillbook" / "load" / "_locust_hooks.py").read_text()
    return tuple(int(n) for n in re.search(r"BOUNDS = \(([^)]*)\)", source).group(1).replace("\n", " ").split(",")
                 if n.strip())


def _slow_down(sandbox, latency_ms: int) -> None:
    """Every shard route answers ``latency_ms`` later, so the p95 is the app's time, not loopback noise."""
    for route in ("/api/shards", "/api/shards/{id}") if latency_ms else ():
        _control(sandbox, "/_sandbox/faults", {"route": route, "latency_ms": latency_ms, "ttl_s": 3600})


def _control(sandbox, path: str, body: dict) -> None:
    response = httpx.post(f"{sandbox.url}{path}", json=body, headers={"X-Fault-Token": sandbox.fault_token},
                          timeout=10)
    response.raise_for_status()


def _load() -> str:
    """The machine's 1-minute load average: on a shared machine, the context every figure needs."""
    return f" (load average {os.getloadavg()[0]:.1f})"


def _table(title: str, base_name: str, base: list[float], other_name: str, other: list[float]) -> None:
    ratios = [ratio(o, b, f"{other_name} / {base_name}") for o, b in zip(other, base)]
    print(f"\n{title}: median ratio {median(ratios, title):.2f} over {len(ratios)} runs")
    print(f"{'':>16} {'median':>8}  runs")
    for name, values in ((base_name, base), (other_name, other), ("ratio", ratios)):
        form = "{:.2f}" if name == "ratio" else "{:.0f}"
        shown = ", ".join(form.format(v) for v in values)
        print(f"{name:>16} {form.format(median(values, name)):>8}  {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("overhead", "scaling", "p95"))
    parser.add_argument("--runs", type=runs_wanted, default=3, help="runs, at least 1 (default 3)")
    parser.add_argument("--seconds", type=int, default=None, help="shape length (default 20; p95: 30)")
    parser.add_argument("--users", type=int, default=None, help="users (default 10; scaling: 20)")
    parser.add_argument("--latency-ms", type=int, default=0, help="p95: slow the shard routes by this much")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (30 if args.what == "p95" else 20)
    args.users = args.users or (20 if args.what == "scaling" else 10)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="drillbook-bench-load-") as tmp:
        {"overhead": overhead, "scaling": scaling, "p95": p95}[args.what](args, Path(tmp))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
