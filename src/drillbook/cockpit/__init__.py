"""The on-call engineer's cockpit: what drillbook can run, and what a run would do, without running it.

    drillbook list -m chaos --env staging              # every drill: section, severity, owner, footprint, duration
    drillbook plan -m "chaos or dr" --env production   # a dry run: would run / refused / skipped, and why
    drillbook options                                  # drillbook's own pytest options, grouped

Drills are collected in-process by pytest (``collect``) with drillbook's fixtures registered and none
run; what a drill touches, needs and changes is data (``footprints``). Nothing here resolves a secret
or opens a connection.
"""

from drillbook.cockpit.commands import add_commands

__all__ = ["add_commands"]
