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
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from drillbook.config import schema, values
from drillbook.config.model import Section, Text, TextList, setting
from drillbook.errors import ConfigError

_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")
_CHANGE_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")  # the shape drillbook.config.safety accepts from --approve
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]*$")


def to_version(value: Any) -> str:
    text = values.to_str(value)
    if not _VERSION.match(text):
        raise ValueError("expected a version as /health reports it, like 1.4.3")
    return text


def to_change_id(value: Any) -> str:
    text = values.to_str(value)
    if not _CHANGE_ID.match(text):
        raise ValueError("expected a change id like CHG-123 (the id --approve takes)")
    return text


def to_paths(value: Any) -> tuple[str, ...]:
    paths = values.to_str_list(value)
    if not paths:  # no test report named would make "all tests passing" pass on nothing
        raise ValueError("expected at least one JUnit XML file")
    return paths


def to_link(value: Any) -> str:
    text = values.to_str(value)
    if not re.match(r"^https?://[^/\s]+", text):
        raise ValueError("expected the notice's http(s):// address")
    return text


def to_setting_names(value: Any) -> tuple[str, ...]:
    names = values.to_str_list(value)
    bad = [name for name in names if not _SETTING_NAME.match(name)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a setting name (letters, digits, _ . : -)")
    return names


Version = Annotated[str, Field(pattern=_VERSION.pattern), BeforeValidator(to_version)]
ChangeId = Annotated[str, Field(pattern=_CHANGE_ID.pattern), BeforeValidator(to_change_id)]
Paths = Annotated[tuple[str, ...], Field(min_length=1), BeforeValidator(to_paths)]
Link = Annotated[str, Field(pattern=r"^https?://[^/\s]+"), BeforeValidator(to_link)]
SettingNames = Annotated[tuple[Annotated[str, Field(pattern=_SETTING_NAME.pattern)], ...],
                         BeforeValidator(to_setting_names)]


class ReleaseSection(Section):
    """What is released, and what a rollback must bring back."""

    version: Version = setting(..., '"1.4.3"', "the version /health reports once it is live")
    previous_version: Version = setting(..., '"1.4.2"', "what a rollback must bring back")
    commit: Text = setting(..., '"3f2c9a1"', "the commit that was built")
    change_id: ChangeId = setting(..., '"CHG-123"', "the change this release belongs to (the id --approve takes)")


class EvidenceSection(Section):
    """Where the pipeline left the evidence each gate reads."""

    junit: Paths = setting(..., '["reports/junit/unit.xml"]', "the test reports: every test must have passed")
    review: Text = setting(..., '"reports/review.json"', "gh pr view --json reviewDecision,reviews")
    journal: Text = setting("reports/journal/drills.jsonl", '"reports/journal/drills.jsonl"',
                            "the drill journal that records the DR drill (with [record] store = \"blob\", the "
                            "environment's shared journal is read instead)")
    migration_environment: Text = setting("staging", '"staging"', "where the DR drill must have passed")


class SettingsSection(Section):
    """The app settings the release needs present (names only, never values)."""

    required: SettingNames = setting((), '["COSMOS_ENDPOINT", "REDIS_URL"]', "setting names the app must have")


class NoticeSection(Section):
    """The stakeholder notice of the release."""

    link: Link | None = setting(None, '"https://status.castiel.com/changes/CHG-123"', "the notice's address")
    ticket: Text | None = setting(None, '"OPS-4411"', "or the ticket that carries it")
    notified: TextList = setting((), '["#castiel-releases", "support@castiel.com"]', "who was told")


class ReleaseFile(Section):
    """A release manifest (release.toml): what is released, and where the evidence for each gate lies."""

    release: ReleaseSection
    evidence: EvidenceSection
    settings: SettingsSection = Field(default_factory=SettingsSection)
    notice: NoticeSection = Field(default_factory=NoticeSection)


@dataclass(frozen=True)
class Release:
    """A validated manifest; ``manifest`` holds every section, typed, defaults filled in."""

    path: Path
    manifest: ReleaseFile

    @property
    def version(self) -> str:
        return self.manifest.release.version

    @property
    def previous_version(self) -> str:
        return self.manifest.release.previous_version

    @property
    def change_id(self) -> str:
        return self.manifest.release.change_id

    @property
    def junit_files(self) -> tuple[Path, ...]:
        return tuple(self._path(p) for p in self.manifest.evidence.junit)

    @property
    def review_file(self) -> Path:
        return self._path(self.manifest.evidence.review)

    @property
    def journal_file(self) -> Path:
        return self._path(self.manifest.evidence.journal)

    @property
    def migration_environment(self) -> str:
        return self.manifest.evidence.migration_environment

    @property
    def required_settings(self) -> list[str]:
        return list(self.manifest.settings.required)

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
    return Release(path, schema.validate(raw, where=where, model=ReleaseFile))


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
