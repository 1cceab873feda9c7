"""Make network access outside loopback impossible during tests.

Every socket connection to an address that is not loopback (or a Unix socket) raises, so no test
can reach real AWS or the internet, whatever a library does.
"""

from __future__ import annotations

import ipaddress
import socket

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class NetworkBlocked(RuntimeError):
    pass


def _is_allowed(address: object) -> bool:
    if isinstance(address, str | bytes):  # Unix socket path
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(original):  # type: ignore[no-untyped-def]
    def connect(self: socket.socket, address: object):  # type: ignore[no-untyped-def]
        if self.family != socket.AF_UNIX and not _is_allowed(address):
            raise NetworkBlocked(f"tests may not connect to {address!r} (only loopback)")
        return original(self, address)

    return connect


def install() -> None:
    socket.socket.connect = _guarded(_original_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(_original_connect_ex)  # type: ignore[method-assign]
