"""Component checks (cache, database, queue, security) and the assertion helpers drills share."""
