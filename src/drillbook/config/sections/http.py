"""``[http]``: how every request to the target is bounded, and what a client needs to reach it."""

from __future__ import annotations

from dataclasses import dataclass

from drillbook.config.model import Flag, Positive, Section, Text, setting


class HttpSection(Section):
    """Timeouts, body caps, TLS and the user agent of every request drillbook sends to the target."""

    timeout_s: Positive = setting(5.0, "5.0", "the whole exchange: connect, send and the complete answer")
    connect_timeout_s: Positive = setting(3.0, "3.0", "establishing the connection")
    max_body_mib: Positive = setting(1.0, "1", "API and health answers: reading stops past this size")
    max_document_body_mib: Positive = setting(16.0, "16", "documents: [metrics] path and [contract] openapi_path")
    verify_tls: Flag = setting(True, "true", "verify the target's certificate")
    ca_bundle: Text | None = setting(None, '"/etc/ssl/certs/corp-ca.pem"',
                                     "trust this CA bundle (verified against even with verify_tls = false)")
    user_agent: Text | None = setting(None, '"drillbook (team-ops)"',
                                      "the User-Agent header; default: drillbook/<version> (env=<name>)")

    @property
    def verify(self) -> bool | str:
        """What an HTTP library takes as ``verify``: the CA bundle's path, else whether to verify."""
        return self.ca_bundle or self.verify_tls


@dataclass(frozen=True)
class HttpTarget:
    """What an HTTP client is built from: where to send, the ``[http]`` bounds, and which paths are documents."""

    base_url: str
    http: HttpSection
    environment: str = ""  # named in the default user agent
    documents: frozenset[str] = frozenset()  # paths read with the larger body cap
