"""The load drill's settings: the command line over the environment's ``[load]`` section, shapes as data.

    [load]
    users = 10                 # one steady stage of `users` for `duration_s`, unless stages are given
    duration_s = 60
    stages = [{ duration_s = 60, users = 10, spawn_rate = 2 }, { duration_s = 20, users = 40, spawn_rate = 10 }]
    engine = "locust"          # or "azure": Azure Load Testing runs the same locustfile ([azure_load_testing])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillbook.config.durations import parse_duration
from drillbook.config.sections.load import (DEFAULT_LOCUSTFILE, ENDPOINT_EXAMPLE, ENGINES, MAX_WORKERS,
                                            AzureLoadTestingSection, LoadSection, Stage)
from drillbook.errors import ConfigError

if TYPE_CHECKING:
    import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
__all__ = ["DEFAULT_LOCUSTFILE", "LoadOptions", "LoadSettings", "REPO_ROOT", "Stage", "add_options", "options_from",
           "refuse_engine_on_tier", "settings_from"]


@dataclass(frozen=True)
class LoadSettings:
    """What the drill runs (stages, workers, locustfile) and how it is judged (interval, window, minimum)."""

    stages: tuple[Stage, ...]
    workers: int
    interval_s: float
    window_s: float | None
    min_requests: int
    locustfile: Path
    allow_inconclusive: bool = False
    remote_workers: int = 0  # workers started by hand on other machines, joining this drill's master
    master_bind_host: str = "127.0.0.1"
    master_port: int = 0  # 0: a free port
    azure: AzureLoadTestingSection | None = None  # set: Azure Load Testing runs the load, not a local locust

    @property
    def distributed(self) -> bool:
        return bool(self.workers or self.remote_workers)

    @property
    def duration_s(self) -> float:
        return math.fsum(s.duration_s for s in self.stages)

    @property
    def peak_users(self) -> int:
        return max(s.users for s in self.stages)

    def describe(self) -> str:
        """``3 stages (10 users 30 s, ...) on 2 workers``."""
        stages = ", ".join(f"{s.users} users {s.duration_s:g} s" for s in self.stages)
        return f"{len(self.stages)} stage{'s' if len(self.stages) > 1 else ''} ({stages}) on {self.engine}"

    @property
    def engine(self) -> str:
        """``one locust process``, ``2 locust workers``, ``1 local and 2 remote locust workers`` or Azure's engines."""
        if self.azure:
            count = self.azure.engine_instances
            return f"{count} Azure Load Testing engine instance{'s' if count > 1 else ''}"
        if self.remote_workers:
            return f"{self.workers} local and {self.remote_workers} remote locust workers"
        return f"{self.workers} locust workers" if self.workers else "one locust process"


@dataclass(frozen=True)
class LoadOptions:
    """The command line's load options, checked before any drill starts; None means "not given"."""

    users: int | None
    duration_s: float | None
    workers: int | None
    interval_s: float | None
    window_s: float | None
    min_requests: int | None
    engine: str | None = None


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("drillbook-load", "drillbook: load drills (-m load)")
    group.addoption("--load-users", type=int, default=None, metavar="N",
                    help="simulated users, one steady stage (default: [load] users or stages of the environment)")
    group.addoption("--load-duration", default=None, metavar="DURATION",
                    help="how long the steady stage runs, e.g. 60s or 10m (default: [load] duration_s)")
    group.addoption("--load-workers", type=int, default=None, metavar="N",
                    help="run locust as a master with N worker processes (default: [load] workers; 0 = one process)")
    group.addoption("--load-interval", default=None, metavar="DURATION",
                    help="how often the load is judged and reported (default: [load] interval_s)")
    group.addoption("--load-window", default=None, metavar="DURATION",
                    help="use this window for every rule (default: the runbook's, compressed to fit a short run)")
    group.addoption("--load-min-requests", type=int, default=None, metavar="N",
                    help="requests a window needs to count as data (default: [load] min_requests)")
    group.addoption("--load-engine", default=None, choices=ENGINES,
                    help="who runs the locustfile: locust here, or azure (Azure Load Testing, [azure_load_testing]); "
                         "default: [load] engine")


def options_from(option: Any) -> LoadOptions:
    """Check the command line now, so a typo fails the run before any drill starts."""
    def duration(value: str | None, name: str) -> float | None:
        return parse_duration(value, option=name) if value else None

    for name, value in (("--load-users", option.load_users), ("--load-min-requests", option.load_min_requests)):
        if value is not None and value < 1:
            raise ConfigError(f"{name} {value}: must be at least 1 -> e.g. {name} 10")
    if option.load_workers is not None and not 0 <= option.load_workers <= MAX_WORKERS:
        raise ConfigError(f"--load-workers {option.load_workers}: must be 0 to {MAX_WORKERS} -> "
                          "0 runs one locust process; workers on other machines join with [load] remote_workers "
                          "(see docs/load.md \"Remote workers\")")
    return LoadOptions(option.load_users, duration(option.load_duration, "--load-duration"), option.load_workers,
                       duration(option.load_interval, "--load-interval"), duration(option.load_window, "--load-window"),
                       option.load_min_requests, option.load_engine)


def settings_from(options: LoadOptions, load: LoadSection, *, allow_inconclusive: bool,
                  azure: AzureLoadTestingSection | None = None) -> LoadSettings:
    """The command line wins; users or duration on it make one steady stage; the engine is chosen here only."""
    stages = load.stages or (_steady(load.users, load.duration_s, load.spawn_rate),)
    if options.users is not None or options.duration_s is not None:
        users = options.users if options.users is not None else load.users
        stages = (_steady(users, options.duration_s or load.duration_s, load.spawn_rate),)
    locustfile = Path(load.locustfile)
    locustfile = locustfile if locustfile.is_absolute() else REPO_ROOT / locustfile
    if not locustfile.is_file():
        raise ConfigError(f"[load] locustfile = {load.locustfile!r}: no such file ({locustfile}) "
                          f"-> name a locustfile, e.g. locustfile = \"{DEFAULT_LOCUSTFILE}\"")
    return LoadSettings(
        stages=stages,
        workers=load.workers if options.workers is None else options.workers,
        interval_s=options.interval_s or load.interval_s,
        window_s=options.window_s or load.window_s,
        min_requests=options.min_requests or load.min_requests,
        locustfile=locustfile,
        allow_inconclusive=allow_inconclusive,
        remote_workers=load.remote_workers,
        master_bind_host=load.master_bind_host,
        master_port=load.master_port,
        azure=_azure_engine(options.engine or load.engine, azure, stages, options.workers),
    )


def refuse_engine_on_tier(engine: str, tier: str, source: str) -> None:
    """Azure's engines load the target from Azure's machines: never the local tier, which reaches only loopback."""
    if engine == "azure" and tier == "local":
        raise ConfigError(f"{source} loads the target from Azure's machines, and the local tier reaches only "
                          "loopback -> run the azure engine against a staging environment, or locust here")


def _azure_engine(engine: str, azure: AzureLoadTestingSection | None, stages: tuple[Stage, ...],
                  workers: int | None) -> AzureLoadTestingSection | None:
    """The Azure settings when the azure engine is chosen; it runs one steady stage (locust's own users and run time)."""
    if engine != "azure":
        return None
    if workers:
        raise ConfigError(f"--load-workers {workers} starts local locust workers, which the azure engine does not use "
                          "-> set [azure_load_testing] engine_instances instead")
    if len(stages) > 1:
        raise ConfigError(f"[load] engine = \"azure\" runs one steady stage, not {len(stages)} stages -> "
                          "give --load-users and --load-duration, or [load] users and duration_s without stages")
    if azure is None or not azure.endpoint:  # the one key the azure engine cannot do without
        raise ConfigError("[load] engine = \"azure\" needs [azure_load_testing] endpoint -> add the resource's "
                          f"data-plane URI, e.g. endpoint = {ENDPOINT_EXAMPLE}")
    return azure


def _steady(users: float, duration_s: float, spawn_rate: float | None) -> Stage:
    return Stage(float(duration_s), int(users), float(spawn_rate or users))
