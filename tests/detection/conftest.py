"""Detection tests: fired alerts from recorded ARM answers, and the runbook rules on the real sandbox."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the sibling helpers importable
