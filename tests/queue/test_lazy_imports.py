"""A run that selects neither cache nor queue never imports redis or the Service Bus SDK."""


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
