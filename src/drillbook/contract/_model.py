"""What a contract run is given and what it finds: plain data, no schemathesis types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drillbook.store import Holder, Store

SELECTIONS = ("all", "reads", "writes")


@dataclass(frozen=True)
class ContractSettings:
    """Where to send requests, how many, for how long, and whether writes are allowed."""

    base_url: str
    max_examples: int = 20
    max_seconds: float = 60.0
    allow_writes: bool = False
    negative_data: bool = True
    exclude: tuple[str, ...] = ()
    timeout_s: float = 5.0
    verify: bool | str = True
    user_agent: str = "drillbook"
    admin_token: str | None = field(default=None, repr=False)  # sent to safe methods that declare security
    writes_refused: str | None = None  # why writes are not fuzzed, for the report
    select: str = "all"  # "reads" (GET, HEAD, OPTIONS), "writes" (the rest) or both
    environment: str = ""  # names the ledger of drill writes, so a later run of the same target sweeps it
    drill_tenant: str = "drillbook-drill"  # writes go to "<drill_tenant>-<run id>"
    ledger_store: Store | None = field(default=None, repr=False)  # where the ledger of drill writes lives; None: memory
    holder: Holder | None = None  # who the ledger's lease names (operator, run id)


@dataclass(frozen=True)
class CheckBreach:
    """One schemathesis check that failed on one response."""

    check: str
    title: str
    detail: str


@dataclass(frozen=True)
class ContractFailure:
    """The first failing request of one operation, with what it takes to reproduce it."""

    operation: str
    mode: str
    example: int
    breaches: tuple[CheckBreach, ...]
    status: int | None
    response_excerpt: str
    curl: str


@dataclass
class OperationRun:
    """One operation under one generation mode (positive or negative data)."""

    operation: str
    mode: str
    examples: int = 0
    failure: ContractFailure | None = None
    out_of_time: bool = False
    note: str | None = None  # e.g. no negative data exists for an operation without inputs


@dataclass
class ContractReport:
    runs: list[OperationRun] = field(default_factory=list)
    skipped_writes: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    writes_tenant: str | None = None  # the drill tenant every write carried
    writes_created: int = 0
    writes_left: int = 0  # what cleanup could not remove (its ledger stays for the next run)
    swept: list[tuple[str, int, int]] = field(default_factory=list)  # earlier killed runs: (tenant, created, left)

    @property
    def failures(self) -> list[ContractFailure]:
        return [run.failure for run in self.runs if run.failure is not None]

    @property
    def examples(self) -> int:
        return sum(run.examples for run in self.runs)

    @property
    def operations(self) -> list[str]:
        return sorted({run.operation for run in self.runs})

    @property
    def untested(self) -> list[str]:
        """Operations that got no example at all because the time budget ran out."""
        tried = {run.operation for run in self.runs if run.examples or run.failure}
        return sorted({run.operation for run in self.runs if run.out_of_time} - tried)
