"""Where phones on the same network can reach this machine."""

from __future__ import annotations

import socket


def lan_address() -> str:
    """The machine's LAN IPv4 address, or 127.0.0.1 when it has none.

    Connecting a UDP socket sends no packet; it only asks the kernel which local address it
    would route from. The target is a documentation address (TEST-NET-1), never contacted.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    return address if not address.startswith("0.") else "127.0.0.1"
