"""The cockpit's subcommands of ``drillbook`` (and ``python -m drillbook``): list, plan, options.

Exit status: 0 done; 4 a bad environment, option or ``-m`` (pytest's usage error); ``plan`` also
exits 4 when the run would be refused as a whole and 6 when every selected drill would be refused,
as the run itself would.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_USAGE = 4  # pytest's usage error
LIST_HELP = "every drill: markers, runbook section, severity, owner, destructive, what it touches, faults, duration"
PLAN_HELP = ("a dry run: per drill would run / refused / skipped and why, the secrets and Azure roles it needs, "
             "what it sends and how that is undone, the expected duration; contacts nothing")
OPTIONS_HELP = "drillbook's own pytest options and their defaults, grouped (target, watch, load, chaos, gates, record)"


def add_commands(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("list", help=LIST_HELP, description=LIST_HELP)
    _target_arguments(listing, marker_required=False)
    listing.set_defaults(run=run_list)
    plan = commands.add_parser("plan", help=PLAN_HELP, description=PLAN_HELP, epilog=__doc__.split("\n\n")[1])
    _target_arguments(plan, marker_required=True)
    plan.add_argument("--approve", metavar="CHANGE_ID", help="the change id the run would carry (e.g. CHG-123)")
    plan.add_argument("--release", metavar="FILE", help="the release manifest the run would judge (-m gate)")
    plan.add_argument("--slot", metavar="NAME", help="the slot the run would aim smoke and health drills at")
    plan.add_argument("--watch", metavar="DURATION", help="the watch's length (default 15m)")
    plan.add_argument("--drill-profile", metavar="NAME", help="the chaos windows: default or short (sandbox only)")
    plan.set_defaults(run=run_plan)
    options = commands.add_parser("options", help=OPTIONS_HELP, description=OPTIONS_HELP)
    options.add_argument("--json", action="store_true", help="for tools: the groups and options as JSON")
    options.set_defaults(run=run_options)


def _target_arguments(parser: argparse.ArgumentParser, *, marker_required: bool) -> None:
    parser.add_argument("-m", dest="markexpr", metavar="EXPR", required=marker_required,
                        help="the drills, as pytest's -m selects them (e.g. \"chaos or dr\")")
    parser.add_argument("--env", default="local", metavar="NAME", help="environments/NAME.toml (default: local)")
    parser.add_argument("--env-file", metavar="PATH", help="an environment file outside environments/")
    parser.add_argument("--json", action="store_true", help="for tools: the same facts as JSON")


def _pytest_args(args: argparse.Namespace, names: tuple[str, ...]) -> list[str]:
    """The run's own arguments: ``-m EXPR`` and ``--name=value`` (written with "=", pytest keeps its rootdir)."""
    found = ["-m", args.markexpr] if args.markexpr else []
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            found.append(f"--{name.replace('_', '-')}={value}")
    return found


def run_list(args: argparse.Namespace) -> int:
    from drillbook.cockpit.catalogue import describe
    from drillbook.cockpit.collect import collect
    from drillbook.cockpit.render import table
    from drillbook.errors import ConfigError

    try:
        found = collect(_pytest_args(args, ("env", "env_file")))
    except ConfigError as exc:
        return _usage("list", exc)
    drills = [describe(item, found.env, found.config) for item in found.items]
    if args.json:
        print(json.dumps({"environment": found.env.name, "tier": found.env.tier,
                          "drills": [facts.as_json() for facts in drills]}, indent=2))
    else:
        sys.stdout.write(table(drills))
    return 0


def run_plan(args: argparse.Namespace) -> int:
    from drillbook.cockpit.collect import collect
    from drillbook.cockpit.plan import REFUSED, plan_run
    from drillbook.cockpit.render import plan_text
    from drillbook.config.safety import EXIT_ALL_REFUSED
    from drillbook.errors import ConfigError
    from drillbook.record.journal import describe_run

    names = ("env", "env_file", "approve", "release", "slot", "watch", "drill_profile")
    try:
        found = collect(_pytest_args(args, names), drop_long_drills=True)
    except ConfigError as exc:
        return _usage("plan", exc)
    plan = plan_run(found)
    if args.json:
        print(json.dumps({"environment": found.env.name, "tier": found.env.tier, "approval": args.approve,
                          **plan.as_json()}, indent=2))
    else:
        sys.stdout.write(plan_text(plan, describe_run(found.env, args.approve)))
    if plan.run_refused:
        return EXIT_USAGE
    selected = len(found.items)
    return EXIT_ALL_REFUSED if selected and plan.count(REFUSED) == selected else 0


def run_options(args: argparse.Namespace) -> int:
    from drillbook.cockpit.options import drillbook_options, render, short

    groups = drillbook_options()
    if args.json:
        print(json.dumps({short(g): {"description": g.description, "options": [o.as_json() for o in g.options]}
                          for g in groups}, indent=2, default=str))
    else:
        sys.stdout.write(render(groups))
    return 0


def _usage(command: str, exc: Exception) -> int:
    print(f"drillbook {command}: {exc}", file=sys.stderr)
    return EXIT_USAGE
