"""Load drills: locust as a subprocess, judged interval by interval by the runbook's rules.

    settings = load_settings                     # the fixture: command line over [load]
    run = run_load_drill(drill_env, settings, thresholds, show_progress)
    failure = verdict(run)                       # None when it passed; else raise it: it carries the findings

Importing this package loads neither locust nor matplotlib: locust only ever runs
in its own processes (see DESIGN.md), and charts are drawn after the run.
"""

from drillbook.load._breaches import Breach, alert_rules, breaches
from drillbook.load._settings import LoadSettings, Stage, add_options

__all__ = ["Breach", "LoadSettings", "Stage", "add_options", "alert_rules", "breaches", "journal_line",
           "refuse_unfit_load", "run_load_drill", "verdict", "verdict_message"]


def refuse_unfit_load(*args, **kwargs):
    """Refuse a selected load drill that could only end inconclusive (see :mod:`drillbook.load._pytest`)."""
    from drillbook.load._pytest import refuse_unfit_load as refuse

    return refuse(*args, **kwargs)


def run_load_drill(*args, **kwargs):
    """Run the load drill (see :func:`drillbook.load._drill.run_load_drill`); imported on use, it loads allure."""
    from drillbook.load._drill import run_load_drill as run

    return run(*args, **kwargs)


def journal_line(run):
    """The drill's one-line record for the journal (see :func:`drillbook.load._drill.journal_line`)."""
    from drillbook.load._drill import journal_line as line

    return line(run)


def verdict_message(run):
    """The drill's failure text, or None (see :func:`drillbook.load._drill.verdict_message`)."""
    from drillbook.load._drill import verdict_message as message

    return message(run)


def verdict(run, alerts=()):
    """The drill's failure carrying its findings, or None (see :func:`drillbook.load._drill.verdict`)."""
    from drillbook.load._drill import verdict as failure

    return failure(run, alerts)
