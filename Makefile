# Two entry points for a fresh machine; each installs what it needs first (safe to re-run).
PYTEST := .venv/bin/python -m pytest
# Two xdist workers per core: most of the suite waits on wall-clock drills (on 2 cores with one worker per core
# the load average stays near 1.5), so a second worker per core halves the wall time. WORKERS=N overrides.
WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))

.PHONY: smoke test install report

smoke: install  ## the smoke drill against the embedded local sandbox
	$(PYTEST) -m smoke $(ARGS)

test: install  ## drillbook's own test suite, two xdist workers per core (each with its own sandbox)
	$(PYTEST) -n $(WORKERS) tests $(ARGS)

install:
	@scripts/bootstrap.sh

report: install  ## the latest run (reports/runs/latest) as one HTML file: reports/html/index.html; RESULTS=DIR for another
	.venv/bin/python -m drillbook report $(if $(RESULTS),--results $(RESULTS))
