"""Cache tests drive whole drill runs against one real sandbox (see drill_harness)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the sibling harness importable
from drill_harness import drill_environ, env_file, faults, run_drill, sandbox, sandbox_redis  # noqa: E402,F401
