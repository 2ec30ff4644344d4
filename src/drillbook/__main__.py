"""drillbook's command line: read the record back.

    python -m drillbook journal verify [--journal-dir DIR]   # the chain and every artifact; exit 1 at a mismatch
    python -m drillbook journal status [--journal-dir DIR]   # per drill kind and environment: last run, verdict, age
    python -m drillbook report [--results DIR] [--output FILE]   # one self-contained HTML file of a run
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_JOURNAL_DIR = "reports/journal"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drillbook", description="read drillbook's record back")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    journal = commands.add_parser("journal", help="the drill journal").add_subparsers(required=True, metavar="ACTION")
    for name, run, text in (("verify", _verify, "check the chain and the artifacts; name the first mismatch"),
                            ("status", _status, "last run, verdict and age per drill kind and environment")):
        action = journal.add_parser(name, help=text)
        action.add_argument("--journal-dir", default=DEFAULT_JOURNAL_DIR, type=Path, metavar="DIR")
        action.set_defaults(run=run)
    report = commands.add_parser("report", help="render a run's results as one HTML file that opens from disk")
    report.add_argument("--results", type=Path, default=None, metavar="DIR", help="default: reports/runs/latest")
    report.add_argument("--output", type=Path, default=Path("reports/html"), metavar="DIR")
    report.set_defaults(run=_report)
    return parser


def _verify(args: argparse.Namespace) -> int:
    from drillbook.journal import JOURNAL_FILE
    from drillbook.journal_chain import verify_journal

    path = args.journal_dir / JOURNAL_FILE
    found = verify_journal(path)
    if found.problem:
        print(f"journal verify: {path}: {found.problem}", file=sys.stderr)
        return 1
    unchained = f"; {found.unchained} older entries predate the chain and are not protected" if found.unchained else ""
    print(f"journal verify: {path}: {found.entries} entries, chain and artifacts intact, "
          f"head sha256 {found.head}{unchained}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from drillbook.cadence import read_runs, status_lines
    from drillbook.journal import JOURNAL_FILE

    for line in status_lines(read_runs(args.journal_dir / JOURNAL_FILE), datetime.now(timezone.utc)):
        print(line)
    return 0


def _report(args: argparse.Namespace) -> int:
    from drillbook.errors import DrillbookError
    from drillbook.report_html import render_report

    try:
        print(f"report: {render_report(args.results, args.output)}")
    except DrillbookError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
