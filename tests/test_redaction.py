"""Redaction: secrets never reach a report, whether in headers, query strings, JSON bodies or free text."""

import httpx

from drillbook import redaction
from drillbook.clients.http import Exchange
from drillbook.evidence import format_exchange

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
