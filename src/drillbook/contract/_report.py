"""Contract findings as text: the operation, the failing check, the answer, and the curl that reproduces it.

    GET /api/shards/{id} (positive data, request 1): not_a_server_error: Server error (500) ...
      answer: 500 {"error":"Internal Server Error"}
      reproduce: curl -X GET http://127.0.0.1:8080/api/shards/0
"""

from __future__ import annotations

from drillbook import redaction
from drillbook.contract._model import ContractFailure, ContractReport, ContractSettings

MAX_EXCERPT = 200


def describe_failure(failure: ContractFailure) -> str:
    """Three lines: what broke, what came back, and how to send the same request again."""
    checks = "; ".join(f"{b.check}: {b.title}" + (f" - {b.detail}" if b.detail else "") for b in failure.breaches)
    answer = f"{failure.status} {failure.response_excerpt}".strip() if failure.status else "none"
    when = f" ({failure.mode} data, request {failure.example})" if failure.example else ""
    return (f"{failure.operation}{when}: {checks}\n"
            f"  answer: {answer}\n"
            f"  reproduce: {failure.curl}")


def describe_report(report: ContractReport, *, failures_only: bool = False) -> str:
    """The whole run, for the evidence: each operation, its examples, and what was left out and why."""
    lines = [f"{len(report.operations)} operations, {report.examples} requests in {report.elapsed_s:.1f} s"]
    for run in report.runs if not failures_only else []:
        outcome = "FAILED" if run.failure else run.note or ("out of time" if run.out_of_time else "ok")
        lines.append(f"  {run.operation} [{run.mode}]: {run.examples} requests, {outcome}")
    if report.skipped_writes:
        lines.append(f"writes not fuzzed on this tier: {', '.join(report.skipped_writes)}")
    if report.excluded:
        lines.append(f"excluded by [contract] exclude: {', '.join(report.excluded)}")
    lines += describe_writes(report)
    lines += [describe_failure(f) for f in report.failures]
    return "\n".join(lines)


def describe_writes(report: ContractReport) -> list[str]:
    """What the drill wrote under its tenant, and whether anything stayed on the target."""
    lines = [f"swept a killed run's writes (tenant {tenant}): {created} recorded, {left} left"
             for tenant, created, left in report.swept]
    if report.writes_tenant:
        outcome = f"{report.writes_left} left" if report.writes_left else "all removed"
        lines.append(f"drill writes under tenant {report.writes_tenant}: {report.writes_created} created, {outcome}")
    return lines


def curl_of(case, headers: dict, settings: ContractSettings) -> str:
    """The curl line for a case, secrets masked (schemathesis sanitizes, redaction double-checks)."""
    try:
        command = case.as_curl_command(headers=headers or None, verify=settings.verify is not False,
                                       base_url=settings.base_url)
    except Exception as exc:  # a case curl cannot express; the report says so instead of failing
        return f"(no curl form: {type(exc).__name__})"
    return redaction.redact_text(command.split("\n\n")[0])


def excerpt(content: bytes | None) -> str:
    text = " ".join((content or b"").decode("utf-8", "replace").split())
    text = redaction.redact_text(text)
    return text if len(text) <= MAX_EXCERPT else text[:MAX_EXCERPT - 3] + "..."
