"""One sandbox run in this process: dependencies up, app served, everything down.

Heavy imports (uvicorn, Starlette, azure-cosmos) happen after the child
processes are launched, so they overlap with node's boot.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from sandbox.dependencies import COSMOS_KEY, Dependencies
from sandbox.processes import LOOPBACK
from sandbox.settings import ADMIN_TOKEN_ENV, FAULT_TOKEN_ENV, Settings

GRACEFUL_SHUTDOWN_S = 2  # open requests (a hang fault, say) get this long before cancellation


class Sandbox:
    """Start, serve, stop.

    >>> sandbox = Sandbox(settings)
    >>> try:
    ...     sandbox.start()
    ...     sandbox.serve(on_ready=lambda: print(sandbox.url))
    ... finally:
    ...     sandbox.close()
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.workdir = settings.workdir or Path(tempfile.mkdtemp(prefix="drillbook-sandbox-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.deps: Dependencies | None = None
        self.url: str | None = None
        self._keep_workdir = False

    def start(self) -> None:
        """Launch Redis and Cosmos in parallel and wait until both answer."""
        self._keep_workdir = True  # until start succeeds, logs explain the failure
        self.deps = Dependencies(self.workdir, self.settings.redis_maxmemory)
        self.deps.launch()
        import sandbox.app  # noqa: F401 - warm the heavy imports while node boots

        self.deps.wait_ready()
        self._keep_workdir = False

    def serve(self, on_ready: Callable[[], None]) -> None:
        """Serve until SIGINT/SIGTERM; on_ready runs once the port accepts requests."""
        import uvicorn

        from sandbox.app import Context, create_app

        listener = bind(self.settings.port)
        self.url = f"http://{LOOPBACK}:{listener.getsockname()[1]}"

        class Server(uvicorn.Server):
            signalled = False  # SIGINT/SIGTERM arrived: a restart in progress must not outlive it

            def handle_exit(self, sig, frame) -> None:
                self.signalled = True
                super().handle_exit(sig, frame)

        def new_server(restarts: list[float]) -> uvicorn.Server:
            ctx = Context.build(self.settings, self.deps)
            config = uvicorn.Config(create_app(ctx), log_level="warning", access_log=False, log_config=None,
                                    timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
            server = Server(config)
            ctx.restart = lambda down_s: (restarts.append(down_s), setattr(server, "should_exit", True))
            return server

        asyncio.run(_serve_with_restarts(new_server, listener, on_ready))

    def ready_record(self) -> dict:
        """What a launcher needs to use this sandbox, tokens included (file mode 0600)."""
        return {
            "url": self.url, "pid": os.getpid(), "version": self.settings.version,
            "redis_url": self.deps.redis_url, "cosmos_url": self.deps.cosmos_url, "cosmos_key": COSMOS_KEY,
            "admin_token_env": ADMIN_TOKEN_ENV, "fault_token_env": FAULT_TOKEN_ENV,
            "admin_token": self.settings.admin_token, "fault_token": self.settings.fault_token,
        }

    def close(self) -> None:
        """Stop the children and remove the workdir, unless its logs explain a failed start.

        A launcher's workdir goes too: a launcher that only holds the pid
        (an xdist controller) can SIGTERM the sandbox and leave nothing behind.
        """
        if self.deps is not None:
            self.deps.stop_all()
        if not (self._keep_workdir and any(self.workdir.iterdir())):
            shutil.rmtree(self.workdir, ignore_errors=True)


def bind(port: int) -> socket.socket:
    # proto must be IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on sockets
    # that say so, and without it every keep-alive request waits 40 ms for an ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    return sock


async def _serve_with_restarts(new_server, listener: socket.socket, on_ready: Callable[[], None]) -> None:
    """Serve; after POST /_sandbox/restart, refuse connections for down_s, then serve a fresh app on the port."""
    port, restarts = listener.getsockname()[1], []
    while True:
        server = new_server(restarts)
        await _serve(server, listener, on_ready)
        if server.signalled or not restarts or await _stopped_within(restarts.pop()):
            return
        listener, on_ready = bind(port), lambda: None


async def _stopped_within(down_s: float) -> bool:
    """Sleep while the API is down; True when SIGINT or SIGTERM arrived meanwhile (then stay down)."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        loop.add_signal_handler(signum, stop.set)  # wakes the loop at once, unlike a plain handler
    try:
        await asyncio.wait_for(stop.wait(), timeout=down_s)
        return True
    except TimeoutError:
        return False
    finally:
        for signum, handler in previous.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, handler)


async def _serve(server, listener: socket.socket, on_ready: Callable[[], None]) -> None:
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started and not task.done():
        await asyncio.sleep(0.005)
    if server.started:
        on_ready()
    await task


def write_private_json(path: Path, data: dict) -> None:
    """Write JSON atomically with mode 0600: readers never see half a file."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(partial, path)
