"""``[servicebus]``: the queue checks on Azure Service Bus."""

from __future__ import annotations

from drillbook.config.model import Reference, Section, Text, TextList, Whole, setting


class ServiceBusSection(Section):
    """The namespace (or a connection string), the queues to read and the dead letters allowed."""

    namespace: Text | None = setting(None, '"sb-castiel-prod.servicebus.windows.net"',
                                     "the namespace, signed in with the Azure identity")
    connection_string: Reference | None = setting(None, '{ env = "CASTIEL_SERVICEBUS_CONNECTION" }',
                                                  "a connection string instead of the Azure identity")
    queues: TextList = setting((), '["embedding-jobs"]', "the queues whose depth is judged")
    max_dead_letters: Whole = setting(0, "0", "dead-lettered messages allowed per queue")
