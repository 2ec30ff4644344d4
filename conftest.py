# drillbook's pytest plugin is registered through the pytest11 entry point (see pyproject.toml).
