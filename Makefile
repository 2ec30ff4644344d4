# Two entry points for a fresh machine; each installs what it needs first (safe to re-run).
PYTEST := .venv/bin/python -m pytest

.PHONY: smoke test install report

smoke: install  ## the smoke drill against the embedded local sandbox
	$(PYTEST) -m smoke $(ARGS)

test: install  ## drillbook's own test suite, one xdist worker per core (each with its own sandbox)
	$(PYTEST) -n auto tests $(ARGS)

install:
	@scripts/bootstrap.sh

report: install  ## the latest run (reports/runs/latest) as one HTML file: reports/html/index.html; RESULTS=DIR for another
	.venv/bin/python -m drillbook report $(if $(RESULTS),--results $(RESULTS))
