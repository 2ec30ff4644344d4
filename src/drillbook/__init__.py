"""drillbook: the Castiel production runbook as executable, audited pytest drills."""

__version__ = "0.1.0"
