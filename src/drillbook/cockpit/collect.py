"""The drills a run would select, collected in-process by pytest: drillbook's fixtures registered, none run.

``pytest --collect-only`` with the real plugin would begin a run (its record folders, a
leftover fault's replay, the journal); here the plugin stays off (``-p no:drillbook``) and
this collector does only its reading part: options, markers, fixture modules and the
environment checked by ``plugin.read_target``. No secret is resolved, nothing is contacted.

>>> found = collect(["-m", "chaos", "--env", "production"])
>>> [item.nodeid for item in found.items][:1]
['chaos/test_backup_restore.py::test_restore_is_complete_and_within_rto_and_rpo']
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field

import pytest

from drillbook import fixtures, markers, plugin
from drillbook.config.environments import Environment
from drillbook.errors import ConfigError, DrillbookError
from drillbook.fixtures._keys import ENV_KEY

# Off: the plugin itself (its run bookkeeping), and the cache, which would write .pytest_cache.
PYTEST_ARGS = ("--collect-only", "-q", "-p", "no:drillbook", "-p", "no:cacheprovider")
COLLECTED = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)


@dataclass
class Collection:
    """What pytest collected (after ``-m``), the environment it was checked against, and the run's config."""

    items: list[pytest.Item] = field(default_factory=list)
    env: Environment | None = None
    config: pytest.Config | None = None
    deselected_long: list[pytest.Item] = field(default_factory=list)  # long drills -m does not name (plan only)
    note: str | None = None


class _Collector:
    """A pytest plugin: drillbook's options and markers, its fixture modules, the environment; keeps the items."""

    def __init__(self, drop_long_drills: bool) -> None:
        self.found = Collection()
        self.drop_long_drills = drop_long_drills

    def pytest_addoption(self, parser: pytest.Parser) -> None:
        plugin.pytest_addoption(parser)

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        markers.register_markers(config)
        for module in fixtures.MODULES:  # their parametrization (one test per admin route) is the run's
            config.pluginmanager.import_plugin(module)
        try:
            config.stash[ENV_KEY] = self.found.env = plugin.read_target(config)
        except DrillbookError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.found.config = config

    @pytest.hookimpl(trylast=True)  # after -m: what the run would keep
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self.drop_long_drills:
            before = list(items)
            self.found.note = markers.deselect_long_drills(config, items)
            self.found.deselected_long = [item for item in before if item not in items]
        self.found.items = list(items)


def collect(args: list[str], *, drop_long_drills: bool = False) -> Collection:
    """Collect with ``args`` (``-m``, ``--env``...); a ConfigError carries pytest's own message when it fails."""
    collector = _Collector(drop_long_drills)
    output, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
        status = pytest.main([*PYTEST_ARGS, *args], plugins=[collector])
    if status not in COLLECTED:
        raise ConfigError(_problem(status, output.getvalue(), errors.getvalue()))
    return collector.found


def _problem(status: int, output: str, errors: str) -> str:
    """pytest's own error lines (a bad -m, a bad environment file, a drill file that does not import)."""
    lines = [line.removeprefix("ERROR: ") for line in (errors + output).splitlines()
             if line.strip() and not line.startswith(("=", "_"))]
    said = "; ".join(lines[-3:]) if lines else f"pytest exited {int(status)}"
    return said if status == pytest.ExitCode.USAGE_ERROR else f"collection failed (exit {int(status)}): {said}"

