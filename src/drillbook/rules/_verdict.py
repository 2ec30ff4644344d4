"""The outcome of a rule over a run, and the one line that tells it.

The line states the measurement only: ``drillbook.runbook`` adds the source, the
runbook section and the remedy around it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, cast

from drillbook.rules._interval import undecided
from drillbook.rules._model import Evaluation, Rule

Status = Literal["pass", "fail", "inconclusive"]

_EPOCH_FLOOR = 1e9  # later than 2001-09-09: a time above it is taken as Unix epoch seconds


@dataclass(frozen=True)
class Verdict:
    """FAIL at the first complete window that breached; PASS if windows with data were judged
    and none breached; INCONCLUSIVE if no complete window had data.

    ``worst`` is the judged evaluation with the highest value (``>`` rules) or the
    lowest (``<`` rules). ``final`` is False for a verdict taken mid-watch: a pass
    or an inconclusive may still turn into a fail.

    >>> rule = Rule("api_error_rate", "rate", ">", 5, window_s=300, min_count=20, unit="%")
    >>> ok = Evaluation(600.0, "ok", 3.1, 300.0, 600.0, count=400, hits=12)
    >>> idle = Evaluation(660.0, "no_data", None, 360.0, 660.0, count=4)
    >>> Verdict.of(rule, [ok, idle], run_start=0).describe()
    'api_error_rate pass: worst 3.1 % (breach > 5 %) over 300 s window ending +600 s (1 of 2 evaluations judged, 1 no data)'
    """

    status: Status
    rule: Rule
    first_breach: Evaluation | None
    worst: Evaluation | None
    evaluations: tuple[Evaluation, ...]
    no_data: int
    judged: int
    run_start: float = 0.0
    final: bool = True

    @classmethod
    def of(cls, rule: Rule, evaluations: Iterable[Evaluation], run_start: float, *, final: bool = True) -> Verdict:
        """Derive the verdict from a run's evaluations, in time order."""
        every = tuple(evaluations)
        judged = [e for e in every if e.judged]
        first = next((e for e in judged if e.state == "breach"), None)
        status: Status = "fail" if first else "pass" if judged else "inconclusive"
        no_data = sum(e.state == "no_data" for e in every)
        return cls(status, rule, first, _worst(rule, judged), every, no_data, len(judged), float(run_start), final)

    @property
    def warming(self) -> int:
        """Evaluations whose window was not complete yet."""
        return len(self.evaluations) - self.judged - self.no_data

    def describe(self) -> str:
        """One line: what was measured against which limit, over which window, and how much data."""
        return _DESCRIBERS[self.status](self)


def _worst(rule: Rule, judged: list[Evaluation]) -> Evaluation | None:
    """The judged evaluation furthest on the breach side; the earliest among equals."""
    if not judged:
        return None
    pick = max if rule.higher_is_worse else min
    return pick(judged, key=lambda e: cast(float, e.value))


def _describe_fail(v: Verdict) -> str:
    """``p95 1240 ms > 1000 ms over 600 s window ending ... (first breach after ...)``."""
    first, rule = cast(Evaluation, v.first_breach), v.rule
    worst = "" if v.worst is first else f", worst {format_value(rule, v.worst)}"
    limit = f"{rule.op} {_quantity(rule, rule.limit)}"
    if _open(first):  # "> 1000 ms > 1000 ms" would read as a typo: say which is the value and which the limit
        head, lead = f"{format_value(rule, first)} ({_bucket_note(rule, first)}), breach {limit},", ""
    else:
        head, lead = f"{format_value(rule, first)} {limit}", _lead(rule, first)
    return (
        f"{rule.name} {head} over {_seconds(rule.window_s)} window ending {_time(first.window_end)} "
        f"({lead}first breach after {_seconds(first.at - v.run_start)}{worst}; {_counts(v)})"
    )


def _open(evaluation: Evaluation | None) -> bool:
    """Whether the value is only a lower bound: the rank fell in the +Inf bucket."""
    return bool(evaluation and evaluation.bucket and math.isinf(evaluation.bucket[1]))


def _describe_pass(v: Verdict) -> str:
    """``api_error_rate pass: worst 3.1 % (breach > 5 %) over 300 s window ending ...``."""
    worst, rule = cast(Evaluation, v.worst), v.rule
    return (
        f"{rule.name} pass{_so_far(v)}: worst {format_value(rule, worst)}"
        f" (breach {rule.op} {_quantity(rule, rule.limit)})"
        f" over {_seconds(rule.window_s)} window ending {_time(worst.window_end)} ({_lead(rule, worst)}"
        f"{_counts(v)})"
    )


def _describe_inconclusive(v: Verdict) -> str:
    """Why no window could be judged: no samples, no data, or still warming up."""
    head, rule = f"{v.rule.name} inconclusive{_so_far(v)}", v.rule
    if not v.evaluations:
        return f"{head}: no samples"
    blind = next((e for e in v.evaluations if e.state == "no_data" and undecided(rule, e.bucket)), None)
    if blind is not None:
        return f"{head}: {_bucket_note(rule, blind)} ({_counts(v)})"
    if not v.no_data:
        covered = _seconds(v.evaluations[-1].at - v.run_start)
        return f"{head}: no complete {_seconds(rule.window_s)} window yet, the run covered {covered} ({_counts(v)})"
    need = _plural(rule.minimum, "point" if rule.kind == "gauge" else "request")
    return f"{head}: no complete {_seconds(rule.window_s)} window had ≥ {need} ({_counts(v)})"


_DESCRIBERS: dict[str, Callable[[Verdict], str]] = {
    "fail": _describe_fail,
    "pass": _describe_pass,
    "inconclusive": _describe_inconclusive,
}


def _counts(v: Verdict) -> str:
    """How many evaluations were judged, had no data, or were warming up."""
    total = len(v.evaluations)
    blind = sum(e.state == "no_data" and undecided(v.rule, e.bucket) for e in v.evaluations)
    parts = [f"{v.no_data} no data" + (f" ({blind} undecided by the buckets)" if blind else "")] if v.no_data else []
    parts += [f"{v.warming} warming up"] if v.warming else []
    if v.judged:
        return ", ".join([f"{v.judged} of {total} evaluations judged", *parts])
    if v.no_data and v.warming:
        return f"{_plural(total, 'evaluation')}: {', '.join(parts)}"
    return f"{_plural(total, 'evaluation')}, all {'no data' if v.no_data else 'warming up'}"


def _so_far(v: Verdict) -> str:
    """A mid-watch pass or inconclusive may still become a fail."""
    return "" if v.final else " so far"


def format_value(rule: Rule, evaluation: Evaluation | None) -> str:
    """An evaluation's value with the rule's unit: ``1250 ms``, or ``> 1000 ms`` for a rank in +Inf."""
    value = evaluation.value if evaluation else None
    if value is None:
        return "no data"
    return f"> {_quantity(rule, cast(tuple, evaluation.bucket)[0])}" if _open(evaluation) else _quantity(rule, value)


def _lead(rule: Rule, evaluation: Evaluation) -> str:
    """The bucket note followed by ``; ``, or nothing for an exact value."""
    return f"{_bucket_note(rule, evaluation)}; " if evaluation.bucket is not None else ""


def _bucket_note(rule: Rule, evaluation: Evaluation) -> str:
    """How coarse the bucket holding the rank was, and whether the value rests on interpolation."""
    lower, upper = cast(tuple[float, float], evaluation.bucket)
    if math.isinf(upper):
        note = f"rank in +Inf bucket above {_quantity(rule, lower)}"
        if undecided(rule, evaluation.bucket):
            note += (f", which cannot tell the p{_number(100 * (rule.quantile or 1))} from the "
                     f"{_quantity(rule, rule.limit)} limit -> expose bucket bounds at and above the limit")
        return note
    note = f"rank in the {_number(lower)}-{_quantity(rule, upper)} bucket"
    return f"{note}, which holds the limit: interpolated" if lower < rule.limit < upper else note


def _quantity(rule: Rule, number: float) -> str:
    """``7.2 %``, ``1240 ms``, or a bare number when the rule has no unit."""
    return f"{_number(number)} {rule.unit}" if rule.unit else _number(number)


def _seconds(seconds: float) -> str:
    """A duration in seconds: ``300 s``."""
    return f"{_number(seconds)} s"


def _time(at: float) -> str:
    """ISO UTC for epoch seconds, else the clock reading as ``+N s``."""
    if at > _EPOCH_FLOOR:
        return datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{'+' if at >= 0 else '-'}{_seconds(abs(at))}"


def _number(x: float) -> str:
    """Three significant digits without exponent or trailing zeros: 7.2, 1240, 0.0123."""
    if not math.isfinite(x) or x == 0:
        return f"{x:g}"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if decimals else text


def _plural(n: int, noun: str) -> str:
    """``1 request``, ``20 requests``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
