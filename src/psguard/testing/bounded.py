"""Run one call in a forked child under CPU-time and memory limits.

The fuzz tests hand every generated input to psguard through this: an input that makes
a parser loop for ever or allocate without bound fails the test (naming the limit)
instead of hanging CI or exhausting the machine. Limits are generous, orders of
magnitude above what a normal input needs: they catch blow-ups, they do not time code.
Linux/POSIX only (fork, resource limits), like the rest of the test suite.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import traceback
from collections.abc import Callable

CPU_SECONDS = 20
MEMORY_MB = 1024
# Wall time is not CPU time on a loaded machine: a child is killed only when it has
# not finished after this many times its CPU limit plus a minute (a blocked process).
WALL_FACTOR = 10
WALL_GRACE_SECONDS = 60


class BoundExceeded(AssertionError):
    """The call ran past its CPU-time or memory limit, or crashed its process."""


def _address_space() -> int:
    """This process's current virtual size in bytes (the child starts from it)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(func: Callable[[], object], write_fd: int, cpu: int, memory_mb: int) -> None:
    code = 0
    try:
        used = resource.getrusage(resource.RUSAGE_SELF)
        limit = int(used.ru_utime + used.ru_stime) + cpu
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
        size = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        func()
    except MemoryError:
        os.write(write_fd, b"MemoryError: the call needed more than the memory limit")
        code = 1
    except BaseException:  # every failure goes to the parent as text
        os.write(write_fd, traceback.format_exc().encode("utf-8", "replace")[-20_000:])
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int, pid: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], deadline)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            break
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def run_bounded(func: Callable[[], object], *, cpu_seconds: int = CPU_SECONDS,
                memory_mb: int = MEMORY_MB) -> None:
    """Call func() in a child process; re-raise its failure here as an AssertionError."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        _child(func, write_fd, cpu_seconds, memory_mb)
    os.close(write_fd)
    try:
        output = _read_all(read_fd, pid, cpu_seconds * WALL_FACTOR + WALL_GRACE_SECONDS)
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            raise BoundExceeded(f"the call ran past {cpu_seconds} s of CPU time")
        if sig == signal.SIGKILL:
            raise BoundExceeded("the call neither finished nor used its CPU time: blocked")
        raise BoundExceeded(f"the call crashed its process ({signal.Signals(sig).name})")
    if os.WEXITSTATUS(status) != 0:
        text = output.decode("utf-8", "replace")
        if text.startswith("MemoryError"):
            raise BoundExceeded(f"{text} ({memory_mb} MB)")
        raise AssertionError(f"in the bounded child:\n{text}")
