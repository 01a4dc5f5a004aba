"""An audit start to finish: one task a repository on Dask, merge, verify once per key,
remediation, one AuditResult.

Raw keys come back from the workers only when they may travel (cluster.keys_may_travel);
then each unique key is verified here, once. Otherwise the workers send hashes and
redacted forms, and each key is verified on a worker, in the first repository that
holds it: still one request per key across the fleet.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from psguard.errors import UsageError
from psguard.fleet import cluster
from psguard.fleet.merge import merge, with_verification
from psguard.fleet.model import AuditResult
from psguard.fleet.task import RepoJob, TransientFetchError, failed, scan_repository
from psguard.models import Finding, Record, scrub_keys
from psguard.urls import scrub_credentials, strip_credentials


class AuditRequest(Record):
    __slots__ = ("sources", "mirror_dir", "scheduler", "workers", "keys_stay",
                 "min_confidence", "no_cache", "config", "verify", "endpoints",
                 "verify_timeout", "verify_deadline", "show_secrets", "exclude", "include",
                 "quiet", "report_only")

    def __init__(self, sources: list[str], mirror_dir: Path, *, scheduler: str | None = None,
                 workers: int | None = None, keys_stay: bool = False,
                 min_confidence: str | None = None, no_cache: bool = False,
                 config: Path | None = None, verify: bool = False,
                 endpoints: list[str] | None = None, verify_timeout: float | None = None,
                 verify_deadline: float | None = None, show_secrets: bool = False,
                 exclude: list[str] | None = None, include: list[str] | None = None,
                 quiet: bool = False, report_only: bool = False) -> None:
        self.sources = sources
        self.mirror_dir = mirror_dir
        self.scheduler = scheduler
        self.workers = workers
        self.keys_stay = keys_stay  # --keys-stay-on-workers
        self.min_confidence = min_confidence
        self.no_cache = no_cache
        self.config = config
        self.verify = verify
        self.endpoints: list[str] = endpoints or []
        self.verify_timeout = verify_timeout
        self.verify_deadline = verify_deadline
        self.show_secrets = show_secrets
        self.exclude: list[str] = exclude or []  # --exclude / --include, in every repository
        self.include: list[str] = include or []
        self.quiet = quiet  # --quiet: no progress bar
        self.report_only = report_only  # --exit-zero


def run_audit(req: AuditRequest) -> AuditResult:
    started = time.perf_counter()
    send_raw = cluster.keys_may_travel(req.scheduler) and not req.keys_stay
    if req.show_secrets and not send_raw:
        raise UsageError("--show-secrets needs the raw keys, which leave the workers only "
                         "over TLS or loopback: use a tls:// scheduler")
    sources = list(dict.fromkeys(req.sources))  # the same repository once
    jobs = [RepoJob(i, src, str(req.mirror_dir), min_confidence=req.min_confidence,
                    no_cache=req.no_cache, config=str(req.config) if req.config else None,
                    send_raw=send_raw, exclude=req.exclude, include=req.include)
            for i, src in enumerate(sources)]
    progress = _Progress(len(jobs)) if cluster.is_terminal() and not req.quiet else None
    with cluster.connect(req.scheduler, req.workers) as client:
        try:
            outcomes = cluster.run_all(client, scan_repository, jobs,
                                       on_result=progress.add if progress else _quiet,
                                       on_error=_failed_job)
        except KeyboardInterrupt:
            print("psguard: interrupted; run the same audit again to resume (mirrors and "
                  "blob caches are kept)", file=sys.stderr)
            raise
        finally:
            if progress:
                progress.stop()
        result = merge(outcomes)
        if req.verify and result.findings:
            result.findings = _verify(req, client, jobs, result.findings, send_raw)
    from psguard.stages.grouping import finding_order
    from psguard.stages.remediation import attach

    result.findings = sorted(attach(result.findings, show_secrets=req.show_secrets),
                             key=finding_order)
    result.stats.seconds = time.perf_counter() - started
    result.report_only = req.report_only
    return result


def _quiet(out: dict[str, Any]) -> None:
    pass


def _failed_job(job: RepoJob, exc: BaseException) -> dict[str, Any]:
    message = scrub_keys(scrub_credentials(str(exc)))
    if isinstance(exc, TransientFetchError):
        reason = "network"
    elif type(exc).__name__ == "KilledWorker":
        reason, message = "error", "its workers kept dying while reading it"
    else:
        reason = "error"
    return failed(job.index, strip_credentials(job.source), reason, message)


def _verify(req: AuditRequest, client: Any, jobs: list[RepoJob], findings: list[Finding],
            send_raw: bool) -> list[Finding]:
    """One verification request per key across the fleet."""
    if send_raw:
        from psguard.verify.run import VerifyRequest, verify_secrets

        statuses = verify_secrets([f.secret for f in findings], VerifyRequest(
            req.endpoints, timeout=req.verify_timeout, deadline=req.verify_deadline,
            no_cache=req.no_cache))
        by_hash = {f.sha256: statuses[f.secret].to_json() for f in findings
                   if f.secret in statuses}
        return with_verification(findings, by_hash)
    from psguard.fleet.task import verify_repository

    by_url = {job.url: job for job in jobs}
    wanted: dict[str, list[str]] = {}
    for f in findings:  # each key where it was first listed
        wanted.setdefault(getattr(f, "repositories", [""])[0], []).append(f.sha256)
    calls = [(verify_repository, (by_url[url], shas, req.endpoints, req.verify_timeout,
                                  req.verify_deadline)) for url, shas in wanted.items()]
    merged: dict[str, dict[str, Any]] = {}
    for part in cluster.run_each(client, calls):
        merged.update(part)
    return with_verification(findings, merged)


class _Progress:
    """Repositories done of total, bytes scanned, keys found, failures (rich, stderr)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.keys: set[str] = set()
        self.failures = 0
        self.bytes = 0
        self.bar = Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("repositories  {task.fields[info]}"), transient=True,
                            console=Console(stderr=True))  # the report owns stdout
        self.task = self.bar.add_task("audit", total=total, info="")
        self.bar.start()

    def add(self, out: dict[str, Any]) -> None:
        from psguard.report.describe import human_bytes

        self.keys.update(f["sha256"] for f in out["findings"])
        self.failures += out["status"] == "failed"
        self.bytes += out["stats"].get("bytes", 0)
        self.bar.update(self.task, advance=1, info=(
            f"{human_bytes(self.bytes)} scanned, {len(self.keys)} key(s), "
            f"{self.failures} failed"))

    def stop(self) -> None:
        self.bar.stop()
