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

from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from loopback import HANG, FakeCredential, LoopbackServer, reply_with_recording

RECORDINGS = Path(__file__).parent / "recordings"


class RecordedKeyVault(LoopbackServer):
    def __init__(self) -> None:
        self.answers: dict[str, str] = {}
        self.seen: list[dict] = []
        super().__init__(_handler_for(self))

    def answer(self, secret: str, recording: str) -> None:
        self.answers[secret] = recording

    def hang(self, secret: str) -> None:
        self.answers[secret] = HANG

    def recording_for(self, path: str, authorization: str) -> str:
        if authorization != f"Bearer {FakeCredential.TOKEN}":
            return "challenge.http"
        name = urlsplit(path).path.removeprefix("/secrets/").strip("/").split("/")[0]
        return self.answers.get(name, "not_found.http")


def _handler_for(vault: RecordedKeyVault) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            authorization = self.headers.get("Authorization", "")
            vault.seen.append({"path": self.path, "cloud_host": self.headers.get("X-Cloud-Host", ""),
                               "authorization": authorization})
            recording = vault.recording_for(self.path, authorization)
            if recording == HANG:
                vault.stall()
                return
            reply_with_recording(self, (RECORDINGS / recording).read_bytes())

        def log_message(self, *args: object) -> None:
            """Quiet: tests assert on ``vault.seen``."""

    return Handler
