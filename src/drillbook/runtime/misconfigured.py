"""A configuration error met inside a drill is no outcome of the drill: one line, recorded apart, exit 4.

Whatever raises :class:`~drillbook.errors.ConfigError` while a drill sets up or
runs (a fixture reading its section, a secret reference that does not resolve,
an Azure resource the file does not name) ends that drill as *misconfigured*:
its report is the one line, the journal counts it under ``misconfigured`` and
gives its kind no verdict (``journal status`` shows no failed drill for it),
and a run whose only problems are configuration errors exits 4, like a bad
option. What can be checked before anything runs is refused there instead
(pytest's UsageError, also 4).

>>> problem = drill_problem(exc)      # in a fixture's ``except DrillbookError``: a ConfigError propagates
"""

from __future__ import annotations

import pytest

from drillbook.errors import ConfigError, DrillbookError
from drillbook.markers import MARKERS

CONFIG_ERROR = "config_error"  # the user property a misconfigured drill's report carries: its one line


def drill_problem(exc: DrillbookError) -> str:
    """What a drill fails with for ``exc``; a ConfigError is raised again instead: it is not the drill's outcome."""
    if isinstance(exc, ConfigError):
        raise exc
    return str(exc)


def config_error_of(report: pytest.TestReport) -> str | None:
    """The configuration error that stopped this drill, or None."""
    return next((str(value) for name, value in report.user_properties if name == CONFIG_ERROR), None)


@pytest.hookimpl(wrapper=True, trylast=True)  # innermost: allure and the terminal see the one line
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    drill = any(item.get_closest_marker(name.split("(")[0]) for name in MARKERS)  # not drillbook's own tests
    if drill and call.excinfo is not None and call.excinfo.errisinstance(ConfigError):
        report.longrepr = str(call.excinfo.value)
        report.user_properties.append((CONFIG_ERROR, str(call.excinfo.value)))
    return report


class MisconfiguredTally:
    """On the controller: a run whose every problem is a configuration error exits 4, not 1."""

    def __init__(self) -> None:
        self.misconfigured: dict[str, str] = {}
        self.failed: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.failed:
            return
        problem = config_error_of(report)
        if problem:
            self.misconfigured[report.nodeid] = problem
        else:
            self.failed.add(report.nodeid)

    @pytest.hookimpl(tryfirst=True)  # before the journal, which records the exit status
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.misconfigured and not self.failed and session.exitstatus == pytest.ExitCode.TESTS_FAILED:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.misconfigured:
            first = next(iter(self.misconfigured.values()))
            terminalreporter.write_line(f"drillbook: a configuration error stopped {len(self.misconfigured)} "
                                        f"drill(s), recorded as misconfigured, not failed: {first}")
