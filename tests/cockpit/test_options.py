"""``drillbook options``: exactly drillbook's pytest options, grouped as ``pytest --help`` groups them."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from cockpit_runs import REPO, run_drillbook
from docs_pages import DOCS

GROUPS = ["target", "watch", "load", "chaos", "gates", "record"]
OPTION_LINE = re.compile(r"^  (--[a-z-]+)")


def pytest_help_groups() -> dict[str, list[str]]:
    """``pytest --help``'s drillbook groups: the header (its description) and the options under it."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    groups, current = {}, None
    for line in done.stdout.splitlines():
        if line and not line.startswith(" "):
            current = line.rstrip(":") if line.startswith("drillbook: ") else None
            if current:
                groups[current] = []
        elif current and OPTION_LINE.match(line):
            groups[current].append(OPTION_LINE.match(line).group(1))
    return groups


def listed() -> dict:
    done = run_drillbook("options", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_options_are_pytest_helps_drillbook_groups_in_its_order():
    options = listed()
    assert list(options) == GROUPS
    from_pytest = {description: names for description, names in pytest_help_groups().items()}
    assert len(from_pytest) == len(GROUPS), f"pytest --help shows drillbook groups {list(from_pytest)}"
    ours = {group["description"]: [option["names"][0] for option in group["options"]] for group in options.values()}
    assert ours == from_pytest


def test_every_option_keeps_its_name_and_default(snapshot):
    pairs = [f"{name}: {option['names'][0]} = {option.get('default')!r}" for name, group in listed().items()
             for option in group["options"]]
    snapshot("\n".join(pairs))


def test_the_text_shows_each_group_each_option_its_help_and_default():
    done = run_drillbook("options")
    assert done.returncode == 0, done.stderr
    headers = [line.split(":")[0] for line in done.stdout.splitlines() if line and not line.startswith(" ")]
    assert headers == GROUPS
    assert "  --watch DURATION\n      how long the watch runs (default 15m, the runbook's post-deploy watch) " \
           "[default: 15m]" in done.stdout
    assert "  --drill-profile {default,short}\n" in done.stdout


def test_docs_options_md_documents_every_option():
    documented = set(re.findall(r"^\| `(--[a-z-]+)", (DOCS / "options.md").read_text(), re.M))
    names = {option["names"][0] for group in listed().values() for option in group["options"]}
    assert sorted(names - documented) == []
