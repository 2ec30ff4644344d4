"""PNG charts of a rule's windowed series at UTC clock time, with the threshold line and the breach highlighted."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from drillbook.rules import Evaluation, Rule


def render_series(title: str, rule: Rule, evaluations: Sequence[Evaluation], run_start: float) -> bytes:
    """Plot the window aggregate at every evaluation; no-data points are marked, not drawn as zero.

    ``title`` names the rule and the target; the x axis is UTC clock time, so a chart lines up with the logs.
    """
    def draw(axes) -> None:
        _draw(axes, rule, evaluations, run_start)
        axes.set_title(title, fontsize=10)

    return render_png(draw, (8, 3.2))


def render_png(draw: Callable[[Any], None], size: tuple[float, float]) -> bytes:
    """A PNG of one set of axes that ``draw`` fills; matplotlib is loaded here, on first use, without a display."""
    import matplotlib

    matplotlib.use("Agg")  # no display on CI or servers
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=size, dpi=100)
    try:
        draw(axes)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _draw(axes, rule: Rule, evaluations: Sequence[Evaluation], run_start: float) -> None:
    from matplotlib import dates

    _plot_series(axes, rule, evaluations)
    limit = f"limit {rule.op} {rule.limit:g} {rule.unit}"
    axes.axhline(rule.limit, color="red", linestyle="--", linewidth=1, label=limit)
    breaches = [e.at for e in evaluations if e.state == "breach"]
    if breaches:
        axes.axvspan(_utc(min(breaches) - rule.window_s), _utc(max(breaches)), color="red", alpha=0.12,
                     label="breaching window")
    axes.xaxis.set_major_formatter(dates.DateFormatter("%H:%M:%S", tz=timezone.utc))
    axes.set_xlabel(f"UTC time on {_utc(run_start):%Y-%m-%d} (watch started {_utc(run_start):%H:%M:%S})")
    axes.set_ylabel(rule.unit or "value")
    axes.legend(fontsize=7, loc="upper left")
    axes.grid(alpha=0.3)


def _plot_series(axes, rule: Rule, evaluations: Sequence[Evaluation]) -> None:
    valued = [(_utc(e.at), e.value) for e in evaluations if e.value is not None]
    if valued:
        xs, ys = zip(*valued)
        axes.plot(xs, ys, linewidth=1.2, label=f"{rule.name} over {rule.window_s:g} s")
    judged = [(_utc(e.at), e.value) for e in evaluations if e.judged]
    if judged:
        axes.plot(*zip(*judged), "o", markersize=3, color="C0")
    warming = [(_utc(e.at), e.value) for e in evaluations if e.state == "warming" and e.value is not None]
    if warming:
        axes.plot(*zip(*warming), "o", markersize=3, color="lightgrey", label="window not complete (not judged)")
    empty = [_utc(e.at) for e in evaluations if e.value is None]
    if empty:
        axes.plot(empty, [0.0] * len(empty), "x", color="grey", label="no data")


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)
