"""The run's machinery: Ctrl-C handling, stops with one line, progress lines, process facts, the sandbox as a target."""
