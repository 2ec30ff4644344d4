"""A loopback stand-in for a Key Vault's secrets endpoint, answering from recorded responses.

The real ``SecretClient`` runs unchanged through the shared ``LoopbackTransport``
(tests/loopback.py), so its challenge flow is the real one: the first request
goes out without a token, the vault answers 401 with a ``WWW-Authenticate``
challenge, and the client asks the credential for the vault's scope.

    with RecordedKeyVault() as vault:
        vault.answer("castiel-admin-token", "admin_token.http")
        vault.hang("slow-secret")                  # never answers: the client's timeout must end it
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from loopback import FakeCredential, RecordedService


class RecordedKeyVault(RecordedService):
    recordings = Path(__file__).parent / "recordings"

    def recording_for(self, path: str, authorization: str) -> str:
        if authorization != f"Bearer {FakeCredential.TOKEN}":
            return "challenge.http"
        name = urlsplit(path).path.removeprefix("/secrets/").strip("/").split("/")[0]
        return self.answers.get(name, "not_found.http")
