"""The runbook's troubleshooting steps, run for you when a watch, load or chaos drill fails."""
