"""Shared fixtures for drillbook's own tests."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def snapshot(request):
    """Compare text to tests/<dir>/snapshots/<test name>.txt; UPDATE_SNAPSHOTS=1 rewrites it."""
    directory = Path(request.fspath).parent / "snapshots"

    def check(text: str, name: str | None = None) -> None:
        path = directory / f"{name or request.node.name}.txt"
        if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
            directory.mkdir(exist_ok=True)
            path.write_text(text + "\n")
        assert text == path.read_text().rstrip("\n"), f"snapshot {path.relative_to(REPO)} differs"

    return check
