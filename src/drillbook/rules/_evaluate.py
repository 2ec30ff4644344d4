"""Judge a rule over sliding windows, one evaluation per collection interval.

Azure Monitor's metric alerts work this way: "error rate above 5% for 5 min" is
the aggregate over the last 300 s, evaluated at every sample's ``at``. The
evaluation at ``t`` covers samples with ``t - window_s < at <= t`` (and after
``run_start``); it is judged only once ``t - run_start >= window_s``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

from drillbook.rules._aggregate import Tally, tally
from drillbook.rules._interval import judge
from drillbook.rules._model import Evaluation, Rule, Sample, State
from drillbook.rules._verdict import Verdict


class Evaluator:
    """Evaluate a rule sample by sample, for a live watch that may stop early.

    What is decidable before the end: a FAIL, at the first complete window that
    breaches. A pass is not: any later window may still breach, so a watch that
    stops early without a breach ends with the pass *so far* over the windows it
    judged. :meth:`can_still_fail` tells the watch when to stop.

    Samples must arrive in time order. Several samples with the same ``at`` (one
    per instance, say) form one evaluation: each revises the evaluation at that
    time, so act on :attr:`failed` after the whole interval is in. With
    ``every_s``, each sample is evaluated at the next point of the grid
    ``run_start + k * every_s``, so jitter inside an interval changes nothing.

    >>> rule = Rule("api_error_rate", "rate", ">", 5, window_s=120, unit="%")
    >>> watch = Evaluator(rule, run_start=0)
    >>> [watch.add(Sample(at, count=100, hits=h)).state for at, h in [(60, 9), (120, 1), (180, 12)]]
    ['warming', 'ok', 'breach']
    >>> watch.failed, watch.can_still_fail(until=900)
    (True, False)
    """

    def __init__(self, rule: Rule, run_start: float, *, every_s: float | None = None) -> None:
        if every_s is not None and not every_s > 0:
            raise ValueError(f"every_s {every_s} must be > 0 seconds, or None to evaluate at each sample")
        self.rule = rule
        self.run_start = float(run_start)
        self.every_s = every_s
        self.evaluations: list[Evaluation] = []
        self._window: deque[tuple[float, Sample]] = deque()

    def add(self, sample: Sample) -> Evaluation:
        """Take in one sample and return the evaluation at its time."""
        at = self._eval_time(sample.at)
        self._check_order(at)
        self._window.append((at, sample))
        while self._window[0][0] <= at - self.rule.window_s:
            self._window.popleft()
        evaluation = self._evaluate(at)
        if self.evaluations and self.evaluations[-1].at == at:
            self.evaluations[-1] = evaluation
        else:
            self.evaluations.append(evaluation)
        return evaluation

    @property
    def failed(self) -> bool:
        """Whether some complete window has breached; final once a later sample arrives."""
        return any(e.state == "breach" for e in self.evaluations)

    def can_still_fail(self, until: float | None = None) -> bool:
        """Whether a later evaluation, at or before ``until`` (None: no deadline), could still fail.

        False once failed (the verdict is decided), and False when no complete
        window is left to end by ``until``: then more samples cannot change the
        outcome, and a watch may stop and take ``verdict(final=True)``.
        """
        if self.failed:
            return False
        if until is None:
            return True
        last = self.evaluations[-1].at if self.evaluations else -math.inf
        return until > last and until - self.run_start >= self.rule.window_s

    def verdict(self, final: bool = False) -> Verdict:
        """The verdict so far; ``final=True`` once the run is over."""
        return Verdict.of(self.rule, self.evaluations, self.run_start, final=final)

    def _eval_time(self, at: float) -> float:
        """The time the sample is evaluated at: its own, or the next grid point."""
        if self.every_s is None:
            return at
        steps = math.ceil(round((at - self.run_start) / self.every_s, 9))
        return self.run_start + steps * self.every_s

    def _check_order(self, at: float) -> None:
        """Refuse a sample older than the last evaluation: it would rewrite judged windows."""
        if self.evaluations and at < self.evaluations[-1].at:
            raise ValueError(
                f"{self.rule.name}: sample at {at} arrived after one at {self.evaluations[-1].at}; "
                "add samples in time order (evaluate() sorts a whole series)"
            )

    def _evaluate(self, at: float) -> Evaluation:
        """Aggregate the window ending at ``at`` and judge it."""
        start = max(at - self.rule.window_s, self.run_start)
        inside = [s for t, s in self._window if t > start]
        result = tally(self.rule, inside)
        return Evaluation(at, self._state(at, result), result.value, start, at, result.count, result.hits,
                          result.points, len(inside), result.bucket)

    def _state(self, at: float, result: Tally) -> State:
        """Warming until the window is complete, then no data, ok or breach (judged on the whole bucket)."""
        if at - self.run_start < self.rule.window_s:
            return "warming"
        if result.value is None:
            return "no_data"
        return judge(self.rule, result.value, result.bucket)


def infer_run_start(samples: Iterable[Sample], every_s: float | None = None) -> float:
    """The first sample's ``at`` minus one interval (``every_s``, else the first gap between times).

    With a single distinct time the interval is unknown and taken as 0, so no
    window is complete unless the caller passes ``run_start``.

    >>> infer_run_start([Sample(120), Sample(180), Sample(240)])
    60.0
    """
    times = sorted({s.at for s in samples})
    if not times:
        raise ValueError("no samples: pass run_start explicitly")
    gap = every_s if every_s is not None else (times[1] - times[0] if len(times) > 1 else 0.0)
    return float(times[0] - gap)


def evaluate(
    rule: Rule, samples: Iterable[Sample], run_start: float | None = None, *, every_s: float | None = None
) -> Verdict:
    """The final verdict of ``rule`` over a whole series (sorted by ``at`` first).

    >>> rule = Rule("api_error_rate", "rate", ">", 5, window_s=120, min_count=20, unit="%")
    >>> series = [Sample(at, count=100, hits=h) for at, h in [(60, 0), (120, 0), (180, 14), (240, 0)]]
    >>> verdict = evaluate(rule, series, run_start=0)
    >>> verdict.status, verdict.first_breach.at, verdict.first_breach.value
    ('fail', 180.0, 7.0)
    """
    ordered = sorted(samples, key=lambda s: s.at)
    if run_start is None:
        run_start = infer_run_start(ordered, every_s) if ordered else 0.0
    evaluator = Evaluator(rule, run_start, every_s=every_s)
    for sample in ordered:
        evaluator.add(sample)
    return evaluator.verdict(final=True)
