"""What a verdict is computed from and made of: samples, rules and evaluations."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Kind = Literal["rate", "percentile", "gauge"]
Op = Literal[">", ">=", "<", "<="]
State = Literal["warming", "no_data", "ok", "breach"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_KINDS = ("rate", "percentile", "gauge")


def _empty_buckets() -> Mapping[float, int]:
    """An empty, read-only histogram."""
    return MappingProxyType({})


@dataclass(frozen=True)
class Sample:
    """What one collection interval observed; ``at`` is the end of the interval in seconds.

    Counts are per interval (not cumulative). ``count`` and ``hits`` feed rate
    rules; ``buckets`` (upper bound in ms -> requests in that bucket alone) and
    ``durations`` (ms) feed percentile rules, which count their observations, not
    ``count``; ``points`` feed gauge rules. NaN durations and points are missing
    readings: they are skipped, never read as zero.

    >>> Sample(at=60, count=200, hits=3).hits
    3
    >>> Sample(at=60, buckets={250: 7, 100: 2, float("inf"): 1}).observations
    10
    """

    at: float
    count: int = 0
    hits: int = 0
    buckets: Mapping[float, int] = field(default_factory=_empty_buckets, hash=False)
    durations: tuple[float, ...] = ()
    points: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", float(self.at))
        frozen = {float(bound): int(n) for bound, n in self.buckets.items()}
        object.__setattr__(self, "buckets", MappingProxyType(frozen))
        object.__setattr__(self, "durations", tuple(map(float, self.durations)))
        object.__setattr__(self, "points", tuple(map(float, self.points)))
        _check_sample(self)

    @property
    def observations(self) -> int:
        """Latency observations in this sample: histogram counts plus raw durations."""
        return sum(self.buckets.values()) + sum(not math.isnan(d) for d in self.durations)


def _check_sample(sample: Sample) -> None:
    """Refuse a sample that no source could have measured."""
    where = f"sample at {sample.at}"
    if not math.isfinite(sample.at):
        raise ValueError(f"{where}: 'at' must be a finite time in seconds")
    if sample.count < 0 or sample.hits < 0 or any(n < 0 for n in sample.buckets.values()):
        raise ValueError(
            f"{where}: counts must be >= 0 (count={sample.count}, hits={sample.hits}, "
            f"buckets={dict(sample.buckets)}); pass per-interval counts, not counter deltas across a reset"
        )
    if any(math.isnan(bound) for bound in sample.buckets):
        raise ValueError(f"{where}: a bucket bound is NaN; bounds are upper limits in ms")


@dataclass(frozen=True)
class Rule:
    """A breach condition judged over a sliding window: ``value op limit`` means breach.

    >>> rule = Rule("api_error_rate", "rate", ">", 5, window_s=300, min_count=20, unit="%")
    >>> rule.breaches(5.0), rule.breaches(7.2)
    (False, True)
    """

    name: str
    kind: Kind
    op: Op
    limit: float
    window_s: float
    quantile: float | None = None
    min_count: int = 1
    min_points: int = 1
    unit: str = ""

    def __post_init__(self) -> None:
        _check_rule(self)

    def breaches(self, value: float) -> bool:
        """Whether ``value`` is on the breach side of the limit."""
        return _OPS[self.op](value, self.limit)

    @property
    def higher_is_worse(self) -> bool:
        """True for ``>``/``>=`` rules, whose worst value is the maximum."""
        return self.op in (">", ">=")

    @property
    def minimum(self) -> int:
        """Requests (or gauge points) a window needs before it counts as data."""
        return max(1, self.min_points if self.kind == "gauge" else self.min_count)


def _check_rule(rule: Rule) -> None:
    """Refuse a rule that cannot be judged, saying how to write it."""
    where = f"rule {rule.name}"
    if rule.kind not in _KINDS:
        raise ValueError(f"{where}: kind {rule.kind!r} is not one of {', '.join(_KINDS)}")
    if rule.op not in _OPS:
        raise ValueError(
            f"{where}: op {rule.op!r} is not one of {', '.join(_OPS)}; "
            "op is the breach condition (value op limit means breach)"
        )
    if not math.isfinite(rule.limit):
        raise ValueError(f"{where}: limit {rule.limit} must be a finite number")
    if not (math.isfinite(rule.window_s) and rule.window_s > 0):
        raise ValueError(f"{where}: window_s {rule.window_s} must be > 0 seconds (5 min is 300)")
    if rule.min_count < 0 or rule.min_points < 0:
        raise ValueError(f"{where}: min_count and min_points must be >= 0")
    _check_quantile(rule, where)


def _check_quantile(rule: Rule, where: str) -> None:
    """A percentile rule needs a quantile in (0, 1]; other kinds take none."""
    if rule.kind != "percentile":
        if rule.quantile is not None:
            raise ValueError(f"{where}: quantile only applies to percentile rules; drop it or set kind='percentile'")
        return
    if rule.quantile is None:
        raise ValueError(f"{where}: a percentile rule needs a quantile, e.g. quantile=0.95 for p95")
    if not 0 < rule.quantile <= 1:
        raise ValueError(f"{where}: quantile {rule.quantile} is not in (0, 1]; write 0.95 for p95")


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of a rule at time ``at`` over the window (window_start, window_end].

    ``value`` is None when the window had too little data. ``count`` is the number
    of requests the value stands on (rate and percentile rules), ``hits`` the
    numerator of a rate, ``points`` the gauge readings, ``samples`` the samples.
    ``bucket`` is the ``(lower, upper]`` (ms) of the histogram bucket that held a
    percentile's rank: the true value lies inside it (None for exact values).
    """

    at: float
    state: State
    value: float | None
    window_start: float
    window_end: float
    count: int = 0
    hits: int = 0
    points: int = 0
    samples: int = 0
    bucket: tuple[float, float] | None = None

    @property
    def judged(self) -> bool:
        """Whether this evaluation was a complete window with data."""
        return self.state in ("ok", "breach")
