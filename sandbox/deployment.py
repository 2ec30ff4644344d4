"""Deployment slots and app settings: two versions behind one address, a swap control, setting names.

Like App Service, the sandbox has a ``production`` slot (what its address
serves, and what ``/health`` reports) and a ``staging`` slot holding another
build; a swap exchanges them. ``/_sandbox/slots/{slot}/...`` is a slot's own host
name (sandbox.slot_address): the whole API, whose ``/health`` reports that slot's
build, so a deploy can be smoked in its slot before the swap. The app settings are listed by
name only: values never leave the sandbox. Faults (reset by ``/_sandbox/reset``):

- ``stuck``: a swap answers as done but the old version keeps serving;
- ``delay_ms`` (with ``after_swaps``): a swap takes this long, e.g. only the swap back;
- ``unhealthy``: the staging slot's health answers 503;
- ``restart_down_ms``: after a restart, ``/health`` answers 503 this long;
- ``DELETE /_sandbox/settings/{name}``: a setting disappears.

``PUT /_sandbox/settings/{name}`` adds or changes a setting and ``POST /_sandbox/slots/restart``
restarts the app (``/health``'s uptime starts again), for the configuration rollback.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.control import authorize
from sandbox.http import ApiError, read_body, read_json, route
from sandbox.schemas import SETTING_INPUT, SLOT_FAULT_INPUT
from sandbox.slot_address import SLOTS

# The names of what the sandbox runs with, as App Service application settings would list them.
APP_SETTING_NAMES = ("CASTIEL_ADMIN_TOKEN", "SANDBOX_FAULT_TOKEN", "SANDBOX_VERSION", "REDIS_URL",
                     "COSMOS_ENDPOINT", "COSMOS_KEY", "COSMOS_DATABASE", "CACHE_TTL_S", "REDIS_MAXMEMORY")


@dataclass
class SlotFault:
    stuck: bool = False
    delay_ms: int = 0
    after_swaps: int = 0  # the fault spares this many swaps first: 1 = only the swap back
    unhealthy: bool = False
    restart_down_ms: int = 0


@dataclass
class Deployment:
    """The slots' versions, the swap count, the faults, and the settings that were taken away."""

    production_version: str
    staging_version: str
    versions: dict[str, str] = field(default_factory=dict)
    fault: SlotFault = field(default_factory=SlotFault)
    swaps: int = 0
    hidden: set[str] = field(default_factory=set)
    added: dict[str, str] = field(default_factory=dict)  # settings a drill set; their values never leave
    restarted: float = field(default_factory=time.monotonic)
    down_until: float = 0.0

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> dict:
        self.versions = {"production": self.production_version, "staging": self.staging_version}
        self.fault, self.swaps, self.hidden, self.added, self.down_until = SlotFault(), 0, set(), {}, 0.0
        return self.public()

    def serving(self) -> str:
        return self.versions["production"]

    def restart(self) -> dict:
        self.restarted = time.monotonic()
        self.down_until = self.restarted + self.fault.restart_down_ms / 1000
        return {"restarted": True, "down_ms": self.fault.restart_down_ms}

    def is_down(self) -> bool:
        return time.monotonic() < self.down_until

    def healthy(self, slot: str) -> bool:
        return not (slot == "staging" and self.fault.unhealthy)

    async def swap(self) -> dict:
        started = time.monotonic()
        self.swaps += 1
        faulted = self.swaps > self.fault.after_swaps
        if faulted and self.fault.delay_ms:
            await anyio.sleep(self.fault.delay_ms / 1000)
        if not (faulted and self.fault.stuck):
            self.versions = {"production": self.versions["staging"], "staging": self.versions["production"]}
        return {**self.public(), "took_ms": round((time.monotonic() - started) * 1000, 1)}

    def setting_names(self) -> list[str]:
        return [name for name in APP_SETTING_NAMES if name not in self.hidden] + sorted(self.added)

    def public(self) -> dict:
        slots = {slot: {"version": self.versions[slot], "healthy": self.healthy(slot)} for slot in SLOTS}
        return {"slots": slots, "swaps": self.swaps, "fault": asdict(self.fault)}


def _deployment(request: Request) -> Deployment:
    return authorize(request).deployment


async def slots(request: Request) -> JSONResponse:
    return JSONResponse(_deployment(request).public())


async def swap(request: Request) -> JSONResponse:
    deployment = _deployment(request)
    await read_body(request)  # a body, if any, is not read as options: the swap is always staging <-> production
    return JSONResponse(await deployment.swap())


async def slot_fault(request: Request) -> JSONResponse:
    deployment = _deployment(request)
    deployment.fault = SlotFault(**await read_json(request, SLOT_FAULT_INPUT))
    return JSONResponse(deployment.public())


async def settings(request: Request) -> JSONResponse:
    return JSONResponse({"names": _deployment(request).setting_names()})


async def remove_setting(request: Request) -> JSONResponse:
    deployment, name = _deployment(request), request.path_params["name"]
    if name in deployment.added:
        del deployment.added[name]
    elif name in APP_SETTING_NAMES:
        deployment.hidden.add(name)
    else:
        raise ApiError(404, f"no setting {name!r}", ["GET /_sandbox/settings lists them"])
    return JSONResponse({"names": deployment.setting_names()})


async def put_setting(request: Request) -> JSONResponse:
    deployment, name = _deployment(request), request.path_params["name"]
    deployment.added[name] = (await read_json(request, SETTING_INPUT))["value"]
    return JSONResponse({"names": deployment.setting_names()})


async def restart(request: Request) -> JSONResponse:
    return JSONResponse(_deployment(request).restart())


ROUTES = [
    route("/_sandbox/slots", GET=slots),
    route("/_sandbox/slots/swap", POST=swap),
    route("/_sandbox/slots/fault", POST=slot_fault),
    route("/_sandbox/settings", GET=settings),
    route("/_sandbox/settings/{name}", DELETE=remove_setting, PUT=put_setting),
    route("/_sandbox/slots/restart", POST=restart),
]
