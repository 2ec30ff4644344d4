"""A run that selects neither cache nor queue never imports redis or the Service Bus SDK."""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def modules_after(run_drill, tmp_path):
    """Run a drill with the probe plugin; return the names of the modules it had imported by the end."""
    def run(*args: str) -> set[str]:
        listing = tmp_path / "modules.txt"
        path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
        result = run_drill("-p", "modules_probe", *args, paths=("checks", "smoke"),
                           environ={"PYTHONPATH": path, "DRILLBOOK_TEST_MODULES": str(listing)})
        assert result.ret == 0, "\n".join(result.outlines[-30:])
        return set(listing.read_text().split())
    return run


def _loaded(modules: set[str], package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in modules)


def test_health_and_smoke_runs_import_neither_redis_nor_servicebus(modules_after, faults):
    modules = modules_after("-m", "health or smoke")
    assert "drillbook.fixtures.cache" in modules and "drillbook.fixtures.queue" in modules  # registered, yet light
    assert not _loaded(modules, "redis")
    assert not _loaded(modules, "azure.servicebus")


def test_probe_sees_the_imports_of_a_cache_and_queue_run(modules_after, faults):
    modules = modules_after("-m", "cache or queue")
    assert _loaded(modules, "redis")  # the cache checks do use redis-py: the probe can see it
