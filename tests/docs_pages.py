"""The README and the docs/ pages as data: their headings, their links, and the citations that point at them.

A citation names a page and a heading, `README "Exit codes"` or `docs/load.md "Remote workers"`; a link is
markdown's `[text](path#anchor)`, its anchor GitHub's slug of a heading of the page it names.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
CITATION = re.compile(r'\b(README|docs/[\w-]+\.md),? "([^"]+)"')
PAGE_MENTION = re.compile(r"\bdocs/[\w-]+\.md\b")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def pages() -> list[Path]:
    """The README and every page in docs/."""
    return [README, *sorted(DOCS.glob("*.md"))]


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (a `# comment` in a TOML block is no heading)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def headings(page: Path) -> set[str]:
    return headings_in(page.read_text())


def headings_in(text: str) -> set[str]:
    return {line.lstrip("#").strip() for line in prose_lines(text) if re.match(r"#{1,6} ", line)}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def page_named(name: str) -> Path:
    return README if name == "README" else REPO / name


def broken_citations(text: str) -> list[str]:
    """Every page mentioned in ``text`` that does not exist, and every cited heading its page lacks."""
    wrong = [f"{page}: no such page" for page in PAGE_MENTION.findall(text) if not (REPO / page).is_file()]
    for name, heading in CITATION.findall(text):
        page = page_named(name)
        if page.is_file() and heading not in headings(page):
            wrong.append(f'{name} "{heading}": no such heading, one of {sorted(headings(page))}')
    return wrong


def broken_links(page: Path, text: str | None = None) -> list[str]:
    """Every relative link of ``page`` (or of ``text`` written there) whose file, or anchor in it, does not exist."""
    text = page.read_text() if text is None else text
    wrong = []
    for target in LINK.findall("\n".join(prose_lines(text))):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check here
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve()
        if path and not linked.exists():
            wrong.append(f"{page.relative_to(REPO)}: {target}: no such file")
        elif anchor and anchor not in {slug(h) for h in (headings(linked) if path else headings_in(text))}:
            wrong.append(f"{page.relative_to(REPO)}: {target}: no heading with that anchor")
    return wrong
