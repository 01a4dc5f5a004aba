"""The long-lived git processes this process started (readers, walks): what a SIGTERM
must stop before psguard exits, so that none runs on for a scan nobody waits for."""

from __future__ import annotations

import subprocess
import weakref

_LIVE: weakref.WeakSet[subprocess.Popen[bytes]] = weakref.WeakSet()


def track(proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    _LIVE.add(proc)
    return proc


def stop_children() -> None:
    """Kill the tracked git processes that still run."""
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()
