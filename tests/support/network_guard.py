"""Make network access outside loopback impossible during tests.

Every name lookup and socket connection for an address that is not loopback (or a Unix socket)
raises, so no test can reach real AWS or the internet through Python, whatever a library does.
"""

from __future__ import annotations

import ipaddress
import socket

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_original_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in (None, "", "localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_allowed(address: object) -> bool:
    if isinstance(address, str | bytes):  # Unix socket path
        return True
    return isinstance(address, tuple) and bool(address) and _is_loopback(address[0])


def _getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if not _is_loopback(host):
        raise NetworkBlocked(f"tests may not resolve {host!r} (only loopback)")
    return _original_getaddrinfo(host, *args, **kwargs)


def _guarded(original):  # type: ignore[no-untyped-def]
    def connect(self: socket.socket, address: object):  # type: ignore[no-untyped-def]
        if self.family != socket.AF_UNIX and not _is_allowed(address):
            raise NetworkBlocked(f"tests may not connect to {address!r} (only loopback)")
        return original(self, address)

    return connect


def install() -> None:
    socket.socket.connect = _guarded(_original_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(_original_connect_ex)  # type: ignore[method-assign]
    socket.getaddrinfo = _getaddrinfo
