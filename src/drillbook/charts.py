"""PNG charts of a rule's windowed series, with the threshold line and the breach highlighted."""

from __future__ import annotations

import io
from typing import Sequence

from drillbook.rules import Evaluation, Rule


def render_series(title: str, rule: Rule, evaluations: Sequence[Evaluation], run_start: float) -> bytes:
    """Plot the window aggregate at every evaluation; no-data points are marked, not drawn as zero."""
    import matplotlib

    matplotlib.use("Agg")  # no display on CI or servers
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3.2), dpi=100)
    try:
        _draw(axes, rule, evaluations, run_start)
        axes.set_title(title, fontsize=10)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _draw(axes, rule: Rule, evaluations: Sequence[Evaluation], run_start: float) -> None:
    valued = [(e.at - run_start, e.value) for e in evaluations if e.value is not None]
    if valued:
        xs, ys = zip(*valued)
        axes.plot(xs, ys, linewidth=1.2, label=f"{rule.name} over {rule.window_s:g} s")
    judged = [(e.at - run_start, e.value) for e in evaluations if e.judged]
    if judged:
        axes.plot(*zip(*judged), "o", markersize=3, color="C0")
    warming = [(e.at - run_start, e.value) for e in evaluations if e.state == "warming" and e.value is not None]
    if warming:
        axes.plot(*zip(*warming), "o", markersize=3, color="lightgrey", label="window not complete (not judged)")
    empty = [e.at - run_start for e in evaluations if e.value is None]
    if empty:
        axes.plot(empty, [0.0] * len(empty), "x", color="grey", label="no data")
    axes.axhline(rule.limit, color="red", linestyle="--", linewidth=1, label=f"limit {rule.op} {rule.limit:g} {rule.unit}")
    breaches = [e.at - run_start for e in evaluations if e.state == "breach"]
    if breaches:
        axes.axvspan(min(breaches) - rule.window_s, max(breaches), color="red", alpha=0.12, label="breaching window")
    axes.set_xlabel("seconds since the watch started")
    axes.set_ylabel(rule.unit or "value")
    axes.legend(fontsize=7, loc="upper left")
    axes.grid(alpha=0.3)
