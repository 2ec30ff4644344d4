"""The report's categories, from the kind of finding each outcome carries: never parsed back out of the message.

A test that ends failed, broken or refused carries its kind (``drillbook.findings``): the finding its
exception carries, else its exception's type (a ConfigError, a TargetError, anything else a drill defect).
The kind goes on the test report as the user property ``finding_kind``, on the Allure result as the label
``finding``, and as the first line of the Allure result's trace, ``drillbook finding: <kind>``: that line is
what ``categories.json`` matches, because Allure 2, the classic report and Allure 3 all read a category's
``traceRegex`` from that file (none of them reads label matchers from it). The message stays the message.

The plugin registers this module in the controller and in every xdist worker (each writes its own results):

    config.pluginmanager.import_plugin("drillbook.record.categories")
"""

from __future__ import annotations

from typing import Any, Iterator

import allure
import allure_commons
import pytest

from drillbook.findings import KINDS, REPORT_PROPERTY, Kind, kind_of

LABEL = "finding"  # the Allure label with the same kind
TRACE_HEAD = "drillbook finding: "  # the first line of the Allure trace: what categories.json matches

# Each kind's category and the statuses it files; the order is Allure's order of categories.
_CATEGORIES: dict[Kind, tuple[str, list[str]]] = {
    "refused": ("Refused by a safety rule", ["skipped"]),
    "configuration": ("Configuration problem", ["failed", "broken", "skipped"]),
    "unreachable": ("Target unreachable or hanging", ["failed", "broken"]),
    "no data": ("No data (inconclusive)", ["failed", "broken"]),
    "threshold": ("Runbook threshold breached", ["failed", "broken"]),
    "defect": ("Drill defect", ["broken"]),
}
assert tuple(_CATEGORIES) == KINDS, "every kind of finding has its category"

CATEGORY_NAMES: dict[Kind, str] = {kind: name for kind, (name, _) in _CATEGORIES.items()}
# Anchored on the whole trace, as Allure 2 matches (Java's Pattern.matches); [\s\S] since JavaScript's RegExp,
# which the classic report and Allure 3 use, has no inline flags and its '.' stops at a newline.
CATEGORIES = [{"name": name, "matchedStatuses": statuses,
               "traceRegex": f"^{TRACE_HEAD}{kind}(?:\\n[\\s\\S]*)?$"} for kind, (name, statuses) in _CATEGORIES.items()]

_KIND_KEY = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    trace = KindInTrace()
    allure_commons.plugin_manager.register(trace)
    config.add_cleanup(lambda: allure_commons.plugin_manager.unregister(trace))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    kind = outcome_kind(report, call)
    if kind and _KIND_KEY not in item.stash:  # the first problem is the test's outcome, as in Allure's own status
        item.stash[_KIND_KEY] = kind
        report.user_properties.append((REPORT_PROPERTY, kind))
        allure.dynamic.label(LABEL, kind)
    return report


def outcome_kind(report: pytest.TestReport, call: pytest.CallInfo) -> Kind | None:
    """The kind of a phase that did not pass; None for a pass, a plain skip or an expected failure."""
    if report.passed or call.excinfo is None or hasattr(report, "wasxfail"):
        return None
    return kind_of(call.excinfo.value)


class KindInTrace:
    """An allure_commons plugin: the result's kind becomes its trace's first line before the file writer has it."""

    @allure_commons.hookimpl(tryfirst=True)
    def report_result(self, result: Any) -> None:
        kind = next((label.value for label in result.labels if label.name == LABEL), None)
        details = result.statusDetails
        if kind is not None and details is not None:
            details.trace = f"{TRACE_HEAD}{kind}" + (f"\n{details.trace}" if details.trace else "")
