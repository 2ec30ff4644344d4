"""Redaction at the source, in every process: reports, Allure's files and log records carry no secret.

The plugin registers this module in the controller and in every xdist worker, so
each process masks the secrets it resolved itself, and credential shapes always,
before the terminal, JUnit XML, the journal, a log file or Allure see them:

    config.pluginmanager.import_plugin("drillbook.record.scrubbing")

allure-pytest builds a result's message from the exception, not from the report,
so Allure's records are cleaned again as they are handed to its file writer.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Iterator

import allure_commons
import pytest

from drillbook import redaction


def pytest_configure(config: pytest.Config) -> None:
    _redact_log_records(config)
    allure = AllureRedaction(config)
    allure_commons.plugin_manager.register(allure)
    config.add_cleanup(lambda: allure_commons.plugin_manager.unregister(allure))


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: the report is final (xfail reason set)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    scrub_report(report)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost, as for the test reports
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    report = yield
    scrub_report(report)
    return report


def scrub_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Mask secrets in a report's failure or skip text, captured output, xfail reason and properties."""
    report.longrepr = _scrub_longrepr(report.longrepr)
    report.sections = redaction.redact_fields(list(report.sections))
    if hasattr(report, "user_properties"):
        report.user_properties = redaction.redact_fields(list(report.user_properties))
    if isinstance(getattr(report, "wasxfail", None), str):
        report.wasxfail = redaction.redact_text(report.wasxfail)


def _scrub_longrepr(longrepr: Any) -> Any:
    """pytest's own representations are cleaned field by field; a plugin's own kind becomes its cleaned text."""
    cleaned = redaction.redact_fields(longrepr)
    if cleaned is None or isinstance(cleaned, (str, tuple)) or redaction.record_fields(cleaned):
        return cleaned
    text = str(cleaned)
    return cleaned if redaction.redact_text(text) == text else redaction.redact_text(text)


class AllureRedaction:
    """An allure_commons plugin: records are cleaned before, attachments as soon as, the file writer has them."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @allure_commons.hookimpl(tryfirst=True)
    def report_result(self, result: Any) -> None:
        redaction.redact_fields(result)  # in place: the writer is handed this same object next

    @allure_commons.hookimpl(tryfirst=True)
    def report_container(self, container: Any) -> None:
        redaction.redact_fields(container)

    @allure_commons.hookimpl(tryfirst=True)
    def report_globals(self, globals_item: Any) -> None:
        redaction.redact_fields(globals_item)

    @allure_commons.hookimpl(trylast=True)
    def report_attached_data(self, body: str | bytes, file_name: str) -> None:
        # The body cannot be replaced on its way to the writer: rewrite its file before the hook returns.
        self._clean_file(file_name)

    @allure_commons.hookimpl(trylast=True)
    def report_attached_file(self, source: str, file_name: str) -> None:
        self._clean_file(file_name)

    def _clean_file(self, file_name: str) -> None:
        directory = getattr(self.config.option, "allure_report_dir", None)
        path = Path(os.path.abspath(directory or "."), file_name)
        if directory and path.is_file():
            rewrite_redacted(path)


def rewrite_redacted(path: Path) -> bool:
    """Replace ``path`` by its redacted copy (atomically) when it holds a secret; say whether it did."""
    data = path.read_bytes()
    cleaned = redaction.redact_bytes(data)
    if cleaned == data:
        return False
    temporary = path.with_name(path.name + ".redacting")
    temporary.write_bytes(cleaned)
    os.replace(temporary, path)
    return True


def _redact_log_records(config: pytest.Config) -> None:
    """Every log record is masked when it is made, so no handler (log file, live log, capture) sees a secret."""
    previous = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(make_record)
    config.add_cleanup(lambda: logging.setLogRecordFactory(previous))


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is logging's own error to report at emit time
        return record
    cleaned = redaction.redact_text(message)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redaction.redact_text(logging.Formatter().formatException(record.exc_info))
    return record
