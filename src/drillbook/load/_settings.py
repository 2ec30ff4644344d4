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
from typing import Any, Mapping

import pytest

from drillbook.config.durations import parse_duration
from drillbook.errors import ConfigError
from drillbook.load._azure_settings import AzureLoadTesting, azure_from

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_LOCUSTFILE = "load/castiel.py"
MAX_WORKERS = 64
ENGINES = ("locust", "azure")


@dataclass(frozen=True)
class Stage:
    """One step of the shape: hold ``users`` (reached at ``spawn_rate`` per second) for ``duration_s``."""

    duration_s: float
    users: int
    spawn_rate: float

    def as_dict(self) -> dict[str, float]:
        return {"duration_s": self.duration_s, "users": self.users, "spawn_rate": self.spawn_rate}


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
    azure: AzureLoadTesting | None = None  # set: Azure Load Testing runs the load, not a local locust

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


def settings_from(options: LoadOptions, section: Mapping[str, Any], *, allow_inconclusive: bool,
                  azure_section: Mapping[str, Any] | None = None) -> LoadSettings:
    """The command line wins; users or duration on it make one steady stage; the engine is chosen here only."""
    stages = tuple(section["stages"]) or (_steady(section["users"], section["duration_s"], section["spawn_rate"]),)
    if options.users is not None or options.duration_s is not None:
        users = options.users if options.users is not None else int(section["users"])
        stages = (_steady(users, options.duration_s or section["duration_s"], section["spawn_rate"]),)
    locustfile = Path(section["locustfile"])
    locustfile = locustfile if locustfile.is_absolute() else REPO_ROOT / locustfile
    if not locustfile.is_file():
        raise ConfigError(f"[load] locustfile = {section['locustfile']!r}: no such file ({locustfile}) "
                          f"-> name a locustfile, e.g. locustfile = \"{DEFAULT_LOCUSTFILE}\"")
    return LoadSettings(
        stages=stages,
        workers=int(section["workers"]) if options.workers is None else options.workers,
        interval_s=options.interval_s or section["interval_s"],
        window_s=options.window_s or section["window_s"],
        min_requests=int(options.min_requests or section["min_requests"]),
        locustfile=locustfile,
        allow_inconclusive=allow_inconclusive,
        remote_workers=int(section["remote_workers"]),
        master_bind_host=section["master_bind_host"],
        master_port=int(section["master_port"]),
        azure=_azure_engine(options.engine or section["engine"], azure_section, stages, options.workers),
    )


def refuse_engine_on_tier(engine: str, tier: str, source: str) -> None:
    """Azure's engines load the target from Azure's machines: never the local tier, which reaches only loopback."""
    if engine == "azure" and tier == "local":
        raise ConfigError(f"{source} loads the target from Azure's machines, and the local tier reaches only "
                          "loopback -> run the azure engine against a staging environment, or locust here")


def _azure_engine(engine: str, section: Mapping[str, Any] | None, stages: tuple[Stage, ...],
                  workers: int | None) -> AzureLoadTesting | None:
    """The Azure settings when the azure engine is chosen; it runs one steady stage (locust's own users and run time)."""
    if engine != "azure":
        return None
    if workers:
        raise ConfigError(f"--load-workers {workers} starts local locust workers, which the azure engine does not use "
                          "-> set [azure_load_testing] engine_instances instead")
    if len(stages) > 1:
        raise ConfigError(f"[load] engine = \"azure\" runs one steady stage, not {len(stages)} stages -> "
                          "give --load-users and --load-duration, or [load] users and duration_s without stages")
    return azure_from(section)


def _steady(users: float, duration_s: float, spawn_rate: float | None) -> Stage:
    return Stage(float(duration_s), int(users), float(spawn_rate or users))


def to_stages(value: Any) -> tuple[Stage, ...]:
    """``[{ duration_s = 30, users = 10, spawn_rate = 2 }, ...]``; spawn_rate defaults to the users per second."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("expected a list of tables")
    return tuple(_stage(i, spec) for i, spec in enumerate(value, 1))


def _stage(number: int, spec: dict) -> Stage:
    unknown = sorted(set(spec) - {"duration_s", "users", "spawn_rate"})
    if unknown:
        raise ValueError(f"stage {number}: unknown key '{unknown[0]}' (known: duration_s, spawn_rate, users)")
    try:
        stage = Stage(float(spec["duration_s"]), int(spec["users"]), float(spec.get("spawn_rate", spec["users"])))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"stage {number} needs a number of seconds duration_s and a number of users") from None
    if stage.duration_s <= 0 or stage.users < 0 or stage.spawn_rate <= 0:
        raise ValueError(f"stage {number}: duration_s and spawn_rate must be > 0 and users >= 0")
    return stage


def to_workers(value: Any) -> int:
    return _whole(value, 0, MAX_WORKERS)


def to_port(value: Any) -> int:
    return _whole(value, 0, 65535)


def _whole(value: Any, low: int, high: int) -> int:
    number = int(value)
    if isinstance(value, bool) or number != value or not low <= number <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return number
