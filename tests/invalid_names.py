"""Names under ``.invalid`` fail to resolve at once, here, as every resolver must answer them (RFC 6761 §6.4).

glibc would still ask the nameserver in /etc/resolv.conf (strace shows the UDP query leave); answering
here keeps a test of "the name did not resolve" on this machine. In a test: the ``invalid_names``
fixture; in a drill run: ``-p invalid_names`` (with tests/ on PYTHONPATH).

    def test_x(invalid_names):
        httpx.get(f"http://{UNRESOLVABLE}/")      # httpx.ConnectError: Name or service not known
"""

from __future__ import annotations

import socket
from typing import Callable

import pytest

UNRESOLVABLE = "castiel-drill.invalid"


def refuse_invalid_names() -> Callable[[], None]:
    """Answer every ``.invalid`` name with the resolver's own "not known"; returns the undo."""
    resolve = socket.getaddrinfo

    def answer(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name.rstrip(".").lower().endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    socket.getaddrinfo = answer
    return lambda: setattr(socket, "getaddrinfo", resolve)


def pytest_configure(config: pytest.Config) -> None:
    refuse_invalid_names()  # the drill run's own process, for its whole life


@pytest.fixture
def invalid_names():
    undo = refuse_invalid_names()
    yield UNRESOLVABLE
    undo()
