"""What a message points at exists: every README section it cites, every option its suggestion names.

The messages are read from the source (every string literal but docstrings), so a new message is checked
the day it is written, without a run that provokes it.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from drillbook.__main__ import _parser as drillbook_command

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("src/drillbook", "sandbox", "checks", "smoke", "gates", "load", "chaos")
README_CITATION = re.compile(r'README,? "([^"]+)"')
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
AZ_COMMAND = re.compile(r"\baz\s.*?(?:\)|$)")  # the Azure CLI's own options: az's to check, not drillbook's


def message_texts() -> list[tuple[str, str]]:
    """``(where, text)`` of every string literal in drillbook's code that is not a docstring."""
    found = []
    for root in SOURCES:
        for path in sorted((REPO / root).rglob("*.py")):
            tree = ast.parse(path.read_text())
            skipped = _docstrings(tree) | _fstring_parts(tree)
            for node in ast.walk(tree):
                text = _text_of(node) if id(node) not in skipped else None
                if text:
                    found.append((f"{path.relative_to(REPO)}:{node.lineno}", text))
    return found


def _text_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _docstrings(tree: ast.Module) -> set[int]:
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, owners) and node.body and isinstance(node.body[0], ast.Expr)}


def _fstring_parts(tree: ast.Module) -> set[int]:
    """The constant pieces of an f-string: checked as part of the whole, never alone."""
    return {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}


def readme_sections() -> set[str]:
    return {line.lstrip("#").strip() for line in (REPO / "README.md").read_text().splitlines()
            if line.startswith("##")}


def suggested_options(text: str) -> list[str]:
    """The options named after a message's "->" (its fix), leaving out the Azure CLI commands it quotes."""
    if "->" not in text:
        return []
    return OPTION.findall(AZ_COMMAND.sub("", text.split("->", 1)[1]))


def command_options(parser: argparse.ArgumentParser) -> set[str]:
    """Every option of ``python -m drillbook`` and its subcommands."""
    found = set()
    for action in parser._actions:
        found.update(o for o in action.option_strings if o.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= command_options(sub)
    return found


def test_every_readme_section_a_message_cites_exists():
    citations = [(where, text) for where, text in message_texts() if "README" in text]
    assert citations, "no message cites the README: the scan reads nothing"
    sections = readme_sections()
    wrong = [f"{where}: {text}" for where, text in citations
             if not README_CITATION.search(text) or README_CITATION.search(text).group(1) not in sections]
    assert wrong == [], f"cite a README section by its heading, one of {sorted(sections)}"


def test_every_option_a_suggestion_names_exists(pytestconfig):
    def known(option: str) -> bool:
        try:
            pytestconfig.getoption(option)
        except ValueError:
            return option in command_options(drillbook_command())
        return True

    suggestions = [(where, option) for where, text in message_texts() for option in suggested_options(text)]
    assert len(suggestions) > 10, "the scan found too few suggestions to be reading the messages"
    assert [f"{where}: {option}" for where, option in suggestions if not known(option)] == []


@pytest.mark.parametrize(("text", "options"), [
    ("-> use --watch 10m or longer", ["--watch"]),
    ("-> check it (az redis show -n x --query state), or pass --approve", ["--approve"]),
    ("no arrow: --master-host", []),
])
def test_the_scan_reads_the_options_of_a_fix(text, options):
    assert suggested_options(text) == options
