"""Faults with an undo: one module per injector, chosen through a registry.

Every fault plans its undo first (plain JSON, no secrets), the undo goes to
the store (under a lease its drill renews), and only then is the fault
applied; ``revert_undo`` needs nothing but that record, so a later run on any
machine can replay it once the lease has run out.

>>> fault = create_fault("dependency", url=sandbox_url, dependency="redis", action="stop")
>>> with applied(fault, UndoJournal(Path("reports/journal"))):
...     observe()                                    # reverted here, on error, SIGINT and SIGTERM

The sandbox's faults go through its fault control (``sandbox``, ``process``);
the Azure faults through the management SDKs (``app_service``, ``azure_redis``,
``chaos_studio``, ``cosmos_restore``, sharing ``arm``), imported only when chosen.
"""

from drillbook.faults.apply import applied
from drillbook.faults.registry import FAULTS, Fault, create_fault, fault_class, revert_undo
from drillbook.faults.undo import UNDO_FILE, UndoJournal, replay_pending

__all__ = ["FAULTS", "UNDO_FILE", "Fault", "UndoJournal", "applied", "create_fault", "fault_class", "replay_pending",
           "revert_undo"]
