"""Aggregate a window of samples into one value: a rate, a percentile or a gauge mean.

Every aggregate depends only on the multiset of requests and points in the window,
never on how they were split into samples: rates are ratios of integer sums, gauge
means use ``math.fsum``, and percentiles pool all observations.

Percentiles: when no sample in the window has histogram buckets, the value is the
exact nearest-rank quantile of the pooled raw durations (an observed latency).
When any sample has buckets, the bucket bounds of the window are the union of all
bucket keys (zero counts included), raw durations are binned into those bounds
(``d`` goes to the smallest bound >= d, as Prometheus' ``le`` does) and the value is
:func:`histogram_quantile` of the merged histogram. A bucket only says the quantile
lies in an interval, so the tally also carries :func:`rank_bucket`, the ``(lower,
upper]`` that holds the rank, for the judgement to use (``_interval``).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from drillbook.rules._model import Rule, Sample


@dataclass(frozen=True)
class Tally:
    """One window's aggregate and the amount of data it stands on."""

    value: float | None
    count: int = 0
    hits: int = 0
    points: int = 0
    bucket: tuple[float, float] | None = None  # (lower, upper] ms holding a histogram quantile's rank


def aggregate(rule: Rule, samples: Iterable[Sample]) -> float | None:
    """The rule's value over all ``samples`` together, or None when they are no data.

    >>> rule = Rule("api_error_rate", "rate", ">", 5, window_s=300, unit="%")
    >>> aggregate(rule, [Sample(60, count=100, hits=70), Sample(120, count=900)])
    7.0
    >>> aggregate(rule, []) is None
    True
    """
    return tally(rule, samples).value


def tally(rule: Rule, samples: Iterable[Sample]) -> Tally:
    """Aggregate ``samples`` for ``rule`` and count the data used."""
    return _TALLIES[rule.kind](rule, list(samples))


def _tally_rate(rule: Rule, samples: Sequence[Sample]) -> Tally:
    """Percent of hits over all requests: a ratio of sums."""
    count = sum(s.count for s in samples)
    hits = sum(s.hits for s in samples)
    value = 100.0 * hits / count if count >= rule.minimum else None
    return Tally(value, count=count, hits=hits)


def _tally_gauge(rule: Rule, samples: Sequence[Sample]) -> Tally:
    """Mean of every gauge point in the window, NaN readings skipped."""
    points = [p for s in samples for p in s.points if not math.isnan(p)]
    value = math.fsum(points) / len(points) if len(points) >= rule.minimum else None
    return Tally(value, points=len(points))


def _tally_percentile(rule: Rule, samples: Sequence[Sample]) -> Tally:
    """The rule's quantile over every latency observation in the window."""
    assert rule.quantile is not None  # Rule refuses a percentile rule without one
    durations = [d for s in samples for d in s.durations if not math.isnan(d)]
    merged = merge_buckets(s.buckets for s in samples)
    count = len(durations) + sum(merged.values())
    if count < rule.minimum:
        return Tally(None, count=count)
    if not merged:
        return Tally(exact_quantile(rule.quantile, durations), count=count)
    histogram = _bin(durations, merged)
    return Tally(histogram_quantile(rule.quantile, histogram), count=count,
                 bucket=rank_bucket(rule.quantile, histogram))


_TALLIES: dict[str, Callable[[Rule, Sequence[Sample]], Tally]] = {
    "rate": _tally_rate,
    "percentile": _tally_percentile,
    "gauge": _tally_gauge,
}


def merge_buckets(histograms: Iterable[Mapping[float, int]]) -> dict[float, int]:
    """Sum non-cumulative bucket counts per upper bound, keeping empty bounds.

    >>> merge_buckets([{100: 2, 200: 0}, {100: 1, float("inf"): 1}])
    {100: 3, 200: 0, inf: 1}
    """
    merged: Counter[float] = Counter()
    for histogram in histograms:
        for bound, n in histogram.items():
            merged[bound] += n
    return dict(merged)


def _bin(durations: Iterable[float], buckets: Mapping[float, int]) -> dict[float, int]:
    """Add raw durations to the bucket whose upper bound is the first >= the duration."""
    binned = dict(buckets)
    bounds = sorted(b for b in binned if not math.isinf(b))
    for d in durations:
        i = bisect.bisect_left(bounds, d)
        bound = bounds[i] if i < len(bounds) else math.inf
        binned[bound] = binned.get(bound, 0) + 1
    return binned


def _rank(q: float, n: int) -> Fraction:
    """q * n exactly, reading q as the decimal it was written as (0.07 is 7/100)."""
    return Fraction(repr(q)) * n


def exact_quantile(q: float, values: Iterable[float]) -> float | None:
    """The nearest-rank q-quantile: the smallest value with at least q of all values at or below it.

    >>> exact_quantile(0.95, range(1, 101))
    95.0
    >>> exact_quantile(0.5, [30, 10, 20, 40])
    20.0
    """
    ordered = sorted(values)
    if not ordered:
        return None
    return float(ordered[max(1, math.ceil(_rank(q, len(ordered)))) - 1])


def histogram_quantile(q: float, buckets: Mapping[float, int]) -> float | None:
    """The q-quantile of a non-cumulative histogram, as Prometheus' ``histogram_quantile``.

    Interpolates linearly inside the bucket holding rank q * n (the first bucket
    starts at 0). A rank in the +Inf bucket returns the highest finite bound; a
    histogram with no finite bound returns inf. The +Inf bucket may be omitted.
    Every bound counts, empty ones included: dropping an empty bucket moves the
    lower end of the interpolation.

    >>> histogram_quantile(0.75, {100: 10, 200: 10})
    150.0
    >>> histogram_quantile(0.99, {100: 10, float("inf"): 1})
    100.0
    """
    found = _locate(q, buckets)
    return None if found is None else _interpolate(*found)


def rank_bucket(q: float, buckets: Mapping[float, int]) -> tuple[float, float] | None:
    """The bucket ``(lower, upper]`` holding rank q * n: the true q-quantile lies inside it.

    >>> rank_bucket(0.95, {100: 90, 1000: 0, 2500: 10})
    (1000.0, 2500.0)
    >>> rank_bucket(0.95, {100: 90, 1000: 0, float("inf"): 10})
    (1000.0, inf)
    """
    found = _locate(q, buckets)
    if found is None:
        return None
    ordered, i, _ = found
    upper = float(ordered[i][0])
    return (float(ordered[i - 1][0]) if i > 0 else min(0.0, upper)), upper


def _locate(q: float, buckets: Mapping[float, int]) -> tuple[list[tuple[float, int]], int, Fraction] | None:
    """The sorted buckets, the index of the one holding rank q * n, and how far into it the rank is."""
    ordered = sorted(buckets.items())
    total = sum(n for _, n in ordered)
    if total <= 0:
        return None
    rank, below = _rank(q, total), 0
    for i, (_, n) in enumerate(ordered):
        if n > 0 and below + n >= rank:
            return ordered, i, (rank - below) / n
        below += n
    raise AssertionError("rank beyond the histogram's total")  # q <= 1 makes this unreachable


def _interpolate(ordered: Sequence[tuple[float, int]], i: int, fraction: Fraction) -> float:
    """The value ``fraction`` of the way through bucket ``i``."""
    upper = float(ordered[i][0])
    if math.isinf(upper):
        return float(ordered[i - 1][0]) if i > 0 else math.inf
    if i == 0 and upper <= 0:
        return upper
    lower = float(ordered[i - 1][0]) if i > 0 else 0.0
    return lower + (upper - lower) * float(fraction)
