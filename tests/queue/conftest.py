"""Queue tests: drill runs against one real sandbox (the cache tests' harness) and a recorded Service Bus."""

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "cache"), str(HERE.parent / "metrics")]  # sibling helpers
from drill_harness import drill_environ, env_file, faults, run_drill, sandbox, sandbox_redis  # noqa: E402,F401
