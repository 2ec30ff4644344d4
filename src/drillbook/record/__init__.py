"""The audit record: evidence, the drill journal and its chain, run records, charts, the HTML report."""
