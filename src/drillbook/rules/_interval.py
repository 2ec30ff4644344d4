"""A percentile from buckets is an interval: judge the interval, and say how coarse it was.

A histogram only says the q-quantile lies in the bucket ``(lower, upper]`` that
holds its rank. When the whole bucket sits on one side of the limit, the bucket
decides: a rank in ``(1000, 2500]`` breaches "p95 > 1000 ms" whatever the
interpolation says, and a rank in ``+Inf`` above a highest bound of 1000 ms is a
p95 *above* 1000 ms, never "1000 > 1000 passes". When the limit falls inside the
bucket, the interpolated value is judged and the record says so. A rank in
``+Inf`` above a bound below the limit cannot be told apart from the limit:
that window is no data, never a pass.
"""

from __future__ import annotations

import math

from drillbook.rules._model import Rule, State

Bucket = tuple[float, float]


def judge(rule: Rule, value: float, bucket: Bucket | None) -> State:
    """``breach`` or ``ok`` for a window's value, or ``no_data`` when its bucket cannot tell.

    >>> p95 = Rule("api_p95", "percentile", ">", 1000, window_s=600, quantile=0.95, unit="ms")
    >>> judge(p95, 1000.0, (1000.0, math.inf)), judge(p95, 1000.0, None)
    ('breach', 'ok')
    """
    if bucket is None:
        return "breach" if rule.breaches(value) else "ok"
    decided = _decided_by_bucket(rule, *bucket)
    if decided is not None:
        return decided
    if math.isinf(bucket[1]):
        return "no_data"
    return "breach" if rule.breaches(value) else "ok"


def _decided_by_bucket(rule: Rule, lower: float, upper: float) -> State | None:
    """The state every value in ``(lower, upper]`` agrees on, or None when the limit splits the bucket."""
    top_breaches = rule.breaches(upper)  # breaching is monotone in the value: the top decides one side
    if rule.higher_is_worse:
        return "breach" if lower >= rule.limit else None if top_breaches else "ok"
    return "breach" if top_breaches else "ok" if lower >= rule.limit else None


def undecided(rule: Rule, bucket: Bucket | None) -> bool:
    """Whether ``bucket`` (a rank in +Inf above a bound short of the limit) cannot decide the rule."""
    return bucket is not None and math.isinf(bucket[1]) and _decided_by_bucket(rule, *bucket) is None
