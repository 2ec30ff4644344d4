"""Load and validate an environment file (``environments/<name>.toml``).

>>> env = load_environment("staging")
>>> env.tier, env.base_url
('staging', 'https://api-staging.castiel.com')
>>> env.config.http.timeout_s                # each section typed (drillbook.config.sections)
5.0

Every problem raises :class:`ConfigError` with one line that names the file,
the key, the bad value and the fix. Secrets are only ever references.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from drillbook.config import schema, tiers
from drillbook.config.sections import EnvironmentFile
from drillbook.config.sections.http import HttpTarget
from drillbook.config.sections.target import TIERS
from drillbook.config.secrets import SecretRef, register_env_references, resolve_secret
from drillbook.errors import ConfigError

ENVIRONMENTS_DIR = Path(__file__).resolve().parents[3] / "environments"
SANDBOX = "sandbox"


@dataclass(frozen=True)
class Environment:
    """A validated target. ``config`` holds every section, typed, defaults filled in: ``env.config.http.timeout_s``."""

    name: str
    path: Path
    config: EnvironmentFile
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    tier_note: str | None = None  # why the tier is production although the file says otherwise

    @property
    def tier(self) -> str:
        return self.config.target.tier

    @property
    def base_url(self) -> str:
        return self.config.target.base_url

    @property
    def uses_sandbox(self) -> bool:
        return self.base_url == SANDBOX

    @property
    def is_production(self) -> bool:
        return self.tier == "production"

    def secret(self, name: str) -> str | None:
        """The resolved value of ``[auth] name`` (None when optional and unset)."""
        return self.secrets.get(name)

    def with_base_url(self, url: str) -> Environment:
        target = self.config.target.model_copy(update={"base_url": url})
        return replace(self, config=self.config.model_copy(update={"target": target}))

    @property
    def http_target(self) -> HttpTarget:
        """What an HTTP client for this target is built from (``drillbook.clients.http.build_client``)."""
        documents = frozenset({self.config.metrics.path, self.config.contract.openapi_path})
        return HttpTarget(self.base_url, self.config.http, self.name, documents)


def available_environments(directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def find_environment_file(name: str, directory: Path = ENVIRONMENTS_DIR) -> Path:
    path = directory / f"{name}.toml"
    if path.is_file():
        return path
    known = available_environments(directory)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise ConfigError(
        f"--env {name}: no environment file {_show(path)} -> {hint}"
        f"choose one of: {', '.join(known) or '(none)'}, or pass --env-file PATH"
    )


def load_environment(name: str | None = None, *, path: Path | None = None,
                     directory: Path = ENVIRONMENTS_DIR) -> Environment:
    """Read, validate and return an environment named by ``[target] name`` or its file; secrets are not resolved yet."""
    # "--env-file=~/x.toml": the shell leaves a tilde after "=" unexpanded
    path = Path(path).expanduser() if path else find_environment_file(name or "local", directory)
    raw = _read_toml(path)
    config = schema.validate(raw, where=_show(path), model=EnvironmentFile)
    config, note = _check_tier_rules(config, _show(path), directory)
    return Environment(name=config.target.name or path.stem, path=path, config=config, tier_note=note)


def resolve_secrets(env: Environment) -> Environment:
    """Return ``env`` with every ``[auth]`` reference resolved (or raise ConfigError)."""
    where = _show(env.path)
    register_env_references(env.config.references())  # [redis], [cosmos]... too: a worker may resolve them later
    values = {}
    for key, ref in env.config.auth:
        if ref is None:  # not configured: checks that need it skip with a reason
            continue
        value = resolve_secret(ref, where=f"{where}: [auth] {key}")
        if value is not None:
            values[key] = value
    return replace(env, secrets=values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"--env-file {path}: no such file -> check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_show(path)}: not valid TOML: {exc} -> fix the syntax there") from None
    except OSError as exc:
        raise ConfigError(f"{_show(path)}: cannot read: {exc.strerror} -> check the file") from None


def _check_tier_rules(config: EnvironmentFile, where: str,
                      directory: Path = ENVIRONMENTS_DIR) -> tuple[EnvironmentFile, str | None]:
    target = config.target
    if target.base_url == SANDBOX and target.tier != "local":
        raise ConfigError(
            f'{where}: [target] base_url = "sandbox" with tier = "{target.tier}" '
            '-> the embedded sandbox is only a local target; set tier = "local" or a real URL'
        )
    if target.tier != "local" and not target.base_url.startswith("https://"):
        raise ConfigError(
            f'{where}: [target] base_url = "{target.base_url}" on tier {target.tier} '
            "-> staging and production are reached over https://"
        )
    return tiers.apply_tier_rules(config, where, _production_files(directory))


def _production_files(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every environment file in ``directory`` whose tier is production, read as plain TOML."""
    files = [(f"{directory.name}/{path.name}", _read_toml(path)) for path in sorted(directory.glob("*.toml"))]
    return [(shown, raw) for shown, raw in files if tiers.declared_tier(raw) == "production"]


def _show(path: Path) -> str:
    """A path relative to the working directory when possible, for short messages."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


__all__ = [
    "Environment",
    "EnvironmentFile",
    "SecretRef",
    "TIERS",
    "available_environments",
    "find_environment_file",
    "load_environment",
    "resolve_secrets",
]
