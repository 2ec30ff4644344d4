"""The run's summary on the pipeline's own page: GitHub Actions' job summary, Azure Pipelines' build summary.

    GITHUB_STEP_SUMMARY=/path/to/file   # GitHub Actions sets it: the Markdown is appended there
    TF_BUILD=True                       # Azure Pipelines sets it: job-summary.md in the results folder, and
                                        # ##vso[task.uploadsummary]<its path> printed for the agent to upload

Rendered from the summary (``record.summary``): each drill's verdict, each failing finding with its value,
limit and remedy, and where the record is. Every piece of text from a drill is escaped, so a ``|`` or a
``<`` in a message cannot break the table or the page. Written once by the controller, after the journal;
a file that cannot be written costs one line on stderr, never the verdict.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TextIO

GITHUB_VAR = "GITHUB_STEP_SUMMARY"
AZURE_VAR = "TF_BUILD"
FILE = "job-summary.md"
NOTE_CHARS = 160  # of a failure's or a skip's line in the table; the findings below carry it whole
FAILING = ("failed", "misconfigured")  # the verdicts whose findings are listed with their remedy
_SIGNS = {"passed": "✅", "failed": "❌", "interrupted": "⚠️", "misconfigured": "⚙️", "refused": "⛔",
          "skipped": "⏭️"}
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")  # what would start code, emphasis, a link or a cell mid-line


def publish(summary: dict | None, results: Path | None, journal_entry: dict | None,
            out: TextIO | None = None) -> list[Path]:
    """Hand the Markdown to whichever pipeline runs this; return the files written."""
    github, azure = os.environ.get(GITHUB_VAR), os.environ.get(AZURE_VAR)
    if summary is None or not (github or azure):
        return []
    text = render(summary, record_lines(summary, results, journal_entry))
    written = []
    try:
        if github:
            written.append(_append(Path(github), text))
        if azure:
            written.append(_upload(text, results or Path.cwd(), out or sys.stdout))
    except OSError as exc:
        sys.stderr.write(f"drillbook: job summary: not written ({exc.strerror or exc}: {exc.filename}) -> check "
                         f"{GITHUB_VAR} and the results folder; the run's verdict stands\n")
    return written


def render(summary: dict, record: list[str]) -> str:
    """The summary as Markdown: a head line, the run's facts, a row per drill, the failing findings, the record."""
    run, drills = summary["run"], summary["drills"]
    lines = [f"### drillbook: {_sign(run['outcome'])} {escape(run['outcome'])}: {escape(run['markexpr'])} on "
             f"{escape(run['environment'])}", "", escape(_facts(run)), ""]
    lines += ["| | drill | verdict | duration | why |", "|---|---|---|---|---|"]
    lines += [f"| {_sign(d['verdict'])} | {escape(d['nodeid'])} | {escape(d['verdict'])} | {d['duration_s']:.2f} s | "
              f"{escape(_shortened(d['message'] or ''))} |" for d in drills] or ["| | no drill ran | | | |"]
    failing = [(drill, found) for drill in drills if drill["verdict"] in FAILING for found in drill["findings"]]
    if failing:
        lines += ["", "#### Failing findings", ""]
        lines += [line for drill, found in failing for line in _finding_lines(drill, found)]
    return "\n".join([*lines, "", *record, ""]) + "\n"


def record_lines(summary: dict, results: Path | None, journal_entry: dict | None) -> list[str]:
    """Where the record is: the results folder, the journal entry, and the pipeline run that keeps them."""
    where = [f"results {escape(_shown(results))} (summary.json)"] if results else []
    if journal_entry and journal_entry.get("sha256"):
        where.append(f"journal entry sha256 {escape(journal_entry['sha256'])}")
    where.append(f"run {escape(summary['run']['run_id'] or '-')}")
    link = pipeline_run_link()
    return [f"Record: {', '.join(where)}" + (f"; [pipeline run]({link})" if link else "")]


def pipeline_run_link() -> str | None:
    """The pipeline run's page, where its published artifacts are: GitHub's, else Azure's."""
    env = os.environ
    if all(env.get(v) for v in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")):
        return f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    if all(env.get(v) for v in ("SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT", "BUILD_BUILDID")):
        collection = env["SYSTEM_COLLECTIONURI"].rstrip("/")
        return f"{collection}/{env['SYSTEM_TEAMPROJECT']}/_build/results?buildId={env['BUILD_BUILDID']}"
    return None


def escape(text: object) -> str:
    """Text from a drill as inert Markdown on one line: HTML and Markdown marks escaped, a ``|`` kept in its cell."""
    plain = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", " ".join(plain.split()))


def _facts(run: dict) -> str:
    version = f", target version {run['target_version']}" if run.get("target_version") else ""
    return (f"environment {run['environment']} (tier {run['tier']}), target {run['target']}{version}; "
            f"operator {run['operator']}, approval {run['approval'] or 'none'}; drillbook {run['drillbook_version']}; "
            f"{run['started']} to {run['ended']} ({run['duration_s']} s), exit status {run['exit_status']}")


def _finding_lines(drill: dict, found: dict) -> list[str]:
    measured = ""
    if found["value"] is not None and found["limit"] is not None:
        unit = f" {found['unit']}" if found["unit"] else ""
        measured = f" (value {found['value']:g}{unit}, limit {found['limit']:g}{unit})"
    where = ", ".join(filter(None, [found["window"] and f"over {found['window']}",
                                     found["source"] and f"source: {found['source']}"]))
    detail = f"{found['detail']} ({where})" if where else found["detail"]
    head = f"- **{escape(drill['name'])}**: {escape(found['kind'] + measured)}: {escape(detail)}"
    return [head] + ([f"  - remedy: {escape(found['remedy'])}"] if found["remedy"] else [])


def _shortened(text: str, limit: int = NOTE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _sign(verdict: str) -> str:
    return _SIGNS.get(verdict, "❔")


def _shown(path: Path) -> str:
    """A path as the pipeline's checkout sees it: relative to where the run started, when it lies below."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _append(path: Path, text: str) -> Path:
    with path.open("a", encoding="utf-8") as summary_file:
        summary_file.write(text)
    return path


def _upload(text: str, folder: Path, out: TextIO) -> Path:
    path = (folder / FILE).resolve()
    path.write_text(text, encoding="utf-8")
    out.write(f"##vso[task.uploadsummary]{path}\n")  # the agent reads the command from the log, on a line of its own
    out.flush()
    return path
