"""Wall time and peak memory of `pytest -m smoke` when /health trickles its body or sends 64 MiB.

    .venv/bin/python benchmarks/bounded_bodies.py [runs] [timeout_s]

The target is tests/misbehaving_target.py on loopback: every route answers like
a healthy Castiel but /health, which sends one body byte every 2 s (a 40-byte
body: 80 s per complete answer) or a 64 MiB body. The env file keeps the
default [http] settings. Peak RSS is the pytest process's own (wait4), in MiB;
a run cut at ``timeout_s`` is marked "cut".
"""

import os
import sys
import tempfile
from pathlib import Path

from _common import REPO, TARGET_ENV, measure_pytest, median, runs_wanted

sys.path.insert(0, str(REPO / "tests"))
from misbehaving_target import Huge, MisbehavingTarget, Trickle  # noqa: E402


CASES = {
    "normal /health": {},
    "trickling /health (1 byte / 2 s, 40 bytes)": {"/health": Trickle(interval_s=2.0, length=40)},
    "64 MiB /health": {"/health": Huge(64 << 20)},
}


def run(label: str, routes: dict, runs: int, timeout_s: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, MisbehavingTarget(routes) as target:
        path = Path(tmp) / "bounds.toml"
        path.write_text(TARGET_ENV.format(url=target.url))
        env = dict(os.environ, BENCH_ADMIN_TOKEN="bench-token-value")
        args = ["-m", "smoke", f"--env-file={path}", f"--alluredir={tmp}/allure", f"--journal-dir={tmp}/journal"]
        samples = [measure_pytest(args, env, timeout_s) for _ in range(runs)]
    walls = ", ".join(f"{s.wall_s:.1f}{' cut' if s.killed else ''}" for s in samples)
    rss = ", ".join(f"{s.peak_rss_mib:.0f}" for s in samples)
    wall = median((s.wall_s for s in samples), f"{label}: wall time")
    peak = median((s.peak_rss_mib for s in samples), f"{label}: peak RSS", positive=True)  # 0: wait4 saw nothing
    print(f"{label}: wall median {wall:.1f} s ({walls}); peak RSS median {peak:.0f} MiB ({rss})", flush=True)


def main(runs: int, timeout_s: float) -> int:
    for label, routes in CASES.items():
        run(label, routes, runs, timeout_s)
    return 0


if __name__ == "__main__":
    sys.exit(main(runs_wanted(sys.argv[1]) if len(sys.argv) > 1 else 3, float(sys.argv[2]) if len(sys.argv) > 2 else 600))
