"""What a message points at exists: every page and heading it cites, every option its suggestion names.

The messages are read from the source (every string literal but docstrings), so a new message is checked
the day it is written, without a run that provokes it. Citations (`docs/load.md "Remote workers"`, `README
"Exit codes"`) are also read from comments and the pipelines' files, so a page or heading that moves takes
every pointer at it along.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from docs_pages import CITATION, PAGE_MENTION, broken_citations
from drillbook.__main__ import _parser as drillbook_command

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("src/drillbook", "sandbox", "checks", "smoke", "gates", "load", "chaos")
CITING = (*SOURCES, "pipelines", "benchmarks", "scripts")  # where a comment or a file may cite a page too
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


def citing_files() -> list[Path]:
    return [path for root in CITING for path in sorted((REPO / root).rglob("*"))
            if path.suffix in (".py", ".toml", ".yml", ".cjs", ".sh") and "node_modules" not in path.parts]


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


def test_every_message_that_points_at_the_docs_cites_a_heading():
    pointing = [(where, text) for where, text in message_texts() if "README" in text or PAGE_MENTION.search(text)]
    assert pointing, "no message points at the docs: the scan reads nothing"
    assert [f"{where}: {text}" for where, text in pointing if not CITATION.search(text)] == [], \
        'cite a page by its heading: see docs/<page>.md "<heading>" (or README "<heading>")'


def test_every_page_and_heading_cited_in_the_code_exists():
    texts = [(str(path.relative_to(REPO)), path.read_text()) for path in citing_files()] + message_texts()
    assert sum(len(CITATION.findall(text)) for _, text in texts) > 6, "the scan found too few citations"
    assert [f"{where}: {problem}" for where, text in texts for problem in broken_citations(text)] == []


@pytest.mark.parametrize("text", ['see docs/nowhere.md "Remote workers"', 'see docs/load.md "Load drils"',
                                  'see README "Targeting staging and production"', "docs/gone.md"])
def test_a_citation_of_a_missing_page_or_heading_is_found(text):
    assert broken_citations(text)


def test_a_citation_of_a_page_and_its_heading_passes():
    assert broken_citations('see docs/load.md "Remote workers"; README "Exit codes"') == []


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
