"""Talking to systemd: readiness and watchdog notifications, and whether journald keeps our logs.

`notify("READY=1")` sends one datagram to the AF_UNIX socket systemd names in $NOTIFY_SOCKET
(sd_notify(3)); a name starting with "@" is in the abstract namespace. Outside systemd there is
no socket and every call is a quiet no-op, so the daemon runs the same from a terminal.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send `message` (e.g. "READY=1") to systemd; False when not run by systemd or it failed."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # the abstract namespace: a leading NUL byte
    elif not address.startswith("/"):
        log.warning("ignoring NOTIFY_SOCKET: not a path or an abstract socket name")
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sender:
            sender.connect(address)
            sender.sendall(message.encode("utf-8"))
    except OSError as error:
        log.warning("cannot notify systemd: %s", error.strerror or error)
        return False
    return True


def watchdog_seconds() -> float | None:
    """The watchdog period systemd expects pings within (WatchdogSec=), or None when it is off."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None  # set for another process (we were started by a wrapper)
    return int(usec) / 1_000_000


def under_journald() -> bool:
    """True when systemd runs us, so journald already stamps every line with the time."""
    return bool(os.environ.get("JOURNAL_STREAM") or os.environ.get("INVOCATION_ID"))
