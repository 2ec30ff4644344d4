"""drillbook.clients.tls against a real local HTTPS server with certificates made for the test."""

import time

import pytest
from security_https import serve_https, silent_listener

from drillbook.clients.tls import read_certificate
from drillbook.errors import HandshakeFailed, TargetError


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_a_trusted_certificate_reports_its_expiry(issue, authority):
    leaf = issue(90)
    with serve_https(leaf) as url:
        cert = read_certificate("127.0.0.1", _port(url), timeout_s=3, ca_bundle=str(authority.bundle))
    assert cert.verified and cert.verify_error is None
    assert cert.not_after == leaf.not_after.replace(microsecond=0)
    assert 89.9 < cert.days_left() <= 90
    assert "CN=127.0.0.1" in cert.subject and "drillbook test CA" in cert.issuer


def test_an_expired_certificate_still_reports_its_date(issue, authority):
    leaf = issue(-2)
    with serve_https(leaf) as url:
        cert = read_certificate("127.0.0.1", _port(url), timeout_s=3, ca_bundle=str(authority.bundle))
    assert not cert.verified and cert.expired_by_verification
    assert "expired" in cert.verify_error
    assert -2.1 < cert.days_left() < -1.9


def test_an_unknown_authority_is_not_trusted(issue):
    with serve_https(issue(90)) as url:
        cert = read_certificate("127.0.0.1", _port(url), timeout_s=3)  # the system store lacks the test CA
    assert not cert.verified and not cert.expired_by_verification
    assert "issuer" in cert.verify_error


def test_verification_off_reads_the_certificate_without_judging(issue):
    with serve_https(issue(30)) as url:
        cert = read_certificate("127.0.0.1", _port(url), timeout_s=3, verify=False)
    assert not cert.verified and cert.verify_error is None
    assert 29.9 < cert.days_left() <= 30


def test_a_silent_server_costs_one_timeout():
    with silent_listener() as port:
        started = time.monotonic()
        with pytest.raises(TargetError, match=r"no TLS handshake within 0.3 s"):
            read_certificate("127.0.0.1", port, timeout_s=0.3)
    assert time.monotonic() - started < 5  # one 0.3 s timeout; a silent server would hang forever


def test_a_closed_port_is_unreachable():
    with silent_listener() as port:
        pass
    with pytest.raises(TargetError, match=r"tls://127.0.0.1:\d+ unreachable"):
        read_certificate("127.0.0.1", port, timeout_s=1)


def test_a_plain_http_server_fails_the_handshake():
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with pytest.raises(HandshakeFailed, match="TLS handshake failed"):
            read_certificate("127.0.0.1", server.server_address[1], timeout_s=2)
    finally:
        server.shutdown()
        server.server_close()
