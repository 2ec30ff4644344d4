"""Redaction: secrets never reach a report, whether in headers, query strings, JSON bodies or free text."""

import sys

import httpx
import pytest

from drillbook import redaction
from drillbook.clients.http import Exchange
from drillbook.record.evidence import format_exchange

TOKEN = "tok-9f8e7d6c5b4a"


def setup_module():
    redaction.register_secret(TOKEN)


def test_bearer_header_is_masked():
    headers = redaction.redact_headers([("Authorization", f"Bearer {TOKEN}"), ("Accept", "application/json")])
    assert headers == [("Authorization", "Bearer [REDACTED]"), ("Accept", "application/json")]


def test_fault_token_header_is_masked():
    assert redaction.redact_headers([("X-Fault-Token", "anything-at-all")]) == [("X-Fault-Token", "[REDACTED]")]


def test_query_string_credentials_are_masked():
    url = redaction.redact_url("https://h/blob?sig=abcdef&sv=2024&access_token=xyz")
    assert "abcdef" not in url and "xyz" not in url and "sv=2024" in url


def test_userinfo_is_dropped_from_urls():
    assert redaction.redact_url("https://user:pw@h/x") == "https://h/x"


def test_json_body_fields_are_masked_recursively():
    body = '{"pattern": "shard_cache:*", "auth": {"password": "p4ss", "status_code": 200}, "items": [{"token": "t"}]}'
    cleaned = redaction.redact_body(body)
    assert "p4ss" not in cleaned and '"t"' not in cleaned
    assert "shard_cache:*" in cleaned and "200" in cleaned


def test_known_secret_is_masked_anywhere_in_text():
    assert TOKEN not in redaction.redact_text(f"token was {TOKEN} in a message")


def test_connection_string_keys_are_masked():
    text = redaction.redact_text("Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abcDEF123=")
    assert "abcDEF123" not in text


def test_non_json_body_falls_back_to_text_redaction():
    assert TOKEN not in redaction.redact_body(f"<html>{TOKEN}</html>")


def test_formatted_exchange_has_no_secret():
    request = httpx.Request("POST", f"https://h/api/admin/cache/clear?token={TOKEN}",
                            headers={"Authorization": f"Bearer {TOKEN}"}, json={"pattern": "x", "secret": TOKEN})
    response = httpx.Response(200, json={"echo": TOKEN}, request=request)
    text = format_exchange(Exchange(request, response, 12.0))
    assert TOKEN not in text
    assert "POST https://h/api/admin/cache/clear" in text


def test_credential_shapes_are_masked_with_no_secret_registered(monkeypatch):
    from drillbook.record.scrubbing import scrub_report

    monkeypatch.setattr(redaction, "_known", set())  # a run that resolved no secret at all
    report = _failed_report("upstream said: Authorization: Bearer unregistered-4b1d9e; AccountKey=acct-key-77f1e0")
    scrub_report(report)
    assert "unregistered-4b1d9e" not in str(report.longrepr) and "acct-key-77f1e0" not in str(report.longrepr)


def test_the_passwords_and_keys_inside_a_secret_are_registered_too():
    redaction.register_secret("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=drill;"
                              "SharedAccessKey=sb-key-0c5e2a91")
    redaction.register_secret("redis://:redis-pw-61d0f3@cache:6379/0")
    redaction.register_secret("castiel.redis.cache.windows.net:6380,password=azure-pw-93be1c,ssl=True")
    text = redaction.redact_text("auth with sb-key-0c5e2a91, then redis-pw-61d0f3, then azure-pw-93be1c")
    assert text == "auth with [REDACTED], then [REDACTED], then [REDACTED]"


def test_a_password_in_any_url_is_masked():
    assert redaction.redact_text("connect rediss://default:pw-x7@cache:6380 failed") == (
        "connect rediss://default:[REDACTED]@cache:6380 failed")


def test_a_secret_cut_short_by_a_repr_is_masked_at_both_ends():
    cut = f"assert 'token={TOKEN[:9]}...{TOKEN[-7:]}' == 'x'"
    assert redaction.redact_text(cut) == "assert 'token=[REDACTED]...[REDACTED]' == 'x'"


def test_a_failure_keeps_its_structure_and_loses_its_secrets():
    from drillbook.record.scrubbing import scrub_report

    report = _failed_report(f"cannot connect with {TOKEN}")
    scrub_report(report)
    assert report.longrepr.reprcrash.message == "RuntimeError: cannot connect with [REDACTED]"
    assert TOKEN not in str(report.longrepr) and "secret_local" in str(report.longrepr)  # --showlocals kept


def test_skip_reasons_xfail_reasons_output_and_properties_are_scrubbed():
    from _pytest.reports import TestReport

    from drillbook.record.scrubbing import scrub_report

    report = TestReport("t.py::t", ("t.py", 1, "t"), {}, "skipped", ("t.py", 1, f"Skipped: no {TOKEN}"), "call",
                        sections=[("Captured stdout call", TOKEN)], user_properties=[("conn", TOKEN)])
    report.wasxfail = f"because {TOKEN}"
    scrub_report(report)
    assert TOKEN not in repr((report.longrepr, report.sections, report.user_properties, report.wasxfail))


def test_log_records_are_masked_when_they_are_made():
    import logging

    from drillbook.record.scrubbing import redact_record

    try:
        raise ValueError(TOKEN)
    except ValueError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, "f", 1, "with %s", (TOKEN,), sys.exc_info())
    redact_record(record)
    assert TOKEN not in logging.Formatter().format(record)


def _failed_report(message: str):
    from _pytest.reports import TestReport

    secret_local = message  # noqa: F841 - shown by --showlocals
    try:
        raise RuntimeError(message)
    except RuntimeError:
        info = pytest.ExceptionInfo.from_current()
    return TestReport("t.py::t", ("t.py", 1, "t"), {}, "failed", info.getrepr(showlocals=True), "call")


def test_a_plugins_own_failure_representation_becomes_its_cleaned_text():
    from _pytest._code.code import TerminalRepr
    from _pytest.reports import TestReport

    from drillbook.record.scrubbing import scrub_report

    class PluginRepr(TerminalRepr):  # not a dataclass: its fields cannot be walked
        def toterminal(self, tw) -> None:
            tw.line(f"schema check failed for token {TOKEN}")

    report = TestReport("t.py::t", ("t.py", 1, "t"), {}, "failed", PluginRepr(), "call")
    scrub_report(report)
    assert report.longrepr == "schema check failed for token [REDACTED]"
