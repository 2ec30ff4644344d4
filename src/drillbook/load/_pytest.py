"""The load drill's pytest side: its options are checked at start-up, its settings are a fixture."""

from __future__ import annotations

import pytest

from drillbook.errors import ConfigError
from drillbook.load._settings import LoadOptions, LoadSettings, options_from, settings_from

OPTIONS_KEY = pytest.StashKey[LoadOptions]()


def pytest_configure(config: pytest.Config) -> None:
    if config.option.help or config.option.version or not hasattr(config.option, "load_users"):
        return
    try:
        config.stash[OPTIONS_KEY] = options_from(config.option)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def load_settings(pytestconfig: pytest.Config, drill_env) -> LoadSettings:
    """Stages, workers, engine, interval, window and minimum requests: the command line over ``[load]``."""
    try:
        return settings_from(pytestconfig.stash[OPTIONS_KEY], drill_env.section("load"),
                             allow_inconclusive=pytestconfig.option.allow_inconclusive,
                             azure_section=drill_env.section("azure_load_testing"))
    except ConfigError as exc:
        pytest.fail(f"{drill_env.path.name}: {exc}", pytrace=False)


def refuse_unfit_load(config: pytest.Config, env, items: list[pytest.Item]) -> None:
    """After -m has deselected: a selected load drill whose windows cannot complete is refused before it starts."""
    if OPTIONS_KEY not in config.stash or not any(item.get_closest_marker("load") for item in items):
        return
    from drillbook.load._fit import unfit  # imported on use: the judge's modules stay out of other runs
    try:
        settings = settings_from(config.stash[OPTIONS_KEY], env.section("load"),
                                 allow_inconclusive=config.option.allow_inconclusive,
                                 azure_section=env.section("azure_load_testing"))
    except ConfigError:
        return  # the drill's own fixture names the rest of its configuration, in one line
    problem = unfit(settings)
    if problem:
        raise pytest.UsageError(problem)
