"""Validate a drillbook TOML file against its model, and turn every problem into one line that teaches.

>>> validate({"target": {"tier": "stagin"}}, where="x.toml", model=EnvironmentFile)
Traceback (most recent call last):
ConfigError: x.toml: [target] tier = 'stagin' is invalid -> did you mean 'staging'? expected one of: ...

The line names the file, the section and key, the value as written (never a secret's), the fix with an
example, and "did you mean" for a misspelt section, key or choice. A secret written as a value is refused
before anything else reads the file, so no later message can repeat it.
"""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from drillbook import redaction
from drillbook.config.model import example_of, is_secret, takes_reference
from drillbook.errors import ConfigError

FileModel = TypeVar("FileModel", bound=BaseModel)


def validate(raw: dict[str, Any], *, where: str, model: type[FileModel]) -> FileModel:
    """The file as ``model`` (every section, defaults filled in), or a one-line ConfigError."""
    _refuse_inline_secrets(raw, where, path="", model=model)
    # An absent section is an empty table: its required keys are then reported as missing keys.
    tables = {**{name: {} for name in model.model_fields}, **raw}
    try:
        return model.model_validate(tables)
    except ValidationError as exc:
        raise explain(_first(exc.errors(), raw, model), where, model, raw) from None


def _first(errors: list[dict[str, Any]], raw: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The error a reader meets first: file order of sections, a section's unknown keys before its values."""
    written, declared = list(raw), list(model.model_fields)

    def order(error: dict[str, Any]) -> tuple:
        section = str(error["loc"][0])
        place = written.index(section) if section in written else len(written) + declared.index(section)
        if len(error["loc"]) == 1:
            return place, 0, 0
        key, fields = str(error["loc"][1]), list(_section_model(model, section).model_fields)
        unknown = error["type"] == "extra_forbidden"
        table = raw.get(section, {})
        return place, 1 if unknown else 2, list(table).index(key) if unknown else fields.index(key)
    return min(errors, key=order)


def explain(error: dict[str, Any], where: str, model: type[BaseModel], raw: dict[str, Any]) -> ConfigError:
    """One of pydantic's errors as drillbook's one line: where, the key, the value, the fix."""
    loc = tuple(str(part) for part in error["loc"])
    if len(loc) == 1:
        return _section_error(error, loc[0], where, model)
    section, key = loc[0], loc[1]
    section_model = _section_model(model, section)
    if error["type"] == "extra_forbidden":
        return ConfigError(f"{where}: [{section}] unknown key '{key}' -> {suggest(key, sorted(section_model.model_fields))}")
    field = section_model.model_fields.get(key)
    example = example_of(field)
    if error["type"] == "missing":
        return ConfigError(f"{where}: [{section}] missing key '{key}' -> add it, e.g. {key} = {example}")
    reason = str(error.get("ctx", {}).get("error", error["msg"]))
    fix = reason + (f", e.g. {key} = {example}" if example else "")
    return ConfigError(f"{where}: [{section}] {key} = {_shown(raw[section][key], field)} is invalid -> {fix}")


def _section_error(error: dict[str, Any], section: str, where: str, model: type[BaseModel]) -> ConfigError:
    if error["type"] == "extra_forbidden":
        return ConfigError(f"{where}: unknown section [{section}] -> {suggest(section, sorted(model.model_fields))}")
    return ConfigError(f"{where}: '{section}' must be a [section] table -> write [{section}] with keys under it")


def _section_model(model: type[BaseModel], section: str) -> type[BaseModel]:
    return model.model_fields[section].annotation


def _shown(value: Any, field: Any) -> str:
    """The value as an error message may show it: never the value of a secret key."""
    if _is_reference(value):
        return "(a secret reference)"
    return "(value not shown)" if is_secret(field) else repr(value)


def suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    listing = ", ".join(known)
    return f"did you mean '{close[0]}'? (known: {listing})" if close else f"known: {listing}"


# --- the refusal of secrets written as values ---------------------------------------------

def _field(model: type[BaseModel], section: str, key: str) -> Any:
    """The model's field for ``[section] key``, or None (an unknown section or key, or a nested table)."""
    outer = model.model_fields.get(section)
    inner = getattr(outer.annotation, "model_fields", {}) if outer is not None else {}
    return inner.get(key)


def _is_secret_key(model: type[BaseModel], section: str, key: str) -> bool:
    return redaction.is_sensitive_name(key) or is_secret(_field(model, section, key))


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and bool({"env", "keyvault"} & set(value))


def _refuse_inline_secrets(table: dict[str, Any], where: str, path: str, model: type[BaseModel]) -> None:
    for key, value in table.items():
        dotted = f"{path}.{key}" if path else key
        section, _, name = dotted.rpartition(".")
        if isinstance(value, dict) and not _is_reference(value):
            _refuse_inline_secrets(value, where, dotted, model)
        elif not isinstance(value, dict) and _is_secret_key(model, section, name):
            raise _secret_written(where, section, name)
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str):
                _refuse_credential_text(text, where, section, name, model)


def _refuse_credential_text(text: str, where: str, section: str, name: str, model: type[BaseModel]) -> None:
    shape = redaction.credential_shape(text)  # the shapes redaction masks: one list, so refused = masked
    if shape is not None and shape.in_url:
        raise ConfigError(f"{where}: [{section}] {name}: the URL carries a credential (value not shown) "
                          f"-> {_url_fix(model, section, name)}")
    if shape is not None:
        raise _secret_written(where, section, name)


def _url_fix(model: type[BaseModel], section: str, name: str) -> str:
    if takes_reference(_field(model, section, name)):
        return f'give the whole URL as a reference: {name} = {{ env = "VARIABLE" }}'
    return ('remove it from the URL; credentials come from references, '
            'e.g. [auth] admin_token = { env = "CASTIEL_ADMIN_TOKEN" }')


def _secret_written(where: str, section: str, name: str) -> ConfigError:
    return ConfigError(
        f"{where}: [{section}] {name}: a secret value is written in the file (value not shown) "
        f'-> replace it with a reference: {name} = {{ env = "VARIABLE" }} or a Key Vault reference'
    )
