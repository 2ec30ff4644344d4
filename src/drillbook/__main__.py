"""drillbook's command line (``drillbook``, or ``python -m drillbook``): plan drills, read the record back,
describe the environment file. pytest stays the runner.

    drillbook list [-m EXPR] [--env NAME] [--json]       # every drill: section, severity, owner, footprint, duration
    drillbook plan -m EXPR --env NAME [--approve ID]     # a dry run: would run / refused / skipped; contacts nothing
    drillbook options                                    # drillbook's own pytest options, grouped
    python -m drillbook journal verify [--journal-dir DIR]   # the chain and every artifact; exit 1 at a mismatch
    python -m drillbook journal status [--journal-dir DIR]   # per drill kind and environment: last run, verdict, age;
                                                             # each expected alert's time to detect across drills
    python -m drillbook journal verify --env staging         # the journal in the store [record] of staging names
    python -m drillbook report [--results DIR] [--output FILE]   # one self-contained HTML file of a run
    python -m drillbook report --run 1a2b3c4d --env staging  # a run fetched from that store
    python -m drillbook schema [--markdown] [--output PATH]  # the environment file's JSON Schema (or its reference)

The journal commands exit 0 when the journal reads back, 1 when it is damaged
(a mismatch, or a line that cannot be read), 2 on a bad command line (argparse),
3 when there is no journal where they looked, and 4 when the environment file or
its store cannot be used (one line names the store and the fix; never an empty journal).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_JOURNAL_DIR = "reports/journal"
EXIT_DAMAGED, EXIT_NO_JOURNAL, EXIT_UNUSABLE = 1, 3, 4  # 2 is argparse's own: a bad command line
JOURNAL_EXITS = ("exit status: 0 the journal reads back (verify: chain and artifacts intact); 1 it is damaged "
                 "(verify: an entry or artifact does not match; status: a line cannot be read); 2 bad command line; "
                 "3 no journal at --journal-dir or in the environment's store; 4 the environment file or its store "
                 "cannot be used")


def main(argv: list[str] | None = None, *, arm_options: dict | None = None) -> int:
    """``arm_options`` reach the management client of verify's retention check (a test's recorded answers)."""
    args = _parser().parse_args(argv)
    args.arm_options = arm_options or {}
    _quiet_azure_sdk_logs()
    return args.run(args)


def _quiet_azure_sdk_logs() -> None:
    """The SDK's own warnings (DefaultAzureCredential lists every credential it tried, a dozen lines) stay out of
    a command's output: drillbook says the same in one line with the fix (clients.azure.azure_failure)."""
    import logging

    logging.getLogger("azure").setLevel(logging.ERROR)


def _parser() -> argparse.ArgumentParser:
    from drillbook.cockpit import add_commands

    parser = argparse.ArgumentParser(prog="drillbook", description="plan drillbook's drills and read their record "
                                                                   "back (pytest runs them)")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    add_commands(commands)
    journal = commands.add_parser("journal", help="the drill journal", epilog=JOURNAL_EXITS)
    actions = journal.add_subparsers(required=True, metavar="ACTION")
    for name, run, text in (("verify", _verify, "check the chain and the artifacts; name the first mismatch"),
                            ("status", _status, "last run, verdict and age per drill kind and environment")):
        action = actions.add_parser(name, help=text, description=text, epilog=JOURNAL_EXITS)
        _add_record_options(action)
        action.set_defaults(run=run)
    report = commands.add_parser("report", help="render a run's results as one HTML file that opens from disk")
    report.add_argument("--results", type=Path, default=None, metavar="DIR", help="default: reports/runs/latest")
    report.add_argument("--output", type=Path, default=Path("reports/html"), metavar="DIR")
    report.add_argument("--run", dest="run_id", default=None, metavar="RUN_ID",
                        help="fetch this run from the store --env names (checked against its manifest)")
    _add_record_options(report, journal_dir=False)
    report.set_defaults(run=_report)
    schema = commands.add_parser("schema", help="the environment file's JSON Schema, for editors (taplo)",
                                 description="write the JSON Schema of the environment file (or, with --markdown, "
                                             "its reference), generated from the section models")
    schema.add_argument("--markdown", action="store_true", help="the Markdown reference (docs/environment-file.md \"The environment file\")")
    schema.add_argument("--output", type=Path, default=None, metavar="PATH", help="default: standard output")
    schema.set_defaults(run=_schema)
    return parser


def _add_record_options(action: argparse.ArgumentParser, *, journal_dir: bool = True) -> None:
    where = action.add_mutually_exclusive_group()
    if journal_dir:
        action.add_argument("--journal-dir", default=None, type=Path, metavar="DIR",
                            help=f"local files (default {DEFAULT_JOURNAL_DIR}); with --env, its local store's folder")
    where.add_argument("--env", default=None, metavar="NAME", help="read the store [record] of "
                                                                    "environments/NAME.toml names")
    where.add_argument("--env-file", default=None, type=Path, metavar="PATH", help="the same, for a file elsewhere")


def _with_record(action: str, args: argparse.Namespace, read) -> int:
    """Open the record the options name and run ``read(store, env)``; a store or file that fails: one line, 4."""
    from drillbook.errors import ConfigError, StoreError
    from drillbook.record.readback import open_record

    try:
        store, env = open_record(getattr(args, "journal_dir", None), args.env, args.env_file)
        return read(store, env)
    except (ConfigError, StoreError) as exc:
        print(f"{action}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


def _verify(args: argparse.Namespace) -> int:
    return _with_record("journal verify", args, lambda store, env: _verify_store(store, env, args.arm_options))


def _verify_store(store, env, arm_options: dict) -> int:
    from drillbook.record.chain import verify_journal
    from drillbook.record.journal import JOURNAL_FILE
    from drillbook.record.readback import protection

    found, where = verify_journal(store, JOURNAL_FILE), store.locate(JOURNAL_FILE)
    if found.missing:
        return _no_journal("verify", store)
    if found.problem:
        print(f"journal verify: {where}: {found.problem}", file=sys.stderr)
        return EXIT_DAMAGED
    unchained = f"; {found.unchained} older entries predate the chain and are not protected" if found.unchained else ""
    print(f"journal verify: {where}: {found.entries} entries, chain and artifacts intact, "
          f"head sha256 {found.head}{unchained}")
    kept = protection(store, env, **arm_options)
    if kept is not None:
        print(f"journal verify: {'' if kept.protected else 'warning: '}{kept.line}")
    return 0


def _status(args: argparse.Namespace) -> int:
    return _with_record("journal status", args, _status_of)


def _status_of(store, env) -> int:
    from drillbook.gates.cadence import read_runs, status_lines
    from drillbook.errors import RecordError
    from drillbook.record.journal import JOURNAL_FILE

    try:
        runs = read_runs(store)
    except RecordError as exc:
        print(f"journal status: {exc}", file=sys.stderr)
        return EXIT_DAMAGED
    if not runs and store.read(JOURNAL_FILE) is None:
        return _no_journal("status", store)
    from drillbook.record.alert_trend import trend_lines

    journal = (store.read(JOURNAL_FILE) or b"").decode("utf-8", errors="replace")
    for line in status_lines(runs, datetime.now(timezone.utc)) + trend_lines(journal):
        print(line)
    return 0


def _no_journal(action: str, store) -> int:
    from drillbook.record.journal import JOURNAL_FILE

    if store.shared:
        print(f"journal {action}: no journal at {store.locate(JOURNAL_FILE)} (no {JOURNAL_FILE} in that container) "
              "-> run a drill against this environment first, or check [record] container", file=sys.stderr)
        return EXIT_NO_JOURNAL
    path = Path(store.locate(JOURNAL_FILE))
    where = "no such folder" if not path.parent.is_dir() else f"no {path.name} in it"
    print(f"journal {action}: no journal at {path} ({where}) -> pass the folder drills journal to with "
          "--journal-dir (default reports/journal, relative to where pytest ran), or run a drill first",
          file=sys.stderr)
    return EXIT_NO_JOURNAL


def _report(args: argparse.Namespace) -> int:
    if args.run_id is not None:
        return _with_record("report", args, lambda store, env: _report_kept(store, args))
    return _report_of(args.results, args.output)


def _report_kept(store, args: argparse.Namespace) -> int:
    """Fetch the run from the store into reports/runs/kept-<run id>, checked against its manifest; render it."""
    from drillbook.errors import RecordError
    from drillbook.record.archive import run_folder

    try:
        folder = run_folder(store, args.run_id, args.results or Path("reports/runs") / f"kept-{args.run_id}")
    except RecordError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    return _report_of(folder, args.output)


def _report_of(results: Path | None, output: Path) -> int:
    from drillbook.errors import DrillbookError
    from drillbook.record.html import render_report

    try:
        print(f"report: {render_report(results, output)}")
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
