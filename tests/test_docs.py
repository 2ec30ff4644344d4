"""The README is a front door that holds: short, linking every docs/ page, its links and examples real.

Its failure example is run against the sandbox (Redis stopped) and must print what the README shows; every
link of the README and docs/ must reach a file and a heading; every drill they name by node id must exist;
every option their `pytest` lines pass must be drillbook's (docs/options.md) or pytest's own.
"""

from __future__ import annotations

import re
import shlex
import sys

import pytest

from docs_pages import DOCS, README, REPO, broken_links, pages, prose_lines
from pytest_runs import run_pytest, scratch_repository

MAX_README_LINES = 200
EXAMPLE_MARKER = "<!-- tests/test_docs.py stops the sandbox's Redis and runs this command"
NODE_ID = re.compile(r"\b((?:[\w-]+/)+test_\w+\.py)::(test_\w+)")
OPTION_ROW = re.compile(r"^\| `(--[a-z-]+)", re.M)


def test_the_readme_is_a_front_door_of_at_most_200_lines():
    lines = len(README.read_text().splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; move the detail to a docs/ page"


def test_the_readme_links_every_docs_page():
    linked = {target.split("#")[0] for target in re.findall(r"\]\((docs/[^)\s]+)\)", README.read_text())}
    assert sorted(DOCS.glob("*.md")), "no docs/ pages: the check reads nothing"
    assert [f"docs/{page.name}" for page in sorted(DOCS.glob("*.md")) if f"docs/{page.name}" not in linked] == []


def test_every_relative_link_in_the_readme_and_docs_resolves():
    assert [problem for page in pages() for problem in broken_links(page)] == []


def test_a_link_to_a_missing_file_or_heading_is_found():
    text = "[a](load.md#remote-workers) [b](load.md#no-such-heading) [c](gone.md) [d](#here) [e](#gone)\n## Here\n"
    assert broken_links(DOCS / "example.md", text) == ["docs/example.md: load.md#no-such-heading: no heading with "
                                                       "that anchor", "docs/example.md: gone.md: no such file",
                                                       "docs/example.md: #gone: no heading with that anchor"]


def test_every_drill_the_docs_name_by_node_id_exists():
    named = {match for page in pages() for match in NODE_ID.findall(page.read_text())}
    assert named, "no node id in the docs: the check reads nothing"
    missing = [f"{path}::{name}" for path, name in sorted(named)
               if not (REPO / path).is_file() or f"def {name}(" not in (REPO / path).read_text()]
    assert missing == []


def test_every_option_the_docs_pass_to_pytest_exists(pytestconfig):
    documented = set(OPTION_ROW.findall((DOCS / "options.md").read_text()))
    passed = {word.split("=")[0] for line in pytest_lines() for word in shlex.split(line, comments=True)
              if word.startswith("--")}
    assert len(passed) > 5, "too few options found: the check reads nothing"
    assert sorted(option for option in passed - documented if not pytest_knows(pytestconfig, option)) == []


def pytest_lines() -> list[str]:
    """Every `pytest ...` command line inside the code blocks of the README and docs/."""
    found = []
    for page in pages():
        prose = set(prose_lines(page.read_text()))
        found += [line.lstrip("$ ") for line in page.read_text().splitlines()
                  if line not in prose and re.match(r"(\$ )?pytest ", line)]
    return found


def pytest_knows(config: pytest.Config, option: str) -> bool:
    try:
        config.getoption(option)
    except ValueError:
        return False
    return True


def readme_example() -> tuple[list[str], list[str]]:
    """The command of the README's failure example, and the lines it shows (``...`` stands for anything)."""
    text = README.read_text()
    block = re.search(r"```\n(.*?)```", text[text.index(EXAMPLE_MARKER):], re.S).group(1).splitlines()
    assert block[0].startswith("$ pytest "), block[0]
    return shlex.split(block[0][len("$ pytest "):]), [line.replace("...", "*") for line in block[1:]]


def test_the_readmes_failure_example_is_what_the_drill_prints(run_drill, faults, tmp_path):
    words, shown = readme_example()
    faults.dependency("redis", "stop")
    _, env = run_drill.command()  # the session's sandbox and its tokens
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *words]
    # from a copy of the repository, as the on-call engineer runs it: the node id printed is the one to copy
    result = run_pytest(argv, scratch_repository(REPO, tmp_path), {**env, "COLUMNS": "120"}, timeout=120)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(shown)
