"""``drillbook options``: drillbook's own pytest options, grouped, from the very calls that declare them to pytest.

The plugin's ``pytest_addoption`` is run against a recorder that stands in for pytest's parser,
so this list cannot differ from ``pytest --help``'s drillbook groups (a test compares them).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from drillbook import plugin

PREFIX = "drillbook-"
WIDTH = 110


@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]
    attrs: dict[str, Any]

    @property
    def default(self) -> Any:
        return self.attrs.get("default")

    def as_json(self) -> dict:
        shown = {key: value for key, value in self.attrs.items() if key in ("default", "help", "metavar", "choices")}
        return {"names": list(self.names), **{k: list(v) if isinstance(v, tuple) else v for k, v in shown.items()}}


@dataclass
class Group:
    name: str
    description: str
    options: list[Option] = field(default_factory=list)

    def addoption(self, *names: str, **attrs: Any) -> None:
        self.options.append(Option(names, attrs))


class _Recorder:
    """Takes pytest's parser's place: ``getgroup`` and ``addoption`` are all the plugin calls."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}

    def getgroup(self, name: str, description: str = "", after: str | None = None) -> Group:
        return self.groups.setdefault(name, Group(name, description))

    def addoption(self, *names: str, **attrs: Any) -> None:  # an option outside any group
        self.getgroup("general").addoption(*names, **attrs)


def drillbook_options() -> list[Group]:
    """The plugin's option groups in the order it declares them, as ``pytest --help`` shows them."""
    recorder = _Recorder()
    plugin.pytest_addoption(recorder)
    return list(recorder.groups.values())


def short(group: Group) -> str:
    return group.name.removeprefix(PREFIX)


def render(groups: list[Group]) -> str:
    lines = []
    for group in groups:
        lines += ["", f"{short(group)}: {group.description.removeprefix('drillbook: ')}"]
        for option in group.options:
            metavar = option.attrs.get("metavar") or (
                "{" + ",".join(option.attrs["choices"]) + "}" if option.attrs.get("choices") else "")
            flag = ", ".join(option.names) + (f" {metavar}" if metavar and option.attrs.get("action") is None else "")
            lines.append(f"  {flag}")
            text = f"{option.attrs.get('help', '')} [default: {_default(option)}]"
            lines.append(textwrap.fill(text, WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 6))
    return "\n".join(lines[1:]) + "\n"


def _default(option: Option) -> str:
    return "none" if option.default is None else str(option.default)
