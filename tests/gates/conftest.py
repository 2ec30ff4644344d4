"""Gate tests: evidence files written by the tests, and gate drill runs against the shared sandbox."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the sibling helpers importable
