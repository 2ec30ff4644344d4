"""Verdicts over time windows: sustained breach, early fail, no data is not a pass.

A rule is judged like an Azure Monitor metric alert: the aggregate over a sliding
window (a ratio of sums, a pooled percentile or a gauge mean), evaluated at every
sample. The first complete window that breaches fails the run; a run with no
complete window holding data is inconclusive, never a pass. A percentile from
buckets is judged on the bucket that holds its rank (``Evaluation.bucket``): a
rank in +Inf above a 1000 ms bound breaches "p95 > 1000 ms".

>>> rule = Rule("api_error_rate", "rate", ">", 5, window_s=300, min_count=20, unit="%")
>>> series = [Sample(60.0 * k, count=100, hits=7 if k == 5 else 0) for k in range(1, 11)]
>>> evaluate(rule, series).describe()
'api_error_rate pass: worst 1.4 % (breach > 5 %) over 300 s window ending +300 s (6 of 10 evaluations judged, 4 warming up)'
"""

from drillbook.rules._aggregate import aggregate, exact_quantile, histogram_quantile, merge_buckets
from drillbook.rules._evaluate import Evaluator, evaluate, infer_run_start
from drillbook.rules._model import Evaluation, Rule, Sample
from drillbook.rules._verdict import Verdict, format_value

__all__ = [
    "Evaluation",
    "Evaluator",
    "Rule",
    "Sample",
    "Verdict",
    "aggregate",
    "evaluate",
    "exact_quantile",
    "format_value",
    "histogram_quantile",
    "infer_run_start",
    "merge_buckets",
]
