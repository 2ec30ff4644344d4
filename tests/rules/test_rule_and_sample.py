"""Rules and samples refuse what cannot be judged, and say how to write it."""

import math
import re

import pytest

from drillbook.rules import Rule, Sample


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(kind="percentile", quantile=95), "rule p: quantile 95 is not in (0, 1]; write 0.95 for p95"),
        (dict(kind="percentile"), "rule p: a percentile rule needs a quantile, e.g. quantile=0.95 for p95"),
        (dict(quantile=0.95), "rule p: quantile only applies to percentile rules"),
        (dict(kind="ratio"), "rule p: kind 'ratio' is not one of rate, percentile, gauge"),
        (dict(op="gt"), "rule p: op 'gt' is not one of >, >=, <, <=; op is the breach condition"),
        (dict(window_s=0), "rule p: window_s 0 must be > 0 seconds (5 min is 300)"),
        (dict(limit=math.nan), "rule p: limit nan must be a finite number"),
        (dict(min_count=-1), "rule p: min_count and min_points must be >= 0"),
    ],
)
def test_a_rule_that_cannot_be_judged_is_refused_with_the_fix(fields, message):
    base = dict(name="p", kind="rate", op=">", limit=5.0, window_s=300.0)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        Rule(**{**base, **fields})


def test_a_rule_needs_at_least_one_request_or_point_per_window():
    assert Rule("r", "rate", ">", 5, window_s=300, min_count=0).minimum == 1
    assert Rule("g", "gauge", ">", 70, window_s=300, min_points=3, min_count=50).minimum == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(count=-3), "sample at 60.0: counts must be >= 0"),
        (dict(buckets={100: -1}), "sample at 60.0: counts must be >= 0"),
        (dict(buckets={math.nan: 1}), "sample at 60.0: a bucket bound is NaN"),
    ],
)
def test_a_sample_no_source_could_measure_is_refused(fields, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        Sample(60, **fields)


def test_a_sample_needs_a_finite_time():
    with pytest.raises(ValueError, match="'at' must be a finite time"):
        Sample(math.inf)


def test_a_sample_is_frozen_and_hashable_even_with_buckets():
    source = {100: 3, 250: 1}
    sample = Sample(60, buckets=source, durations=[12, 40], points=[1])
    source[100] = 99
    assert dict(sample.buckets) == {100.0: 3, 250.0: 1}
    assert (sample.durations, sample.points) == ((12.0, 40.0), (1.0,))
    with pytest.raises(TypeError):
        sample.buckets[100] = 5  # type: ignore[index]
    assert hash(sample) == hash(Sample(60, buckets={100: 3, 250: 1}, durations=(12, 40), points=(1,)))
