"""Read a target's TLS certificate: who it is for, who signed it, and when it expires.

>>> cert = read_certificate("api.castiel.com", 443, timeout_s=5)
>>> cert.days_left(), cert.verified
(63.2, True)

The handshake verifies the chain and the host name exactly as the drill's HTTP
client does (the system store, or ``[http] ca_bundle``). A certificate that fails
verification is read a second time without verification, so an expired one can
still report its date; ``verify_error`` then says why it was not trusted. With
``verify=False`` (``[http] verify_tls = false``) trust is not checked at all:
``trust_checked`` is False and only the dates mean anything.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone

from drillbook.errors import HandshakeFailed, TargetError

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class PeerCertificate:
    """The leaf certificate a server presented."""

    host: str
    port: int
    not_after: datetime
    subject: str
    issuer: str
    verified: bool
    verify_error: str | None = None
    verify_code: int | None = None
    trust_checked: bool = True

    def days_left(self, now: datetime | None = None) -> float:
        now = now or datetime.now(timezone.utc)
        return (self.not_after - now).total_seconds() / SECONDS_PER_DAY

    @property
    def expired_by_verification(self) -> bool:
        return self.verify_code == X509_V_ERR_CERT_HAS_EXPIRED


X509_V_ERR_CERT_HAS_EXPIRED = 10


def read_certificate(host: str, port: int = 443, *, timeout_s: float, ca_bundle: str | None = None,
                     verify: bool = True) -> PeerCertificate:
    """Connect, handshake and return the peer's leaf certificate; TargetError when no handshake happens.

    HandshakeFailed (a TargetError) when the server answered but TLS failed; plain TargetError when nothing answered.
    """
    if not verify:
        return _read_unverified(host, port, timeout_s, error=None, code=None, trust_checked=False)
    try:
        info = _handshake(host, port, timeout_s, verifying_context(ca_bundle), binary=False)
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or exc.reason or str(exc)
        return _read_unverified(host, port, timeout_s, error=reason, code=exc.verify_code)
    return PeerCertificate(host, port, _parse_not_after(info["notAfter"]), _name(info.get("subject", ())),
                           _name(info.get("issuer", ())), verified=True)


def _read_unverified(host: str, port: int, timeout_s: float, *, error: str | None,
                     code: int | None, trust_checked: bool = True) -> PeerCertificate:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    der = _handshake(host, port, timeout_s, context, binary=True)
    not_after, subject, issuer = _decode_der(der)
    return PeerCertificate(host, port, not_after, subject, issuer, verified=False, verify_error=error,
                           verify_code=code, trust_checked=trust_checked)


def verifying_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The system store, or ``[http] ca_bundle``; HandshakeFailed when the bundle will not load."""
    try:
        return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise HandshakeFailed(f"[http] ca_bundle {ca_bundle}: cannot load it ({exc}) "
                              "-> point it at a PEM file") from None


def _handshake(host: str, port: int, timeout_s: float, context: ssl.SSLContext, *, binary: bool):
    """One TLS handshake with a timeout on connect and on the handshake itself."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=binary)
    except ssl.SSLCertVerificationError:
        raise
    except (socket.timeout, TimeoutError):
        raise TargetError(f"tls://{host}:{port}: no TLS handshake within {timeout_s:g} s") from None
    except ssl.SSLError as exc:
        raise HandshakeFailed(f"tls://{host}:{port}: TLS handshake failed: {exc.reason or exc}") from None
    except OSError as exc:
        raise TargetError(f"tls://{host}:{port} unreachable: {exc.strerror or exc}") from None


def _parse_not_after(text: str) -> datetime:
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), timezone.utc)


def _name(rdns) -> str:
    """('commonName', 'api.castiel.com') pairs as 'CN=api.castiel.com, O=...'."""
    short = {"commonName": "CN", "organizationName": "O", "countryName": "C", "organizationalUnitName": "OU"}
    return ", ".join(f"{short.get(k, k)}={v}" for rdn in rdns for k, v in rdn)


def _decode_der(der: bytes) -> tuple[datetime, str, str]:
    # cryptography arrives with azure-identity; only needed when verification failed or is off
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return cert.not_valid_after_utc, cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
