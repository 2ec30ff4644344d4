"""A run imports what its selected drills use: a smoke run loads no cloud SDK, no load or contract engine, no charts."""


def _loaded(modules: set[str], package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in modules)


def test_health_and_smoke_runs_import_neither_redis_nor_servicebus(drill_imports, faults):
    _, modules = drill_imports("-m", "health or smoke")
    assert "drillbook.fixtures.cache" in modules and "drillbook.fixtures.queue" in modules  # registered, yet light
    assert not _loaded(modules, "redis")
    assert not _loaded(modules, "azure.servicebus")


def test_probe_sees_the_imports_of_a_cache_and_queue_run(drill_imports, faults):
    _, modules = drill_imports("-m", "cache or queue")
    assert _loaded(modules, "redis")  # the cache checks do use redis-py: the probe can see it


# What a smoke run must not load: each is imported when a drill that uses it is selected, never at start.
NOT_FOR_SMOKE = ("azure", "locust", "gevent", "schemathesis", "hypothesis", "matplotlib", "redis",
                 "anyio.pytest_plugin",  # anyio's pytest plugin is off (pyproject addopts): it probed event loops
                 "click", "rich",  # httpx's command-line client (drillbook/__init__.py refuses it)
                 "drillbook.watch.drill", "drillbook.watch.loop", "drillbook.troubleshooting", "drillbook.record.charts",
                 "drillbook.gates._alerts", "drillbook.gates._rollback_drill", "drillbook.load._drill",
                 "drillbook.chaos.experiment", "drillbook.dr.drill")


def test_a_smoke_run_loads_only_what_its_drills_use(drill_imports, faults):
    _, modules = drill_imports("-m", "smoke")
    assert "drillbook.components.check" in modules  # the probe sees the smoke drills' own imports
    assert [name for name in NOT_FOR_SMOKE if _loaded(modules, name)] == []
