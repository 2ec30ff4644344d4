"""python -m sandbox: run the Castiel stand-in until Ctrl-C.

    $ python -m sandbox --port 8080
    sandbox: ready at http://127.0.0.1:8080 (redis 127.0.0.1:40211, cosmos 127.0.0.1:40212)
    export CASTIEL_ADMIN_TOKEN=...
    export SANDBOX_FAULT_TOKEN=...

Exit codes: 0 after SIGINT/SIGTERM, 2 when a dependency cannot start.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from sandbox.dependencies import StartError
from sandbox.service import Sandbox, write_private_json
from sandbox.settings import DEFAULT_VERSION, VERSION_ENV, Settings
from sandbox.supervise import Supervised


class Shutdown(Exception):
    """SIGINT or SIGTERM arrived before the server took over signal handling."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="loopback port for the API (default: a free one)")
    parser.add_argument("--version", dest="app_version", metavar="VERSION", default=None,
                        help=f"version /health reports (default: ${VERSION_ENV} or {DEFAULT_VERSION})")
    parser.add_argument("--ready-file", type=Path, default=None,
                        help="write connection details here as JSON (mode 0600) once ready")
    parser.add_argument("--redis-maxmemory", default="64mb", help="Redis maxmemory (default: 64mb)")
    parser.add_argument("--cache-ttl", type=int, default=300, help="shard cache TTL in seconds (default: 300)")
    parser.add_argument("--exit-with-pid", type=int, default=None, metavar="PID",
                        help="shut down when process PID is gone (the launcher), so no sandbox outlives its run")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="directory for logs, removed on exit unless the start failed (default: a temp dir)")
    return parser.parse_args(argv)


def announce(sandbox: Sandbox, ready_file: Path | None) -> None:
    """Tell the human (and the launcher) where everything is."""
    deps = sandbox.deps
    if ready_file is not None:
        write_private_json(ready_file, sandbox.ready_record())
    print(f"sandbox: ready at {sandbox.url} (redis 127.0.0.1:{deps.redis.port}, cosmos 127.0.0.1:{deps.cosmos.port})")
    for name in sandbox.settings.generated:  # only tokens the user does not already hold
        print(f"export {name}={sandbox.settings.token_for(name)}")
    sys.stdout.flush()


def exit_with(pid: int, every_s: float = 1.0) -> Supervised:
    """SIGTERM ourselves once ``pid`` has died: a killed pytest must not leave a sandbox behind."""

    def watch() -> None:
        while not never.wait(every_s):
            if not alive(pid):
                os.kill(os.getpid(), signal.SIGTERM)
                return

    never = threading.Event()  # the watch lasts as long as the process
    watcher = Supervised("sandbox-exit-with", watch, never)  # a crash is logged and the watch goes on
    watcher.start()
    return watcher


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # the pid now belongs to another user's process: the launcher is gone
    return True


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    # stderr only: stdout carries just the ready line and the export lines.
    logging.basicConfig(level=logging.WARNING, format="sandbox: %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(version=options.app_version, port=options.port, ready_file=options.ready_file,
                                 redis_maxmemory=options.redis_maxmemory, cache_ttl_s=options.cache_ttl,
                                 workdir=options.workdir)
    serving = False

    def on_signal(signum, frame):
        # While serving, uvicorn owns these signals and replays them here after
        # its graceful stop: by then the only job left is cleanup, so ignore them.
        if not serving:
            raise Shutdown(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if options.exit_with_pid:
        exit_with(options.exit_with_pid)
    sandbox = Sandbox(settings)
    try:
        sandbox.start()

        def ready():
            nonlocal serving
            serving = True
            announce(sandbox, options.ready_file)

        sandbox.serve(on_ready=ready)
    except StartError as err:
        print(err.line(), file=sys.stderr)
        return 2
    except Shutdown:
        return 0
    finally:
        serving = True  # a second Ctrl-C must not interrupt cleanup
        sandbox.close()
        print("sandbox: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
