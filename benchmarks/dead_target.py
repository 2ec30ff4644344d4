"""Time to a verdict when the target is unreachable or hangs: it must not cost one timeout per check.

    .venv/bin/python benchmarks/dead_target.py [runs]

The unreachable target is a loopback port nobody listens on; the hanging one is
a loopback socket that accepts connections and never answers.
"""

import os
import socket
import sys
import tempfile
from pathlib import Path

from _common import report, runs_wanted, time_pytest

ENV_FILE = """
[target]
tier = "local"
base_url = "{url}"
[http]
timeout_s = 3.0
connect_timeout_s = 1.0
[auth]
admin_token = {{ env = "BENCH_ADMIN_TOKEN" }}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(label: str, url: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dead.toml"
        path.write_text(ENV_FILE.format(url=url))
        env = dict(os.environ, BENCH_ADMIN_TOKEN="bench-token-value")
        times = [time_pytest(["-m", "smoke", f"--env-file={path}", f"--alluredir={tmp}"], env)[0]
                 for _ in range(runs)]
    report(label, times)


def main(runs: int) -> int:
    run("unreachable target (connection refused)", f"http://127.0.0.1:{free_port()}", runs)
    with socket.socket() as listener:  # accepts into the backlog, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        run("hanging target (accepts, never answers)", f"http://127.0.0.1:{listener.getsockname()[1]}", runs)
    return 0


if __name__ == "__main__":
    sys.exit(main(runs_wanted(sys.argv[1]) if len(sys.argv) > 1 else 3))
