"""drillbook's command line: read the record back, and describe the environment file.

    python -m drillbook journal verify [--journal-dir DIR]   # the chain and every artifact; exit 1 at a mismatch
    python -m drillbook journal status [--journal-dir DIR]   # per drill kind and environment: last run, verdict, age;
                                                             # each expected alert's time to detect across drills
    python -m drillbook report [--results DIR] [--output FILE]   # one self-contained HTML file of a run
    python -m drillbook schema [--markdown] [--output PATH]  # the environment file's JSON Schema (or its reference)

The journal commands exit 0 when the journal reads back, 1 when it is damaged
(a mismatch, or a line that cannot be read), 2 on a bad command line (argparse)
and 3 when there is no journal where they looked.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_JOURNAL_DIR = "reports/journal"
EXIT_DAMAGED, EXIT_NO_JOURNAL = 1, 3  # 2 is argparse's own: a bad command line
JOURNAL_EXITS = ("exit status: 0 the journal reads back (verify: chain and artifacts intact); 1 it is damaged "
                 "(verify: an entry or artifact does not match; status: a line cannot be read); 2 bad command line; "
                 "3 no journal at --journal-dir")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drillbook", description="read drillbook's record back")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    journal = commands.add_parser("journal", help="the drill journal", epilog=JOURNAL_EXITS)
    actions = journal.add_subparsers(required=True, metavar="ACTION")
    for name, run, text in (("verify", _verify, "check the chain and the artifacts; name the first mismatch"),
                            ("status", _status, "last run, verdict and age per drill kind and environment")):
        action = actions.add_parser(name, help=text, description=text, epilog=JOURNAL_EXITS)
        action.add_argument("--journal-dir", default=DEFAULT_JOURNAL_DIR, type=Path, metavar="DIR")
        action.set_defaults(run=run)
    report = commands.add_parser("report", help="render a run's results as one HTML file that opens from disk")
    report.add_argument("--results", type=Path, default=None, metavar="DIR", help="default: reports/runs/latest")
    report.add_argument("--output", type=Path, default=Path("reports/html"), metavar="DIR")
    report.set_defaults(run=_report)
    schema = commands.add_parser("schema", help="the environment file's JSON Schema, for editors (taplo)",
                                 description="write the JSON Schema of the environment file (or, with --markdown, "
                                             "its reference), generated from the section models")
    schema.add_argument("--markdown", action="store_true", help="the Markdown reference (docs/environment-file.md \"The environment file\")")
    schema.add_argument("--output", type=Path, default=None, metavar="PATH", help="default: standard output")
    schema.set_defaults(run=_schema)
    return parser


def _verify(args: argparse.Namespace) -> int:
    from drillbook.record.journal import JOURNAL_FILE
    from drillbook.record.chain import verify_journal

    path = args.journal_dir / JOURNAL_FILE
    if not path.is_file():
        return _no_journal("verify", path)
    found = verify_journal(path)
    if found.problem:
        print(f"journal verify: {path}: {found.problem}", file=sys.stderr)
        return EXIT_DAMAGED
    unchained = f"; {found.unchained} older entries predate the chain and are not protected" if found.unchained else ""
    print(f"journal verify: {path}: {found.entries} entries, chain and artifacts intact, "
          f"head sha256 {found.head}{unchained}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from drillbook.gates.cadence import read_runs, status_lines
    from drillbook.errors import RecordError
    from drillbook.record.journal import JOURNAL_FILE

    path = args.journal_dir / JOURNAL_FILE
    if not path.is_file():
        return _no_journal("status", path)
    try:
        runs = read_runs(path)
    except RecordError as exc:
        print(f"journal status: {exc}", file=sys.stderr)
        return EXIT_DAMAGED
    from drillbook.record.alert_trend import trend_lines

    for line in status_lines(runs, datetime.now(timezone.utc)) + trend_lines(path):
        print(line)
    return 0


def _no_journal(action: str, path: Path) -> int:
    where = "no such folder" if not path.parent.is_dir() else f"no {path.name} in it"
    print(f"journal {action}: no journal at {path} ({where}) -> pass the folder drills journal to with "
          "--journal-dir (default reports/journal, relative to where pytest ran), or run a drill first",
          file=sys.stderr)
    return EXIT_NO_JOURNAL


def _report(args: argparse.Namespace) -> int:
    from drillbook.errors import DrillbookError
    from drillbook.record.html import render_report

    try:
        print(f"report: {render_report(args.results, args.output)}")
    except DrillbookError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    return 0


def _schema(args: argparse.Namespace) -> int:
    from drillbook.config.reference import environment_reference, environment_schema_text

    text = environment_reference() if args.markdown else environment_schema_text()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"schema: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
