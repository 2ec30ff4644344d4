"""One run's Allure results as one self-contained HTML file that opens from disk, with history across runs.

>>> render_report(None, Path("reports/html"))      # the latest run -> reports/html/index.html

Allure 3's awesome report with ``singleFile``: scripts, styles and data inline,
so no server is needed. Its trend charts and each drill's history read
``reports/allure-history.jsonl`` (beside ``reports/runs``), to which each run is
added once, however often its report is rendered; earlier runs that were never
rendered are added first, so the trend has every run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from drillbook.record import runs as run_record
from drillbook.errors import DrillbookError

ALLURE_CLI = Path("node_modules/allure/cli.js")
HISTORY_FILE, HISTORY_RUNS = "allure-history.jsonl", "allure-history.runs"
GENERATE_TIMEOUT_S = 300
RUN_FOLDER = re.compile(r"^\d{8}T\d{6}Z-")  # run_record's folder names: UTC start first, so names sort by time
BACKFILL_RUNS = 5  # unrendered earlier runs added per render: each costs one allure generate
_OURS = {"index.html", "summary.json", "test-results.json"}  # what a previous render left: safe to replace


def render_report(results: Path | None, output: Path) -> Path:
    """Render ``results`` (default: the latest run) into ``output/index.html``; return that file."""
    results = _results_folder(results)
    _clear(output)
    reports = output.parent
    for earlier in unrendered_runs(results, reports):  # their points first, so the trend has every run in order
        with tempfile.TemporaryDirectory(prefix="drillbook-allure-") as scratch:
            _render(earlier, Path(scratch) / "html", reports)
    _render(results, output, reports)
    page = output / "index.html"
    if not page.is_file():
        raise DrillbookError(f"allure wrote no {page} -> run it by hand to see why: npx allure generate {results}")
    return page


def unrendered_runs(results: Path, reports: Path) -> list[Path]:
    """drillbook's run folders beside ``results``, older than it, not yet in the history (the last few, oldest first).

    A run that was never rendered would be missing from every trend; its point is added before this run's.
    """
    if not RUN_FOLDER.match(results.name):
        return []
    older = sorted(p for p in results.parent.iterdir() if RUN_FOLDER.match(p.name) and p.name < results.name
                   and p.is_dir() and _first_time(p, reports) and any(p.glob("*-result.json")))
    return older[-BACKFILL_RUNS:]


def _render(results: Path, output: Path, reports: Path) -> None:
    """One ``allure generate``, adding the run to the history the first time it is rendered."""
    history = reports / HISTORY_FILE
    with tempfile.TemporaryDirectory(prefix="drillbook-allure-") as scratch:
        config = Path(scratch) / "allurerc.json"
        config.write_text(json.dumps(_config(results, history, first_time=_first_time(results, reports))))
        _generate(config, output, results)
    _remember(results, reports)


def _results_folder(results: Path | None) -> Path:
    folder = results if results is not None else run_record.latest()
    if folder is None:
        raise DrillbookError(f"no run under {run_record.RUNS_DIR} -> run a drill first (pytest -m smoke) "
                             f"or name one with --results DIR")
    folder = folder.resolve()  # allure does not follow the 'latest' link
    if not any(folder.glob("*-result.json")):
        raise DrillbookError(f"{folder}: no Allure results here -> name a run folder under {run_record.RUNS_DIR}")
    return folder


def _clear(output: Path) -> None:
    """Regenerate every time; refuse to empty a folder that holds anything a render did not write."""
    if output.is_dir():
        strangers = {p.name for p in output.iterdir()} - _OURS
        if strangers:
            raise DrillbookError(f"{output} holds {', '.join(sorted(strangers)[:3])} -> choose an empty --output")
        shutil.rmtree(output)


def _config(results: Path, history: Path, *, first_time: bool) -> dict:
    return {
        "name": f"drillbook {results.name}",
        "historyPath": str(history.resolve()),
        "appendHistory": first_time,  # a run is one point of the trend, however often it is rendered
        "plugins": {"awesome": {"options": {"singleFile": True, "groupBy": ["severity"]}}},
    }


def _generate(config: Path, output: Path, results: Path) -> None:
    cli = _allure_cli()
    command = ["node", str(cli), "generate", "--config", str(config), "--output", str(output.resolve()), str(results)]
    try:
        done = subprocess.run(command, cwd=cli.parents[2], capture_output=True, text=True, timeout=GENERATE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise DrillbookError(f"allure generate gave no report within {GENERATE_TIMEOUT_S} s -> "
                             f"run it by hand: npx allure generate {results}") from None
    except OSError as exc:
        raise DrillbookError(f"cannot run node ({exc}) -> install Node.js 20 and run make install") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DrillbookError(f"allure generate failed: {tail[0]} -> run it by hand: npx allure generate {results}")


def _allure_cli() -> Path:
    """Allure 3 from the project's node_modules: the checkout drillbook runs from, else the current folder."""
    for root in (Path(__file__).resolve().parents[3], Path.cwd()):
        if (root / ALLURE_CLI).is_file():
            return root / ALLURE_CLI
    raise DrillbookError("allure 3 is not installed -> run make install (npm ci)")


def _first_time(results: Path, reports: Path) -> bool:
    listed = reports / HISTORY_RUNS
    return results.name not in (listed.read_text().split() if listed.is_file() else [])


def _remember(results: Path, reports: Path) -> None:
    if _first_time(results, reports):
        with (reports / HISTORY_RUNS).open("a") as handle:
            handle.write(results.name + "\n")
