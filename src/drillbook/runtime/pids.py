"""Process facts through psutil: whether a recorded process still runs, when it started, what it runs.

>>> started = process_started(pid)          # written beside the pid in an undo or a process-group record
>>> same_process(pid, started)             # later, maybe in another run: False once the pid was reused

psutil is imported on use: a smoke run that never looks at a process does not pay for it.
"""

from __future__ import annotations

# Two readings of one process' start time differ by whole seconds when the clock was stepped (psutil adds
# the boot time, which moves with the clock); a pid reused within this would need the pid space to wrap.
SAME_START_S = 1.5


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (killed, not yet reaped: kill(0) still answers) counts as gone."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # someone else's process: it exists
        return True


def process_started(pid: int) -> float | None:
    """When ``pid`` started (seconds since the epoch, to the clock tick); None when it is gone or a zombie."""
    import psutil

    try:
        process = psutil.Process(pid)
        return None if process.status() == psutil.STATUS_ZOMBIE else round(process.create_time(), 2)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def same_process(pid: int, started: object) -> bool:
    """Whether ``pid`` is still the process that started at ``started`` (a record of an older drillbook: no)."""
    if not isinstance(started, (int, float)) or isinstance(started, bool):
        return False
    now = process_started(pid)
    return now is not None and abs(now - started) < SAME_START_S


def command_line(pid: int) -> list[str]:
    """The process' arguments; empty when it is gone or not ours to read."""
    import psutil

    try:
        return psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []
