"""Dask distributed, the audit's engine: the only module that imports it.

With no address, an embedded LocalCluster sized to the machine (one single-threaded
worker process a core: each task reads its repository with one git reader, so the
cores go to different repositories). With `--scheduler tcp://HOST:PORT` or
`tls://…`, an existing cluster, through the same calls.

Dask reruns the tasks of a worker that dies (its results are not lost, they were never
made), and `retries=` reruns a task that raised (fleet/task.py raises only for network
failures).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from psguard.errors import UsageError

RETRIES = 2  # a network failure is tried three times in all


def keys_may_travel(address: str | None) -> bool:
    """Whether raw keys may cross between this process and the workers: only over TLS,
    or when the scheduler is on this machine's loopback (so are the workers that reach
    it), and always for the embedded cluster (None)."""
    if address is None:
        return True
    parts = urlsplit(address)
    if parts.scheme == "tls":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def _check_address(address: str) -> None:
    parts = urlsplit(address)
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or parts.port is None:
        raise UsageError(f"--scheduler {address!r}: expected tcp://HOST:PORT or "
                         "tls://HOST:PORT")


@contextmanager
def connect(address: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client: to the scheduler at address, or to an embedded LocalCluster."""
    logging.getLogger("distributed").setLevel(logging.ERROR)
    from distributed import Client, LocalCluster

    if address is not None:
        _check_address(address)
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"--scheduler {address}: cannot connect ({exc})") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or max(1, os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


Progress = Callable[[dict[str, Any]], None]


def run_all(client: Any, func: Callable[..., Any], jobs: list[Any], *,
            on_result: Progress, on_error: Callable[[Any, BaseException], dict[str, Any]],
            retries: int = RETRIES) -> list[dict[str, Any]]:
    """func(job) for every job, one task each; on_result sees each outcome as it comes.
    A task that failed for good (retries spent, or its workers kept dying) becomes
    on_error(job, exception)."""
    from distributed import as_completed

    futures = {client.submit(func, job, key=f"psguard-{func.__name__}-{job.index}-"
                                            f"{os.getpid()}-{id(jobs)}",
                             pure=False, retries=retries): job for job in jobs}
    results = []
    try:
        for future in as_completed(list(futures)):
            job = futures[future]
            try:
                out = future.result()
            except Exception as exc:  # raised on the worker, or KilledWorker
                out = on_error(job, exc)
            results.append(out)
            on_result(out)
    except KeyboardInterrupt:
        client.cancel(list(futures))
        raise
    return results


def run_each(client: Any, calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]
             ) -> list[Any]:
    """Run each (func, args) as a task and return the results in order (errors raise)."""
    futures = [client.submit(func, *args, pure=False, retries=RETRIES)
               for func, args in calls]
    return list(client.gather(futures))


def is_terminal() -> bool:
    return sys.stderr.isatty()
