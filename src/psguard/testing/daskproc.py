"""A real Dask cluster of separate processes on loopback, for tests and benchmarks:
`dask scheduler` and `dask worker` (their modules, run with this interpreter, so the
workers import the psguard under test), each worker without a nanny so that killing
its process kills the worker (a nanny would restart it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


class DaskProcesses:
    """A scheduler and `workers` single-threaded workers; `kill(i)` and `add_worker()`
    to lose one and replace it."""

    def __init__(self, folder: Path, workers: int = 2) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--scheduler-file", str(self.file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder, env=_env())
        self.address = self._wait_for_address()
        self.workers: list[subprocess.Popen[bytes]] = []
        for _ in range(workers):
            self.add_worker()

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.scheduler.poll() is not None:
                raise RuntimeError("dask scheduler exited")
            try:
                address: str = json.loads(self.file.read_text())["address"]
                return address
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise RuntimeError("dask scheduler did not start")

    def add_worker(self) -> subprocess.Popen[bytes]:
        n = len(self.workers)
        proc = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address,
             "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
             "--name", f"worker-{n}", "--local-directory", str(self.folder / f"w{n}")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.folder,
            env=_env())
        self.workers.append(proc)
        self.wait_for_workers(sum(1 for w in self.workers if w.poll() is None))
        return proc

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(n, timeout=120)

    def kill(self, index: int) -> int:
        """SIGKILL a worker (no goodbye to the scheduler); its process id."""
        proc = self.workers[index]
        proc.kill()
        proc.wait(timeout=30)
        return proc.pid

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers, self.scheduler]:
            # a worker whose scheduler went first may spend 30 s trying to reconnect:
            # nothing of its state matters once the tests are done with it
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


def _env() -> dict[str, str]:
    """This environment with PYTHONPATH made absolute: the processes run elsewhere and
    must import the same psguard as this one."""
    env = dict(os.environ)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in
                                            env["PYTHONPATH"].split(os.pathsep) if p)
    return env
