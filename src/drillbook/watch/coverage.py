"""Which of the watch's intervals could be read: unreadable is not "no news".

>>> coverage = Coverage(interval_s=60)
>>> coverage.read(60); coverage.unreadable(120, "scrape: /metrics returned 503")
>>> coverage.describe()
'1 of 2 intervals read, 1 unreadable'

A watch whose source was unreadable for longer than a rule's window, or for
more than a share of its intervals, could have missed a breach: it is
inconclusive, whatever the windows it did judge said.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Coverage:
    """One entry per tick: None when the interval was read, else what the source said."""

    interval_s: float
    ticks: list[tuple[float, str | None]] = field(default_factory=list)

    def read(self, at: float) -> None:
        self.ticks.append((at, None))

    def unreadable(self, at: float, error: str) -> None:
        self.ticks.append((at, error))

    @property
    def total(self) -> int:
        return len(self.ticks)

    @property
    def unread(self) -> int:
        return sum(1 for _, error in self.ticks if error is not None)

    @property
    def share(self) -> float:
        """Share of the ticks so far that could not be read."""
        return self.unread / self.total if self.ticks else 0.0

    @property
    def longest_gap_s(self) -> float:
        """The longest run of consecutive unreadable ticks, in seconds of traffic lost."""
        longest = run = 0
        for _, error in self.ticks:
            run = run + 1 if error is not None else 0
            longest = max(longest, run)
        return longest * self.interval_s

    @property
    def errors(self) -> list[str]:
        """What the source said, each distinct message once, in order of first appearance."""
        return list(dict.fromkeys(error for _, error in self.ticks if error is not None))

    def describe(self) -> str:
        """``12 of 15 intervals read, 3 unreadable``."""
        head = f"{self.total - self.unread} of {self.total} intervals read"
        return f"{head}, {self.unread} unreadable" if self.unread else head

    def problems(self, *, max_share: float, window_s: float, window_of: str) -> list[str]:
        """Why the watch cannot vouch for its intervals; empty when the coverage is enough."""
        found = []
        if self.longest_gap_s > window_s:
            found.append(f"the source was unreadable for {self.longest_gap_s:g} s in a row, longer than the "
                         f"{window_s:g} s window of {window_of}, so a breach in that time could not be seen")
        if self.share > max_share:
            found.append(f"{self.unread} of {self.total} intervals unreadable ({100 * self.share:.0f} %, more than "
                         f"the {100 * max_share:.0f} % allowed by [metrics] max_unreadable_share)")
        return found

    def as_record(self) -> dict:
        return {"intervals": self.total, "read": self.total - self.unread, "unreadable": self.unread,
                "longest_gap_s": self.longest_gap_s, "unreadable_at": [at for at, e in self.ticks if e is not None],
                "source_errors": self.errors[:10]}
