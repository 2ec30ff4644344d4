"""drillbook's pytest plugin: options, markers, fixtures and guards. Thin: it delegates.

    pytest -m smoke                      # the embedded local sandbox
    pytest -m smoke --env staging        # environments/staging.toml
    pytest -m "chaos" --env production --approve CHG-123
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from drillbook.record import notify
from drillbook.chaos import profiles as chaos_profiles, settings as chaos_settings
from drillbook import faults, fixtures, gates, load, markers, runbook
from drillbook.runtime import misconfigured
from drillbook.config import environments
from drillbook.record import categories, evidence
from drillbook.record import drill_facts, job_summary
from drillbook.record import summary as run_summary
from drillbook.record import folders as output_dirs
from drillbook.record import runs as run_record
from drillbook.config import safety
from drillbook.config import secrets
from drillbook.runtime import stops
from drillbook.runtime import target
from drillbook.watch import fit as watch_fit
from drillbook.watch import options as watch_options
from drillbook.record.journal import Journal, describe_run
from drillbook.clients.http import build_client
from drillbook.config.environments import Environment
from drillbook.config.sections import BudgetsSection
from drillbook.errors import ConfigError, DrillbookError, StoreError
from drillbook.fixtures._keys import ENV_KEY, STORE_KEY
from drillbook.findings import unconfigured

RUN_DIR_KEY = pytest.StashKey[Path]()
WATCH_KEY = pytest.StashKey["watch_options.WatchSettings"]()
RELEASE_KEY = pytest.StashKey["gates.Release | None"]()
NOTES_KEY = pytest.StashKey[set]()  # lines from xdist workers, printed once by the controller
REPLAYED_KEY = pytest.StashKey[list]()  # leftover fault undos this run reverted before anything else
DEFAULT_JOURNAL_DIR = "reports/journal"
NO_RELEASE = "no release manifest -> pass --release release.toml to run the gates"  # the gates that read it skip



def pytest_addoption(parser: pytest.Parser) -> None:
    """Six groups, in the order ``pytest --help`` and ``drillbook options`` show them (docs/options.md "Options")."""
    _add_target_options(parser)
    _add_watch_options(parser)
    load.add_options(parser)
    chaos_profiles.add_options(parser)
    _add_gate_options(parser)
    _add_record_options(parser)


def _add_target_options(parser: pytest.Parser) -> None:
    target = parser.getgroup("drillbook-target",
                             "drillbook: the target (which environment, which slot, whose approval)")
    target.addoption("--env", default="local", metavar="NAME",
                     help=f"target environment from environments/*.toml "
                          f"({', '.join(environments.available_environments())}); default: local (embedded sandbox)")
    target.addoption("--env-file", default=None, metavar="PATH",
                     help="environment file for a target that is not in environments/ (overrides --env)")
    target.addoption("--slot", default=None, metavar="NAME",
                     help="drill the [slots] slot's own address (slot_url) instead of base_url: smoke a deploy "
                          "in its slot before the swap")
    target.addoption("--approve", default=None, metavar="CHANGE_ID",
                     help="change/approval id (e.g. CHG-123); required for destructive drills on production")


def _add_watch_options(parser: pytest.Parser) -> None:
    watch = parser.getgroup("drillbook-watch", "drillbook: post-deploy watch (-m watch)")
    watch.addoption("--watch", default="15m", metavar="DURATION",
                    help="how long the watch runs (default 15m, the runbook's post-deploy watch)")
    watch.addoption("--watch-interval", default=None, metavar="DURATION",
                    help="evaluation interval (default: [metrics] interval_s of the environment)")
    watch.addoption("--watch-window", default=None, metavar="DURATION",
                    help="use this window for every rule instead of the runbook's (compressed drills, e.g. 10s)")
    watch.addoption("--watch-min-requests", default=None, type=int, metavar="N",
                    help="requests a window needs to count as data (default: [metrics] min_requests)")
    watch.addoption("--watch-probe-rps", default=None, type=float, metavar="RPS",
                    help="synthetic probe traffic during the watch (default: [metrics] probe_rps; 0 = none)")


def _add_gate_options(parser: pytest.Parser) -> None:
    gates_group = parser.getgroup("drillbook-gates", "drillbook: deploy gates and verdicts (-m gate, -m smoke)")
    gates_group.addoption("--release", default=None, metavar="PATH",
                          help="the release manifest (release.toml): -m gate judges its evidence, and its version "
                               "is the expected version of smoke and health drills")
    gates_group.addoption("--expect-version", default=None, metavar="VERSION",
                          help="fail unless /health reports this version (use after a deploy)")
    gates_group.addoption("--allow-inconclusive", action="store_true", default=False,
                          help="let a drill with no data pass; by default inconclusive fails, since no data is not a "
                               "pass")


def _add_record_options(parser: pytest.Parser) -> None:
    record = parser.getgroup("drillbook-record", "drillbook: the record (journal, results)")
    record.addoption("--journal-dir", default=DEFAULT_JOURNAL_DIR, metavar="DIR",
                     help=f"where the drill journal (one JSON line per run) is appended; default {DEFAULT_JOURNAL_DIR}")
    run_summary.add_options(record)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    markers.register_markers(config)
    config.pluginmanager.import_plugin("drillbook.record.scrubbing")  # redaction at the source, in every process
    config.pluginmanager.register(categories, "drillbook-categories")  # each outcome's kind, in every process
    config.pluginmanager.register(drill_facts, "drillbook-drill-facts")  # each drill's findings as data, in every process
    config.pluginmanager.register(stops, "drillbook-stops")  # a worker's stop ends the controller's run too
    for module in fixtures.MODULES:
        config.pluginmanager.import_plugin(module)
    from drillbook.runtime import interrupts  # imported already (the journal needs it): registered, not import_plugin'ed
    config.pluginmanager.register(interrupts, "drillbook-interrupts")  # a swallowed Ctrl-C still ends the run
    config.pluginmanager.register(misconfigured, "drillbook-config-errors")  # a ConfigError in a drill: one line
    if config.option.help or config.option.version:
        return
    if not hasattr(config, "workerinput"):
        run_record.begin_run()
    _load_target(config)
    if getattr(config.option, "allure_report_dir", "unset") is None:  # one run, one record; --alluredir wins
        try:
            config.option.allure_report_dir = str(run_record.choose_results_dir(
                config.stash[ENV_KEY].name, is_worker=hasattr(config, "workerinput")))
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None


def _refuse_lost_rootdir(config: pytest.Config) -> None:
    # pytest finds its rootdir before plugin options are known, so in "--env-file /elsewhere/x.toml"
    # it takes the path for a test path and loses pyproject.toml; "--env-file=PATH" parses right.
    args = config.invocation_params.args
    if config.inipath is None and "--env-file" in args:
        path = args[args.index("--env-file") + 1] if args.index("--env-file") + 1 < len(args) else "PATH"
        raise pytest.UsageError(f"--env-file {path}: pytest read the path as a test path and lost the project "
                                f"configuration -> write it as --env-file={path}")


def _load_target(config: pytest.Config) -> None:
    _refuse_lost_rootdir(config)
    is_controller = not hasattr(config, "workerinput")
    try:
        env = read_target(config)
        if env.uses_sandbox:
            target.check_reused_sandbox()
        if env.uses_sandbox and is_controller and not os.environ.get(target.RUN_DIR_VAR):
            config.stash[RUN_DIR_KEY] = target.prepare_run_dir()
        secrets.register_env_references(env.config.references())  # masked from the start; resolved in drill_env, after the guard
        if is_controller:  # before anything is read from or written to them, the record's folders must be usable
            _check_output_dirs(config.option)
        runs_drills = is_controller and not config.option.collectonly  # --collect-only reads and writes no record
        config.stash[STORE_KEY] = _open_record_store(env, config.option, check=runs_drills)
    except DrillbookError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[ENV_KEY] = env
    runbook.use_resources(runbook.Resources.of(env.tier, dict(env.config.azure), env.base_url))  # remedies name this target
    if runs_drills:  # a drill that died mid-fault, on any machine, left its undo behind: every run reverts it first
        config.stash[REPLAYED_KEY] = _replay_leftover_faults(config)
    if is_controller:  # xdist forwards every report to the controller, so it alone keeps the journal
        journal = Journal(env, approval=config.option.approve, markexpr=config.option.markexpr,
                          store=config.stash[STORE_KEY], keyword=config.option.keyword,
                          expected_version=config.option.expect_version, writes_left=_writes_left(config, env))
        config.pluginmanager.register(journal, "drillbook-journal")
        config.pluginmanager.register(safety.RefusalTally(), "drillbook-refusals")
        config.pluginmanager.register(misconfigured.MisconfiguredTally(), "drillbook-misconfigured")
        config.pluginmanager.register(run_summary.DrillReports(), run_summary.PLUGIN_NAME)


def read_target(config: pytest.Config) -> Environment:
    """The run's environment, checked with the run's options: files only, no secret, no network (``drillbook plan``)."""
    markers.check_markexpr(config)
    env = environments.load_environment(config.option.env, path=config.option.env_file)
    env = gates.aim_at_slot(env, config.option.slot)
    safety.check_approval_id(config.option.approve)
    chaos_profiles.check_profile(config.option.drill_profile, env.tier)
    config.stash[WATCH_KEY] = watch_options.from_config(config.option, env)
    config.stash[RELEASE_KEY] = gates.release_for_run(config.option)
    return env


def _open_record_store(env: Environment, option, *, check: bool):
    """The store ``[record]`` names (local files in --journal-dir by default), answering before any drill runs."""
    from drillbook.store import open_store

    store = open_store(env.config.record, Path(option.journal_dir), where=env.path.name)
    if check:
        store.check()
    return store


def _replay_leftover_faults(config: pytest.Config) -> list[str]:
    from drillbook.fixtures.leases import undo_journal

    try:
        return faults.replay_pending(undo_journal(config, "replay of leftover faults"))
    except DrillbookError as exc:  # a store that cannot be read: one line, before any drill
        raise pytest.UsageError(str(exc)) from None


def _check_output_dirs(option) -> None:
    output_dirs.writable_dir(Path(option.journal_dir), "--journal-dir", given=option.journal_dir != DEFAULT_JOURNAL_DIR)
    if getattr(option, "allure_report_dir", None):  # unset: the run's own folder, made in pytest_configure
        output_dirs.writable_dir(Path(option.allure_report_dir), "--alluredir", given=True)
    if option.summary_json:
        run_summary.check_path(option.summary_json)


@pytest.hookimpl(wrapper=True)  # after the terminal's own header
def pytest_sessionstart(session: pytest.Session) -> Iterator[None]:
    """One header line on every run: environment, tier, base URL, env file and approval."""
    yield
    env, config = session.config.stash.get(ENV_KEY, None), session.config
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if env is not None and reporter is not None and not hasattr(config, "workerinput"):
        reporter.write_line(describe_run(env, config.option.approve))
        for line in config.stash.get(REPLAYED_KEY, []):
            reporter.write_line(line)


@pytest.hookimpl(trylast=True)  # after -m and -k: only long drills they kept are counted
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        evidence.label_item(item)
    note = markers.deselect_long_drills(config, items)
    if note and hasattr(config, "workerinput"):
        config.workeroutput["drillbook_notes"] = [note]
    elif note and config.pluginmanager.get_plugin("terminalreporter"):
        config.pluginmanager.get_plugin("terminalreporter").write_line(note)
    try:
        refuse_unfit_selection(config, items)
    except pytest.UsageError as exc:
        stops.refuse(session, exc)
    if ENV_KEY in config.stash:
        safety.refused_first(config.stash[ENV_KEY], config.option.approve, items)


def refuse_unfit_selection(config: pytest.Config, items: list[pytest.Item]) -> None:
    """After -m has deselected: only a run that will start a drill is refused for that drill's options.

    Here, not in pytest_collection_finish: pytest calls that even when -m or -k could not be parsed, and a
    refusal there would hide pytest's own error about the expression.
    """
    watch_fit.refuse_unfit_watch(config.stash.get(WATCH_KEY, None), items)
    load.refuse_unfit_load(config, config.stash[ENV_KEY], items)
    gates.refuse_missing_release(config.stash.get(RELEASE_KEY, None), items, config.option.markexpr)
    gates.refuse_slot_misuse(config.option.slot, items)
    chaos_settings.refuse_thin_windows(config.stash.get(ENV_KEY, None), config.option.drill_profile, items)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist: keep a worker's notes (each worker collects the same items, so they repeat)."""
    notes = node.config.stash.setdefault(NOTES_KEY, set())
    notes.update(getattr(node, "workeroutput", {}).get("drillbook_notes", []))


def _writes_left(config: pytest.Config, env: Environment):
    """The contract drill's ledger, read when the journal writes its entry (after teardown removed what it could)."""
    def count() -> int | None:
        from drillbook.contract import pending_writes

        try:
            return pending_writes(config.stash[STORE_KEY], env.name)
        except StoreError:  # unknown, never 0; the record that carries it fails on that store with one line
            return None
    return count


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    for note in sorted(config.stash.get(NOTES_KEY, set())):
        terminalreporter.write_line(note)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    env = item.config.stash.get(ENV_KEY, None)
    if env is not None and item.get_closest_marker("destructive"):
        safety.guard_destructive(env, item.config.option.approve, item.nodeid)


def pytest_unconfigure(config: pytest.Config) -> None:
    run_dir = config.stash.get(RUN_DIR_KEY, None)
    if run_dir is not None:
        target.finish_run_dir(run_dir)
    env = config.stash.get(ENV_KEY, None)
    results = getattr(config.option, "allure_report_dir", None)
    journal = config.pluginmanager.get_plugin("drillbook-journal")
    # before the scrub and the journal's manifest, which then covers summary.json
    summary = run_summary.record(config, journal, Path(results) if results else None)
    if env is not None and results and not hasattr(config, "workerinput"):
        evidence.write_run_files(Path(results), env, approval=config.option.approve,
                                 markexpr=config.option.markexpr)
        evidence.scrub_directory(Path(results))
    if journal is not None:  # last: its manifest hashes the run's files as they stay
        journal.record(Path(results) if results else None, getattr(config.option, "xmlpath", None))
        notify.send_summary(env, journal.recorded)
        job_summary.publish(summary, Path(results) if results else None, journal.recorded)
        if journal.recorded and results:  # latest: the newest run of drills, not of drillbook's own tests
            run_record.mark_latest(Path(results))


# --- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def drill_env(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Environment:
    """The target environment, secrets resolved; the sandbox is started here on first use.

    Secrets are resolved here, not at start-up: the safety guard runs before any fixture, so a drill it
    refuses never waits for a vault (and a run whose every drill is refused needs no secret at all).
    """
    env = pytestconfig.stash[ENV_KEY]
    try:
        env = environments.resolve_secrets(env)
    except ConfigError as exc:
        stops.stop_run(request.session, str(exc), pytest.ExitCode.USAGE_ERROR)
    if env.uses_sandbox:
        try:
            env = env.with_base_url(target.sandbox_url(_sandbox_version(pytestconfig)))
            env = gates.aim_at_slot(env, pytestconfig.option.slot)
        except DrillbookError as exc:
            stops.stop_run(request.session, str(exc), pytest.ExitCode.INTERNAL_ERROR)  # README: 3, no sandbox
    return env




@pytest.fixture(scope="session")
def record_store(pytestconfig: pytest.Config):
    """Where the record is kept (``[record]``): the journal the gates read, the runs, the leases."""
    return pytestconfig.stash[STORE_KEY]


@pytest.fixture(scope="session")
def http(drill_env: Environment) -> Iterator[httpx.Client]:
    """An unauthenticated client for the target (base URL, timeouts, TLS, user agent)."""
    with build_client(drill_env.http_target, on_exchange=evidence.attach_exchange) as client:
        yield client


@pytest.fixture(scope="session")
def admin_http(drill_env: Environment) -> Iterator[httpx.Client]:
    """A client that carries the admin bearer token from ``[auth] admin_token``."""
    token = drill_env.secret("admin_token")
    if not token:
        raise unconfigured(f"{drill_env.path.name}: [auth] admin_token is not configured -> add a reference to run "
                           "admin checks")
    with build_client(drill_env.http_target, token=token, on_exchange=evidence.attach_exchange) as client:
        yield client


@pytest.fixture(scope="session")
def budgets(drill_env: Environment) -> BudgetsSection:
    """``[budgets]``: the latency budgets of single requests (``budgets.health_latency_ms``)."""
    return drill_env.config.budgets


@pytest.fixture(scope="session")
def expected_version(pytestconfig: pytest.Config) -> str | None:
    """``--expect-version``, else the version of the ``--release`` manifest."""
    release = pytestconfig.stash.get(RELEASE_KEY, None)
    return pytestconfig.option.expect_version or (release.version if release else None)


@pytest.fixture(scope="session")
def release(pytestconfig: pytest.Config) -> gates.Release:
    """The ``--release`` manifest: version, change, and where each gate's evidence lies."""
    manifest = pytestconfig.stash.get(RELEASE_KEY, None)
    if manifest is None:
        pytest.skip(NO_RELEASE)
    return manifest


@pytest.fixture(scope="session")
def thresholds(drill_env: Environment):
    """``thresholds("api_error_rate")``: the runbook threshold with this environment's override."""
    overrides = drill_env.config.thresholds.overrides()
    return lambda key: runbook.threshold(key, overrides)


@pytest.fixture(scope="session")
def watch_settings(pytestconfig: pytest.Config) -> watch_options.WatchSettings:
    """The watch's duration, interval, window and traffic from the command line and environment."""
    return pytestconfig.stash[WATCH_KEY]


@pytest.fixture
def show_progress(pytestconfig: pytest.Config):
    """Write a live progress line to the terminal, even while output is captured."""
    return lambda line: watch_options.show_line(pytestconfig, line)


def _sandbox_version(config: pytest.Config) -> str | None:
    return os.environ.get("SANDBOX_VERSION")
