"""The line the operator watches every interval: users, rps, p50/p95 (and the server's p95), errors, generator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drillbook.load._stats import Interval
from drillbook.rules import histogram_quantile

if TYPE_CHECKING:
    from drillbook.load._processes import ProcessGroup
    from drillbook.load._run import LoadRun


def progress_line(run: LoadRun, interval: Interval, group: ProcessGroup) -> str:
    """``load 00:12/01:00 | 10 users | 8.5 rps | p50 23 ms | p95 61 ms | errors 0.0 % | generator cpu 12 %``.

    Requests that never reached the API follow the errors: ``errors - | 16 never reached the API``.

    With workers, each one's state and CPU instead:
    ``workers 1/2 running: worker-1 running cpu 40 %, worker-2 exited (signal 9) | master cpu 3 %``.
    """
    total = interval.total()
    p50, p95 = total.percentile(0.5), total.percentile(0.95)
    parts = [f"load {clock(interval.at - run.started)}/{clock(run.settings.duration_s)}", f"{interval.users} users",
             f"{total.count / interval.length_s:.1f} rps", f"p50 {_ms(p50)}", f"p95 {_ms(p95)}{_server_p95(run)}",
             f"errors {'-' if total.error_pct is None else f'{total.error_pct:.1f} %'}"]
    if total.missed:  # not in the errors, which are the API's
        parts.append(f"{total.missed} never reached the API")
    loads = {run.judge.name_process(r.process): r for r in run.judge.generator[-64:]}  # the latest of each
    if not run.settings.distributed:
        parts += [f"generator {reading.load()}" for reading in loads.values()][-1:]
    if run.settings.workers:
        running = sum(c.exit_code is None and run.worker_states.get(c.label) != "missing" for c in group.children[1:])
        states = ", ".join(_worker_state(run, c, loads) for c in group.children[1:])
        parts.append(f"workers {running}/{run.settings.workers} running: {states}")
    master = next((loads[c.label] for c in group.children[:1] if c.label in loads), None)
    if run.settings.distributed and master:
        parts.append(f"master {master.load()}")
    if run.settings.remote_workers:
        parts.append(f"{run.processes} processes reporting")
    return " | ".join(parts)


def _worker_state(run: LoadRun, child, loads: dict) -> str:
    """``worker-1 running cpu 40 %``, ``worker-2 missing``, ``worker-2 exited (signal 9)``."""
    code = child.exit_code
    if code is not None:
        return f"{child.name} exited ({f'signal {-code}' if code < 0 else f'code {code}'})"
    state = run.worker_states.get(child.label, "starting")
    reading = loads.get(child.label)
    return f"{child.name} {state}" + (f" {reading.load()}" if reading and state != "missing" else "")


def _server_p95(run: LoadRun) -> str:
    """`` (server 19 ms)``: the latest server reading's p95, beside the client's."""
    readings = run.server.readings if run.server else []
    if not readings:
        return ""
    return f" (server {_ms(histogram_quantile(0.95, readings[-1].latency_buckets))})"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
