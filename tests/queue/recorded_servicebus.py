"""A loopback stand-in for the Service Bus management endpoint, answering from recorded ATOM responses.

The real ``ServiceBusAdministrationClient`` runs unchanged. In-process tests give
it the shared ``LoopbackTransport`` of tests/loopback.py (the cloud host moves to
``X-Cloud-Host``); drill runs in a subprocess reach the server over real TLS
(``RecordedServiceBus(tls=...)``) through a connection string whose endpoint is this server.

    with RecordedServiceBus() as bus:
        bus.answer("embedding-jobs", "backlog.http")
        bus.hang("dead-letters")                # never answers: the client's timeout must end it
        conn = bus.connection_string()          # signs with the key the server checks

A ``.http`` recording is a raw response: status line, headers, a blank line, the body.
A request whose SAS signature or bearer token is wrong gets ``unauthorized.http``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

from loopback import FakeCredential, RecordedService

KEY_NAME = "RootManageSharedAccessKey"
KEY = base64.b64encode(b"drillbook-test-servicebus-key-0001").decode()
BEARER = FakeCredential.TOKEN


class RecordedServiceBus(RecordedService):
    recordings = Path(__file__).parent / "recordings"

    def connection_string(self, key: str = KEY) -> str:
        return f"Endpoint=sb://127.0.0.1:{self.port}/;SharedAccessKeyName={KEY_NAME};SharedAccessKey={key}"

    def recording_for(self, path: str, authorization: str) -> str:
        queue = urlsplit(path).path.strip("/")
        return self.answers.get(queue, "no_such_queue.http") if _authorized(authorization) else "unauthorized.http"


def _authorized(header: str) -> bool:
    """A valid SAS signature made with KEY, or the fake bearer token."""
    if header == f"Bearer {BEARER}":
        return True
    if not header.startswith("SharedAccessSignature "):
        return False
    fields = dict(part.split("=", 1) for part in header.split(" ", 1)[1].split("&"))
    signed = f"{fields.get('sr', '')}\n{fields.get('se', '')}".encode()
    expected = base64.b64encode(hmac.new(KEY.encode(), signed, hashlib.sha256).digest()).decode()
    return fields.get("skn") == KEY_NAME and hmac.compare_digest(unquote_plus(fields.get("sig", "")), expected)
