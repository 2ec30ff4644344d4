"""Properties of verdicts over any series, checked against a brute-force oracle."""

import dataclasses
import itertools
import math
import operator
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from drillbook.rules import Evaluator, Rule, Sample, Verdict, evaluate, histogram_quantile

BOUNDED = settings(max_examples=200, deadline=None)
BOUNDS = (100.0, 250.0, 500.0, 1000.0, math.inf)
DURATIONS = (50.0, 100.0, 150.0, 250.0, 300.0, 700.0, 1200.0)
LIMITS = {"rate": (0.0, 5.0, 20.0, 50.0, 100.0), "percentile": (100.0, 250.0, 400.0, 1000.0), "gauge": (20.0, 50.0, 70.0)}
OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
STEP = 30.0


@st.composite
def rules(draw):
    """Any rule, with limits the generated data can hit exactly."""
    kind = draw(st.sampled_from(sorted(LIMITS)))
    return Rule(
        "r",
        kind,
        draw(st.sampled_from(sorted(OPS))),
        draw(st.sampled_from(LIMITS[kind])),
        window_s=draw(st.sampled_from((60.0, 90.0, 180.0, 300.0))),
        quantile=draw(st.sampled_from((0.5, 0.9, 0.95, 1.0))) if kind == "percentile" else None,
        min_count=draw(st.integers(0, 30)),
        min_points=draw(st.integers(0, 4)),
    )


# What one sample holds, per rule kind: (count, hits), gauge points, or (histogram?, bucket counts, durations).
READINGS = {
    "rate": st.tuples(st.integers(0, 20), st.integers(0, 20)),
    "gauge": st.lists(st.integers(0, 100), max_size=3),
    "percentile": st.tuples(
        st.booleans(), st.tuples(*[st.integers(0, 4)] * len(BOUNDS)), st.lists(st.sampled_from(DURATIONS), max_size=4)
    ),
}


def make_sample(at: float, kind: str, reading, latency: str = "mixed") -> Sample:
    """A sample at ``at`` carrying only what a ``kind`` rule reads; ``latency`` picks histograms or durations."""
    if kind == "rate":
        count, hits = reading
        return Sample(at, count=count, hits=min(hits, count))
    if kind == "gauge":
        return Sample(at, points=tuple(reading))
    histogram, counts, durations = reading
    with_buckets = latency == "buckets" or (latency == "mixed" and histogram)
    return Sample(
        at,
        buckets=dict(zip(BOUNDS, counts)) if with_buckets else {},
        durations=tuple(durations) if latency != "buckets" else (),
    )


@st.composite
def cases(draw, step=STEP):
    """A rule and a series of samples on a ``step`` grid, some times repeated, some missing."""
    rule = draw(rules())
    latency = draw(st.sampled_from(("durations", "buckets", "mixed")))
    rows = draw(st.lists(st.tuples(st.integers(1, 20), READINGS[rule.kind]), max_size=10))
    return rule, [make_sample(step * k, rule.kind, reading, latency) for k, reading in sorted(rows, key=lambda r: r[0])]


run_starts = st.sampled_from((0.0, 15.0, -45.0, 60.0))


def oracle(rule: Rule, samples: list[Sample], run_start: float) -> list[tuple[float, str, float | None]]:
    """Brute force: (time, state, value) at every distinct sample time."""
    rows = []
    for t in sorted({s.at for s in samples}):
        window = [s for s in samples if max(t - rule.window_s, run_start) < s.at <= t]
        value = window_value(rule, window)
        if t - run_start < rule.window_s:
            state = "warming"
        elif value is None:
            state = "no_data"
        else:
            state = judged_state(rule, value, window_histogram(rule, window))
        rows.append((t, state, value))
    return rows


def judged_state(rule: Rule, value: float, histogram: dict[float, int] | None) -> str:
    """Brute force: the state every value in the rank's bucket agrees on; else the interpolated value's."""
    if histogram is None:
        return "breach" if OPS[rule.op](value, rule.limit) else "ok"
    lower, upper = brute_rank_bucket(rule.quantile, histogram)
    probes = [math.nextafter(lower, math.inf), upper, rule.limit, math.nextafter(rule.limit, math.inf),
              math.nextafter(rule.limit, -math.inf)]
    verdicts = {OPS[rule.op](x, rule.limit) for x in probes if lower < x <= upper}
    if len(verdicts) == 1:
        return "breach" if verdicts.pop() else "ok"
    if math.isinf(upper):
        return "no_data"  # above a highest bound short of the limit: the buckets cannot tell
    return "breach" if OPS[rule.op](value, rule.limit) else "ok"


def brute_rank_bucket(q: float, histogram: dict[float, int]) -> tuple[float, float]:
    """The (lower, upper] of the first non-empty bucket whose cumulative count reaches q of all (q in whole percent)."""
    total, percent, below, previous = sum(histogram.values()), round(q * 100), 0, 0.0
    for bound in sorted(histogram):
        below += histogram[bound]
        if histogram[bound] and 100 * below >= percent * total:
            return previous, bound
        previous = bound
    raise AssertionError("no bucket holds the rank")


def window_value(rule: Rule, window: list[Sample]) -> float | None:
    """Brute force aggregate of one window."""
    need = max(1, rule.min_points if rule.kind == "gauge" else rule.min_count)
    if rule.kind == "rate":
        count = sum(s.count for s in window)
        return 100 * sum(s.hits for s in window) / count if count >= need else None
    if rule.kind == "gauge":
        points = [p for s in window for p in s.points]
        return sum(points) / len(points) if len(points) >= need else None
    durations = [d for s in window for d in s.durations]
    histogram = window_histogram(rule, window)
    if histogram is None:
        return nearest_rank(rule.quantile, durations) if len(durations) >= need else None
    return histogram_quantile(rule.quantile, histogram) if sum(histogram.values()) >= need else None


def window_histogram(rule: Rule, window: list[Sample]) -> dict[float, int] | None:
    """Brute force: the window's merged histogram with raw durations binned in, or None without buckets."""
    if rule.kind != "percentile" or not any(s.buckets for s in window):
        return None
    histogram = {b: sum(s.buckets.get(b, 0) for s in window) for s in window for b in s.buckets}
    for d in (d for s in window for d in s.durations):
        histogram[min(b for b in histogram if d <= b)] += 1
    return histogram


def nearest_rank(q: float, values: list[float]) -> float:
    """The smallest value with at least q of all values at or below it (q in whole percent)."""
    percent = round(q * 100)
    return min(v for v in values if 100 * sum(w <= v for w in values) >= percent * len(values))


def summary(verdict: Verdict) -> tuple:
    """What a verdict says, leaving out how many samples carried the data."""
    def key(e):
        return e and (e.at, e.state, e.value, e.count, e.hits, e.points)
    rows = [key(e) for e in verdict.evaluations]
    return verdict.status, verdict.judged, verdict.no_data, key(verdict.first_breach), key(verdict.worst), rows


@st.composite
def split(draw, samples, jitter=0.0):
    """The same requests and points in 1 to 3 samples each, shuffled; a piece's time moves back by up to ``jitter``."""
    rnd = random.Random(draw(st.integers(0, 2**32)))  # one draw: cheaper than st.randoms() per call
    pieces = [piece for sample in samples for piece in _split_one(rnd, sample, jitter)]
    rnd.shuffle(pieces)
    return pieces


def _split_one(rnd: random.Random, sample: Sample, jitter: float) -> list[Sample]:
    """One sample dealt into 1 to 3 pieces that add up to it."""
    n = rnd.randint(1, 3)

    def shares(total):
        cuts = sorted(rnd.randint(0, total) for _ in range(n - 1))
        return [b - a for a, b in zip([0, *cuts], [*cuts, total])]

    def deal(values):
        hands = [[] for _ in range(n)]
        for v in values:
            hands[rnd.randrange(n)].append(v)
        return hands

    buckets = [{} for _ in range(n)]
    for bound, total in sample.buckets.items():
        for i, share in enumerate(shares(total)):
            if share or i == 0:  # every bound stays in the window, as a histogram's layout does
                buckets[i][bound] = share
    parts = zip(shares(sample.count), shares(sample.hits), buckets, deal(sample.durations), deal(sample.points))
    return [Sample(sample.at - rnd.uniform(0, jitter), c, h, b, tuple(d), tuple(p)) for c, h, b, d, p in parts]


@BOUNDED
@given(case=cases(), run_start=run_starts)
def test_fails_exactly_when_a_complete_window_breaches(case, run_start):
    rule, samples = case
    verdict = evaluate(rule, samples, run_start=run_start)
    expected = oracle(rule, samples, run_start)
    assert [(e.at, e.state, e.value) for e in verdict.evaluations] == expected
    breaches = [t for t, state, _ in expected if state == "breach"]
    judged = [t for t, state, _ in expected if state in ("ok", "breach")]
    assert verdict.status == ("fail" if breaches else "pass" if judged else "inconclusive")
    assert (verdict.judged, verdict.no_data) == (len(judged), sum(state == "no_data" for _, state, _ in expected))
    assert (verdict.first_breach and verdict.first_breach.at) == (breaches[0] if breaches else None)


@BOUNDED
@given(data=st.data(), case=cases())
def test_splitting_samples_at_the_same_time_never_changes_the_verdict(data, case):
    rule, samples = case
    pieces = data.draw(split(samples))
    assert summary(evaluate(rule, pieces)) == summary(evaluate(rule, samples))


@BOUNDED
@given(data=st.data(), case=cases(step=60.0))
def test_splitting_samples_inside_a_grid_interval_never_changes_the_verdict(data, case):
    rule, samples = case
    pieces = data.draw(split(samples, jitter=59.75))
    whole = evaluate(rule, samples, run_start=0, every_s=60)
    assert summary(evaluate(rule, pieces, run_start=0, every_s=60)) == summary(whole)
    assert summary(whole) == summary(evaluate(rule, samples, run_start=0))


@BOUNDED
@given(case=cases(), run_start=run_starts)
def test_a_window_below_the_minimum_is_never_judged(case, run_start):
    rule, samples = case
    for e in evaluate(rule, samples, run_start=run_start).evaluations:
        if (e.points if rule.kind == "gauge" else e.count) < rule.minimum:
            assert (e.state, e.value) in {("warming", None), ("no_data", None)}


@BOUNDED
@given(case=cases(), run_start=run_starts)
def test_a_series_too_quiet_for_every_window_is_inconclusive(case, run_start):
    rule, samples = case
    requests = max(sum(s.count for s in samples), sum(s.observations for s in samples))
    quiet = dataclasses.replace(rule, min_count=requests + 1, min_points=sum(len(s.points) for s in samples) + 1)
    verdict = evaluate(quiet, samples, run_start=run_start)
    assert (verdict.status, verdict.judged, verdict.first_breach) == ("inconclusive", 0, None)
    assert verdict.describe().startswith("r inconclusive: ")


@BOUNDED
@given(data=st.data(), case=cases(), run_start=run_starts)
def test_samples_after_a_failure_never_change_the_first_breach(data, case, run_start):
    rule, samples = case
    verdict = evaluate(rule, samples, run_start=run_start)
    first = verdict.first_breach
    cutoff = first.at if first else max((s.at for s in samples), default=run_start)
    rows = data.draw(st.lists(st.tuples(st.integers(1, 10), READINGS[rule.kind])))
    later = [make_sample(cutoff + STEP * k, rule.kind, reading) for k, reading in rows]
    watch = Evaluator(rule, run_start)
    for at, interval in itertools.groupby(sorted(samples + later, key=lambda s: s.at), key=lambda s: s.at):
        for sample in interval:
            watch.add(sample)
        assert watch.failed == (first is not None and at >= first.at) or at > cutoff
        if first and at >= first.at:
            assert watch.verdict().first_breach == first
    extended = watch.verdict(final=True)
    assert extended.first_breach == first or (first is None and extended.first_breach.at > cutoff)
    assert [e for e in extended.evaluations if e.at <= cutoff] == [e for e in verdict.evaluations if e.at <= cutoff]


percentile_cases = cases().filter(lambda case: case[0].kind == "percentile")
percentile_rules = rules().filter(lambda r: r.kind == "percentile").map(lambda r: dataclasses.replace(r, min_count=0))


def judge_one(rule: Rule, histogram: dict[float, int]):
    """The evaluation of one complete window holding ``histogram``."""
    return evaluate(rule, [Sample(rule.window_s, buckets=histogram)], run_start=0).evaluations[0]


def bucket_decides(rule: Rule, bucket: tuple[float, float]) -> bool:
    """Whether every value in the bucket falls on the same side of the limit."""
    lower, upper = bucket
    probes = [math.nextafter(lower, math.inf), upper, rule.limit, math.nextafter(rule.limit, math.inf),
              math.nextafter(rule.limit, -math.inf)]
    return len({OPS[rule.op](x, rule.limit) for x in probes if lower < x <= upper}) == 1


@BOUNDED
@given(case=percentile_cases)
def test_adding_or_removing_empty_buckets_never_changes_a_quantile(case):
    """Whether a sample lists a bound with zero requests or leaves it out, the window's bounds give the same verdict."""
    rule, samples = case
    full = [dataclasses.replace(s, buckets={**dict.fromkeys(BOUNDS, 0), **s.buckets}) for s in samples]
    sparse = [dataclasses.replace(s, buckets={b: n for b, n in s.buckets.items() if n}) for s in samples]
    layout = [Sample(s.at, buckets=dict.fromkeys(BOUNDS, 0)) for s in samples]  # the bounds the source knows
    assert summary(evaluate(rule, sparse + layout)) == summary(evaluate(rule, full))


@BOUNDED
@given(rule=percentile_rules, counts=st.tuples(*[st.integers(0, 6)] * len(BOUNDS)),
       finer=st.sets(st.sampled_from((50.0, 175.0, 400.0, 750.0, 1001.0, 2000.0)), min_size=1))
def test_finer_empty_buckets_only_narrow_the_interval_and_never_flip_a_decided_verdict(rule, counts, finer):
    coarse_histogram = dict(zip(BOUNDS, counts))
    coarse = judge_one(rule, coarse_histogram)
    fine = judge_one(rule, {**dict.fromkeys(finer, 0), **coarse_histogram})
    if coarse.bucket is None:
        assert (coarse.value, fine.value, fine.bucket) == (None, None, None)
        return
    assert coarse.bucket[0] <= fine.bucket[0] < fine.bucket[1] <= coarse.bucket[1]
    if bucket_decides(rule, coarse.bucket):
        assert fine.state == coarse.state


@BOUNDED
@given(rule=percentile_rules, durations=st.lists(st.sampled_from((*DURATIONS, 1500.0, 3000.0)), min_size=1,
                                                max_size=40))
def test_the_true_quantile_lies_in_the_rank_bucket_and_a_bucket_decided_verdict_agrees_with_it(rule, durations):
    histogram = dict.fromkeys(BOUNDS, 0)
    for d in durations:
        histogram[min(b for b in BOUNDS if d <= b)] += 1
    evaluation = judge_one(rule, histogram)
    exact = nearest_rank(rule.quantile, durations)
    lower, upper = evaluation.bucket
    assert lower < exact <= upper
    if bucket_decides(rule, evaluation.bucket):
        assert evaluation.state == ("breach" if OPS[rule.op](exact, rule.limit) else "ok")
    elif math.isinf(upper):
        assert evaluation.state == "no_data"  # the buckets cannot tell: never a pass
