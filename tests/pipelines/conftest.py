"""Pipeline template tests: the gate evidence helpers live in tests/gates."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "gates"))  # --import-mode=importlib: evidence_files
