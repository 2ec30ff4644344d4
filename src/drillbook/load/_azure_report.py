"""What the record says about an Azure Load Testing run: Azure's own result beside drillbook's, and its statistics.

Azure judges its criteria once over the whole run; drillbook judges sliding
windows. They can disagree (a 10 % error burst inside a long quiet run passes
Azure's "percentage(error) > 5" and fails drillbook's 5-minute window). The
verdict is always drillbook's; a disagreement is written out, never hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drillbook.load._azure_metrics import LATENCY_NOTE

if TYPE_CHECKING:
    from drillbook.load._run import LoadRun

AZURE_VERDICTS = {"PASSED": "pass", "FAILED": "fail"}


def azure_result_line(run: LoadRun) -> str:
    """``Azure's own result: PASSED (its criteria over the whole run); drillbook: fail -> they disagree ...``."""
    outcome = run.azure
    said = outcome.test_result or "none given"
    line = f"Azure's own result: {said} (its criteria over the whole run); drillbook: {run.status} (sliding windows)"
    if run.client_status != run.status:
        line += f"; on the client side alone: {run.client_status}, the server side failed"
    if disagree(run):
        line += " -> they disagree; drillbook's verdict stands (Azure's whole-run aggregates hide a breach " \
                "inside a window)" if run.client_status == "fail" else \
                " -> they disagree; drillbook's verdict stands: check which Azure criterion failed (its statistics below)"
    return line


def disagree(run: LoadRun) -> bool:
    """Whether Azure's pass/fail and drillbook's client side point opposite ways (inconclusive disagrees with neither).

    Azure's criteria judge only what its engines measured; the server side is drillbook's alone.
    """
    azure = AZURE_VERDICTS.get(str(run.azure.test_result or "").upper())
    return azure is not None and run.client_status in ("pass", "fail") and azure != run.client_status


def azure_lines(run: LoadRun) -> list[str]:
    """Status, cancellation, Azure's result, the latency note and Azure's whole-run table, for report and record."""
    outcome = run.azure
    lines = [f"Azure run {outcome.run_id} of test {outcome.test_id}: {outcome.status}"
             + (", stop requested by drillbook" if outcome.cancel_sent else ""),
             *(f"Azure error: {e}" for e in outcome.errors), azure_result_line(run)]
    if outcome.grain:
        lines.append(LATENCY_NOTE.format(grain=outcome.grain))
    return lines + statistics_table(outcome.statistics)


def statistics_table(statistics: dict[str, dict]) -> list[str]:
    """Azure's whole-run statistics per request (its p50/p90/p95/p99 over every sample)."""
    if not statistics:
        return []
    header = f"{'Azure, whole run':<34} {'requests':>8} {'errors':>7} {'p50 ms':>7} {'p90 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    rows = [_row(name, stats) for name, stats in sorted(statistics.items(), key=lambda kv: kv[0] == "Total")]
    return [header, *rows]


def _row(name: str, stats: dict) -> str:
    def ms(key: str) -> str:
        value = stats.get(key)
        return "-" if value is None else f"{float(value):.0f}"

    errors = stats.get("errorPct")
    shown = "-" if errors is None else f"{float(errors):.1f}%"
    label = "all requests" if name == "Total" else name
    return (f"{label:<34} {int(stats.get('sampleCount') or 0):>8} {shown:>7} {ms('medianResTime'):>7} "
            f"{ms('pct1ResTime'):>7} {ms('pct2ResTime'):>7} {ms('pct3ResTime'):>7}")
