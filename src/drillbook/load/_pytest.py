"""The load drill's pytest side: its options are checked at start-up, its settings once the drills are selected."""

from __future__ import annotations

import pytest

from drillbook.config.environments import Environment
from drillbook.errors import ConfigError
from drillbook.load._settings import LoadOptions, LoadSettings, options_from, refuse_engine_on_tier, settings_from

OPTIONS_KEY = pytest.StashKey[LoadOptions]()
SETTINGS_KEY = pytest.StashKey[LoadSettings]()


def pytest_configure(config: pytest.Config) -> None:
    if config.option.help or config.option.version or not hasattr(config.option, "load_users"):
        return
    try:
        config.stash[OPTIONS_KEY] = options_from(config.option)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def load_settings(pytestconfig: pytest.Config, drill_env: Environment) -> LoadSettings:
    """Stages, workers, engine, interval, window and minimum requests: the command line over ``[load]``."""
    return pytestconfig.stash.get(SETTINGS_KEY, None) or settings_for(pytestconfig, drill_env)


def settings_for(config: pytest.Config, env: Environment) -> LoadSettings:
    """The load settings of this run on ``env``, or a ConfigError naming the file or option and the fix."""
    options = config.stash[OPTIONS_KEY]
    engine = options.engine or env.config.load.engine
    source = f"--load-engine {engine}" if options.engine else f"{env.path.name}: [load] engine = \"{engine}\""
    refuse_engine_on_tier(engine, env.tier, source)
    try:
        return settings_from(options, env.config.load, allow_inconclusive=config.option.allow_inconclusive,
                             azure=env.config.azure_load_testing)
    except ConfigError as exc:
        raise ConfigError(f"{env.path.name}: {exc}") from None


def refuse_unfit_load(config: pytest.Config, env: Environment, items: list[pytest.Item]) -> None:
    """After -m has deselected: a selected load drill that cannot run as configured, or whose windows cannot
    complete, is refused before anything runs (exit 4); configuration errors are not drill outcomes."""
    if OPTIONS_KEY not in config.stash or not any(item.get_closest_marker("load") for item in items):
        return
    from drillbook.load._fit import unfit  # imported on use: the judge's modules stay out of other runs
    try:
        settings = config.stash[SETTINGS_KEY] = settings_for(config, env)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    problem = unfit(settings)
    if problem:
        raise pytest.UsageError(problem)
