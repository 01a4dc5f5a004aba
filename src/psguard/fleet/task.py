"""The work of one audit task, on a Dask worker (or any process): one repository.

`scan_repository` mirrors and scans one repository with the ordinary pipeline
(verification left out: the audit verifies once per key across the fleet) and returns
plain data: dicts, lists and strings, nothing that needs psguard to unpickle. Raw keys
are in it only when the job says they may leave the worker (`send_raw`); otherwise
each finding carries its hash, fingerprint and redacted form alone, and
`verify_repository` checks keys where they were found.

Both are idempotent: a task rerun after its worker died finds the mirror either
absent (a first clone is renamed into place only when complete) or complete, and the
blob cache makes the rerun read only what the dead run had not recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from psguard.errors import NotARepositoryError, PsguardError
from psguard.git.mirror import MirrorError, classify, mirror_path
from psguard.models import Finding, Record, ScanResult, scrub_keys
from psguard.request import Mode, ScanRequest
from psguard.urls import is_remote, scrub_credentials, strip_credentials


class TransientFetchError(Exception):
    """A network failure: raised so that Dask retries the task (`retries=`)."""


class RepoJob(Record):
    """One repository to audit, and how (plain values: it travels to a worker)."""

    __slots__ = ("index", "source", "mirror_dir", "min_confidence", "no_cache", "config",
                 "send_raw", "exclude", "include")

    def __init__(self, index: int, source: str, mirror_dir: str, *,
                 min_confidence: str | None = None, no_cache: bool = False,
                 config: str | None = None, send_raw: bool = True,
                 exclude: list[str] | None = None, include: list[str] | None = None) -> None:
        self.index = index  # its place in the audit's list: results merge in this order
        self.source = source  # a URL (credentials and all: git alone sees it) or a path
        self.mirror_dir = mirror_dir
        self.min_confidence = min_confidence
        self.no_cache = no_cache
        self.config = config  # the auditor's --config, never one inside a repository
        self.send_raw = send_raw
        self.exclude: list[str] = exclude or []  # the auditor's --exclude / --include
        self.include: list[str] = include or []

    @property
    def url(self) -> str:
        """The repository as every report names it: credentials stripped."""
        return strip_credentials(self.source)


def request_for(job: RepoJob) -> ScanRequest:
    remote = is_remote(job.source)
    path = mirror_path(job.source, Path(job.mirror_dir)) if remote else Path(job.source)
    return ScanRequest(path=path, mode=Mode.REMOTE if remote else Mode.HISTORY,
                       url=job.source if remote else None, fmt="json",
                       min_confidence=job.min_confidence, no_cache=job.no_cache,
                       config=Path(job.config) if job.config else None,
                       no_repo_config=True, jobs=1, no_verify=True,
                       exclude=job.exclude, include=job.include)


def scan_repository(job: RepoJob) -> dict[str, Any]:
    """The Dask task: one repository's outcome as plain data. A network failure raises
    TransientFetchError (retried); other failures are returned as status `failed`."""
    from psguard.pipeline import run_scan

    try:
        result = run_scan(request_for(job))
    except MirrorError as exc:
        if exc.transient:
            raise TransientFetchError(str(exc)) from None
        return failed(job.index, job.url, exc.reason, exc.detail)
    except NotARepositoryError as exc:
        return failed(job.index, job.url, "not found", _clean(str(exc)))
    except PsguardError as exc:  # git could not read it: say what git said
        message = _clean(str(exc))
        return failed(job.index, job.url, classify(message), message)
    return outcome(job, result)


def failed(index: int, url: str, reason: str, message: str | None) -> dict[str, Any]:
    return {"index": index, "url": url, "status": "failed", "detail": reason,
            "message": message, "stats": {}, "problems": [], "findings": []}


def outcome(job: RepoJob, result: ScanResult) -> dict[str, Any]:
    s = result.stats
    return {
        "index": job.index, "url": job.url,
        "status": "scanned" if result.complete else "incomplete",
        "detail": None if result.complete else "some content could not be read",
        "message": None,
        "stats": {"blobs": s.blobs, "bytes": s.bytes, "commits": s.commits,
                  "seconds": round(s.seconds, 3)},
        "problems": [{"kind": p.kind, "target": _clean(p.target), "detail": _clean(p.detail),
                      "incomplete": p.incomplete} for p in result.problems],
        "findings": [finding_data(f, job.send_raw) for f in result.findings],
    }


def finding_data(f: Finding, send_raw: bool) -> dict[str, Any]:
    detail = f.exposure_detail
    return {
        "rule": f.rule, "confidence": f.confidence,
        "secret": f.secret if send_raw else None,
        "sha256": f.sha256, "fingerprint": f.fingerprint, "redacted": f.redacted,
        "exposure": f.exposure,
        "exposure_detail": None if detail is None else {
            name: getattr(detail, name) for name in detail._fields},
        "first_seen": f.first_seen, "refs": list(f.refs),
        "present_at_head": f.present_at_head, "notes": list(f.notes),
        "locations": [{
            "kind": str(c.origin.kind), "path": c.origin.path, "commit": c.origin.commit,
            "blob": c.origin.blob, "author": c.origin.author, "date": c.origin.date,
            "decoded_from": c.origin.decoded_from, "line": c.line, "column": c.column,
            "offset": c.offset, "end": c.end, "masked_line": c.masked_line, "more": c.more,
        } for c in f.candidates],
    }


def verify_repository(job: RepoJob, wanted: list[str], endpoints: list[str],
                      timeout: float | None, deadline: float | None
                      ) -> dict[str, dict[str, Any]]:
    """Where raw keys stay on the workers: scan the repository again (its mirror and
    blob cache make that cheap) and verify the keys whose hashes are wanted, here.
    Returns sha256 -> verification (status, endpoint, detail)."""
    from psguard.pipeline import run_scan
    from psguard.verify.run import VerifyRequest, verify_secrets

    req = request_for(job)
    try:
        result = run_scan(req)
    except PsguardError as exc:
        return {sha: {"status": "unknown", "endpoint": None,
                      "detail": f"could not read the repository again: {_clean(str(exc))}"}
                for sha in wanted}
    by_hash = {f.sha256: f.secret for f in result.findings if f.sha256 in set(wanted)}
    statuses = verify_secrets(list(by_hash.values()), VerifyRequest(
        endpoints, scanned_root=req.path, timeout=timeout, deadline=deadline))
    out = {sha: statuses[secret].to_json() for sha, secret in by_hash.items()}
    for sha in wanted:
        out.setdefault(sha, {"status": "unknown", "endpoint": None,
                             "detail": "the key was not found again in this repository"})
    return out


def _clean(text: str) -> str:
    return scrub_keys(scrub_credentials(text))
