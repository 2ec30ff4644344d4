"""The release manifest (``release.toml``): what is released, and where the evidence for each gate lies.

>>> release = load_release(Path("release.toml"))
>>> release.version, release.junit_files
('1.4.3', (PosixPath('reports/junit/unit.xml'),))

Validated like an environment file: unknown keys are errors with a suggestion,
a secret is only ever a reference, and every problem is one line. Relative
evidence paths are read from the folder pytest runs in, where the run's own
``reports/`` is written (the repository root in the pipelines), wherever the
manifest itself lies: ``pipelines/release.example.toml`` names ``reports/...``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from drillbook.config import schema
from drillbook.errors import ConfigError
from drillbook.config.schema import REQUIRED, Field

_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")
_CHANGE_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")  # the shape drillbook.config.safety accepts from --approve


def to_version(value: Any) -> str:
    text = schema.to_str(value)
    if not _VERSION.match(text):
        raise ValueError("expected a version as /health reports it, like 1.4.3")
    return text


def to_change_id(value: Any) -> str:
    text = schema.to_str(value)
    if not _CHANGE_ID.match(text):
        raise ValueError("expected a change id like CHG-123 (the id --approve takes)")
    return text


def to_paths(value: Any) -> list[str]:
    paths = schema.to_str_list(value)
    if not paths:  # no test report named would make "all tests passing" pass on nothing
        raise ValueError("expected at least one JUnit XML file")
    return paths


def to_link(value: Any) -> str:
    text = schema.to_str(value)
    if not re.match(r"^https?://[^/\s]+", text):
        raise ValueError("expected the notice's http(s):// address")
    return text


def to_setting_names(value: Any) -> list[str]:
    names = schema.to_str_list(value)
    bad = [name for name in names if not re.match(r"^[A-Za-z_][A-Za-z0-9_.:-]*$", name)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a setting name (letters, digits, _ . : -)")
    return names


SECTIONS: dict[str, dict[str, Field]] = {
    "release": {
        "version": Field(to_version, REQUIRED, '"1.4.3"'),
        "previous_version": Field(to_version, REQUIRED, '"1.4.2"'),  # what a rollback must bring back
        "commit": Field(schema.to_str, REQUIRED, '"3f2c9a1"'),
        "change_id": Field(to_change_id, REQUIRED, '"CHG-123"'),
    },
    "evidence": {
        "junit": Field(to_paths, REQUIRED, '["reports/junit/unit.xml"]'),
        "review": Field(schema.to_str, REQUIRED, '"reports/review.json"'),  # gh pr view --json reviewDecision,reviews
        "journal": Field(schema.to_str, "reports/journal/drills.jsonl", '"reports/journal/drills.jsonl"'),
        "migration_environment": Field(schema.to_str, "staging", '"staging"'),  # where the DR drill must have passed
    },
    "settings": {"required": Field(to_setting_names, [], '["COSMOS_ENDPOINT", "REDIS_URL"]')},
    "notice": {
        "link": Field(to_link, None, '"https://status.castiel.com/changes/CHG-123"'),
        "ticket": Field(schema.to_str, None, '"OPS-4411"'),
        "notified": Field(schema.to_str_list, [], '["#castiel-releases", "support@castiel.com"]'),
    },
}


@dataclass(frozen=True)
class Release:
    """A validated manifest; ``settings`` holds every section, defaults filled in."""

    path: Path
    settings: Mapping[str, Mapping[str, Any]]

    @property
    def version(self) -> str:
        return self.settings["release"]["version"]

    @property
    def previous_version(self) -> str:
        return self.settings["release"]["previous_version"]

    @property
    def change_id(self) -> str:
        return self.settings["release"]["change_id"]

    @property
    def junit_files(self) -> tuple[Path, ...]:
        return tuple(self._path(p) for p in self.settings["evidence"]["junit"])

    @property
    def review_file(self) -> Path:
        return self._path(self.settings["evidence"]["review"])

    @property
    def journal_file(self) -> Path:
        return self._path(self.settings["evidence"]["journal"])

    @property
    def migration_environment(self) -> str:
        return self.settings["evidence"]["migration_environment"]

    @property
    def required_settings(self) -> list[str]:
        return list(self.settings["settings"]["required"])

    def section(self, name: str) -> Mapping[str, Any]:
        return self.settings[name]

    @staticmethod
    def _path(text: str) -> Path:
        """As written: a relative path is read from the working directory, and shown as written."""
        return Path(text).expanduser()


def load_release(path: Path) -> Release:
    """Read and validate a manifest, or raise a one-line ConfigError."""
    path = Path(path).expanduser()
    where = _show(path)
    raw = _read_toml(path, where)
    _refuse_setting_values(raw, where)
    return Release(path, schema.validate(raw, where=where, sections=SECTIONS))


def _refuse_setting_values(raw: dict[str, Any], where: str) -> None:
    """A ``NAME=value`` entry may carry a secret: refuse it before any message could repeat it."""
    required = raw.get("settings", {}).get("required") if isinstance(raw.get("settings"), dict) else None
    for number, entry in enumerate(required if isinstance(required, list) else [], start=1):
        if isinstance(entry, str) and "=" in entry:
            raise ConfigError(f"{where}: [settings] required: entry {number} holds a value (not shown) "
                              f"-> list setting names only, e.g. required = [\"COSMOS_ENDPOINT\", \"REDIS_URL\"]")


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"--release {path}: no such file -> check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc} -> fix the syntax there") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror} -> check the file") from None


def _show(path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative
