"""The building blocks of every section model: typed values whose errors teach, and a key's default and example.

A section is a frozen pydantic model that refuses unknown keys; each field's type converts the value with
one small function of :mod:`drillbook.config.values`, so an error says what the key takes::

    class HttpSection(Section):
        \"\"\"[http]: how every request to the target is bounded.\"\"\"

        timeout_s: Positive = setting(5.0, "5.0", "the whole exchange: connect, send and the complete answer")
"""

from __future__ import annotations

import tomllib
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.fields import FieldInfo

from drillbook.config import values
from drillbook.config.secrets import SecretRef


class Secret:
    """Marks a field whose value is a secret reference: never shown, never written as a value."""


class SecretOrText:
    """Marks a field that takes a plain string or a reference (a URL that may carry a credential)."""


_REFERENCE_FORMS = [
    {"required": ["env"], "not": {"required": ["keyvault"]}},
    {"required": ["keyvault", "secret"], "not": {"required": ["env"]}},
]
_REFERENCE_PROPERTIES = {
    "env": {"type": "string", "description": "the environment variable that holds the secret"},
    "keyvault": {"type": "string", "description": "the Key Vault's URL, https://<vault>.vault.azure.net"},
    "secret": {"type": "string", "description": "the secret's name in that Key Vault"},
    "optional": {"type": "boolean", "description": "unset or unreadable: the checks that need it skip"},
}
REFERENCE_SCHEMA = {"type": "object", "properties": _REFERENCE_PROPERTIES, "additionalProperties": False,
                    "anyOf": _REFERENCE_FORMS}
KEYVAULT_REFERENCE_SCHEMA = {**REFERENCE_SCHEMA, "anyOf": _REFERENCE_FORMS[1:]}

Number = Annotated[float, Field(ge=0, allow_inf_nan=False), BeforeValidator(values.to_number)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False), BeforeValidator(values.to_positive)]
Share = Annotated[float, Field(ge=0, le=1), BeforeValidator(values.to_share)]
Count = Annotated[int, Field(ge=1), BeforeValidator(values.whole(1))]
Whole = Annotated[int, Field(ge=0), BeforeValidator(values.whole(0))]
Text = Annotated[str, Field(min_length=1), BeforeValidator(values.to_str)]
Url = Annotated[str, Field(pattern=r"^(https?://[^/\s]+.*|sandbox)$"), BeforeValidator(values.to_url)]
Flag = Annotated[bool, BeforeValidator(values.to_bool)]
TextList = Annotated[tuple[str, ...], BeforeValidator(values.to_str_list)]
Routes = Annotated[tuple[str, ...], WithJsonSchema({"type": "array", "items": {
    "type": "string", "pattern": f"^({'|'.join(values.HTTP_METHODS)}) /"}}), BeforeValidator(values.to_route_list)]
Reference = Annotated[SecretRef, WithJsonSchema(REFERENCE_SCHEMA), BeforeValidator(values.to_secret_ref), Secret()]
KeyVaultReference = Annotated[SecretRef, WithJsonSchema(KEYVAULT_REFERENCE_SCHEMA),
                              BeforeValidator(values.to_keyvault_ref), Secret()]
TextOrReference = Annotated[str | SecretRef, WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1},
                                                                       REFERENCE_SCHEMA]}),
                            BeforeValidator(values.to_str_or_ref), SecretOrText()]


def whole_between(low: int, high: int) -> Any:
    """A whole number from ``low`` to ``high`` (ports, workers, engine instances)."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(values.whole(low, high))]


def choice(*options: str) -> Any:
    """A literal choice whose error suggests the closest option."""
    return Annotated[Literal[options], BeforeValidator(values.one_of(*options))]


class Example:
    """A key's example as TOML text, for error messages; editors get it parsed, as a JSON Schema example."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, schema: dict[str, Any]) -> None:
        value = self.text.partition("  (")[0]  # an example may carry a remark: "..."  (or "sandbox")
        try:
            schema["examples"] = [tomllib.loads(f"x = {value}")["x"]]
        except tomllib.TOMLDecodeError:  # a placeholder, not a value: no example for editors
            pass


def setting(default: Any = ..., example: str = "", doc: str = "") -> Any:
    """A key: its default (``...``: required), the example an error message shows, and a one-line description."""
    return Field(default, description=doc or None, json_schema_extra=Example(example) if example else None)


def example_of(field: FieldInfo | None) -> str:
    extra = field.json_schema_extra if field is not None else None
    return extra.text if isinstance(extra, Example) else ""


def is_secret(field: FieldInfo | None) -> bool:
    return any(isinstance(mark, Secret) for mark in _marks(field))


def takes_reference(field: FieldInfo | None) -> bool:
    """A string key that may also be given as a reference (then a credential-bearing URL has a way out)."""
    return any(isinstance(mark, SecretOrText) for mark in _marks(field))


def _marks(field: FieldInfo | None) -> list[Any]:
    """The field's metadata, and that of the types inside it (``Reference | None`` keeps its marks there)."""
    if field is None:
        return []
    marks, pending = list(field.metadata), [field.annotation]
    while pending:
        kind = pending.pop()
        marks += getattr(kind, "__metadata__", ())
        pending += [arg for arg in get_args(kind) if not isinstance(arg, (str, int, float))]
    return marks


class Section(BaseModel):
    """A ``[section]`` of a drillbook TOML file: frozen, and an unknown key is an error."""

    # defer_build: a section's validator is built once, inside the file's, when the file is first read
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)

    def references(self) -> list[SecretRef]:
        """The secret references this section names."""
        return [value for _, value in self if isinstance(value, SecretRef)]
