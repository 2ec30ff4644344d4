"""A socket guard, loaded by the interpreter at start-up: any connection or name lookup off loopback fails.

The cockpit promises to contact nothing; a run that tries raises here, and the test sees the traceback.
"""

import ipaddress
import socket

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def _loopback(host) -> bool:
    if host is None or host in LOOPBACK_NAMES or (isinstance(host, str) and host.endswith(".localhost")):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(what: str, host) -> None:
    raise ConnectionRefusedError(f"socket guard: {what} {host!r} is not loopback: the cockpit must contact nothing")


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse("connect to", address[0])
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse("connect to", address[0])
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _loopback(host.decode() if isinstance(host, bytes) else host):
        _refuse("name lookup of", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = (_guarded_connect, _guarded_connect_ex,
                                                                        _guarded_getaddrinfo)
