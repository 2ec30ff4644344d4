"""A slot's own address: ``/_sandbox/slots/{slot}/<path>`` is ``<path>`` on that slot, as its host name would be.

>>> httpx.get(sandbox_url + "/_sandbox/slots/staging/health").json()["version"]   # the staging slot's build
'1.4.1'
"""

from __future__ import annotations

from starlette.requests import Request

SLOTS = ("production", "staging")
SLOT_PREFIX = "/_sandbox/slots/"
SLOT_SCOPE_KEY = "sandbox.slot"  # which slot's host a request came in on; absent: production's address


class SlotAddress:
    """``/_sandbox/slots/{slot}/<path>`` served as ``<path>`` on that slot (no token: a slot's host is public too).

    Innermost, so the sandbox's metrics and API faults, which pass over ``/_sandbox/`` paths, never see a
    slot's traffic: the watch judges production's address alone.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        slot, rest = _slot_and_path(scope["path"]) if scope["type"] == "http" else (None, "")
        if slot:
            scope = {**scope, "path": rest, "raw_path": rest.encode(), SLOT_SCOPE_KEY: slot}
        await self.app(scope, receive, send)


def _slot_and_path(path: str) -> tuple[str | None, str]:
    """("staging", "/health") for /_sandbox/slots/staging/health; (None, path) for the slot control's own routes."""
    slot, _, rest = path.removeprefix(SLOT_PREFIX).partition("/")
    if not path.startswith(SLOT_PREFIX) or slot not in SLOTS or not rest:
        return None, path
    return slot, "/" + rest


def request_slot(request: Request) -> str:
    """The slot whose host the request came in on."""
    return request.scope.get(SLOT_SCOPE_KEY, "production")
