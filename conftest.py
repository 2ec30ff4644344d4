# drillbook's pytest plugin is registered through the pytest11 entry point (see pyproject.toml).
# pytester drives whole drill runs in drillbook's own tests; it must be declared at the top level.
pytest_plugins = ["pytester"]
