"""One scan, start to finish: read a source, then run the same stages for every source.

    source -> group by secret -> git facts -> suppress -> verify -> exposure
           -> remediation -> one ScanResult

Each stage takes findings and returns new ones; none changes what it was given.
"""

from __future__ import annotations

import sys
import time

from psguard.config import Config, load_policy_config
from psguard.engine.engine import Engine
from psguard.escape import terminal
from psguard.git.snapshot import Repository
from psguard.models import Finding, Origin, ScanResult, Status, scrub_keys
from psguard.request import Mode, ScanRequest
from psguard.rules.loader import load_rules
from psguard.sources.base import SourceInput, SourceResult
from psguard.sources.registry import read_source
from psguard.stages.grouping import finding_order, group_candidates
from psguard.stages.suppress import apply_suppressions
from psguard.stages.trusted import policy_source, touched_policy


def build_engine(config: Config) -> Engine:
    return Engine(load_rules(texts=config.rule_texts()), decode=config.decode)


def scan_buffer(data: bytes, *, min_confidence: str = "medium",
                origin: Origin | None = None) -> list[Finding]:
    """Findings in a byte string: the engine and grouping, no repository."""
    engine = build_engine(Config())
    cands = engine.scan_bytes(data, origin or Origin(kind="stdin"))
    findings, _ = group_candidates(cands, min_confidence)
    return findings


def request_config(req: ScanRequest) -> Config:
    """The config that governs this scan: --config, else the repository's own (unless
    --no-repo-config; never for stdin), read from the request's policy source (the
    work tree, or the trusted commit of a change: stages/trusted.py)."""
    config = load_policy_config(policy_source(req), req.config)
    for warning in config.warnings:
        print(f"psguard: warning: {terminal(scrub_keys(warning))}", file=sys.stderr)
    if req.exclude or req.include:  # --exclude / --include on the command line
        config.exclude = [*config.exclude, *req.exclude]
        config.include = list(req.include)
    return config


def run_scan(req: ScanRequest, repo: Repository | None = None) -> ScanResult:
    """repo: the repository at req.path when the caller has opened it already (a hook
    that read its snapshot first), so git is not asked the same things twice."""
    started = time.perf_counter()
    config = request_config(req)
    check_policy(req, config)
    repo = repo or Repository(req.path, known_pushed=req.known_pushed)
    req = _bare_means_history(req, repo)
    found = read_source(SourceInput(req, config, build_engine(config), repo))
    req, config, found, changes = _trusted_policy(req, config, found, repo)
    findings, inline = group_candidates(found.candidates,
                                        req.min_confidence or config.min_confidence,
                                        pre_existing=found.pre_existing)
    if findings and found.commit_facts is not None:
        from psguard.stages.git_facts import add_git_facts

        findings = add_git_facts(findings, found.commit_facts, repo.find())
    kept = apply_suppressions(findings, inline, req, config)  # no git calls when clean
    findings = _verify(req, config, kept.findings)
    if findings:
        findings = _locate_and_advise(findings, req, repo)
    result = ScanResult(mode=found.mode, target=found.target)
    result.findings = sorted(findings, key=finding_order)
    result.problems = [*found.problems, *kept.problems]
    result.stats = found.stats
    result.suppressed = kept.count
    result.suppressed_by = kept.by
    result.policy_from = config.policy.describe()
    result.policy_changes = changes
    result.report_only = req.report_only
    result.stats.seconds = time.perf_counter() - started
    return result


def _trusted_policy(req: ScanRequest, config: Config, found: SourceResult, repo: Repository
                    ) -> tuple[ScanRequest, Config, SourceResult, list[str]]:
    """The policy files the scanned change modifies. A commit being made that changes
    them is scanned again under HEAD's policy: a change never applies to itself (the
    clean path, which touches none, pays nothing)."""
    from psguard.stages.trusted import changed_policy, heads

    extra = (req.config, req.baseline)
    if found.changed_paths is None:
        return req, config, found, changed_policy(config, heads(req, config.policy), extra)
    if config.policy.commit is None:
        if not touched_policy(config, found.changed_paths, extra):
            return req, config, found, []
        head_req = req.replace(policy_from="HEAD")  # unborn: no file, no repository config
        head_config = request_config(head_req)
        changes = changed_policy(head_config, [""], extra, found.changed_paths)
        if not changes:
            return req, config, found, []
        found = read_source(SourceInput(head_req, head_config, build_engine(head_config),
                                        repo))
        return head_req, head_config, found, changes
    return req, config, found, changed_policy(config, [""], extra, found.changed_paths)


def check_policy(req: ScanRequest, config: Config) -> None:
    """A --fail-on that cannot block is a usage error, before anything is read."""
    from psguard.stages.policy import parse_fail_on, require_satisfiable

    statuses = parse_fail_on(req.fail_on)
    if Status.NOT_CHECKED in statuses:
        return  # the usual case: no need to ask whether verification is on
    from psguard.verify.run import user_enabled

    scanned = None if req.mode is Mode.STDIN else req.path
    require_satisfiable(statuses, req.verify or config.verify or user_enabled(scanned))


def _bare_means_history(req: ScanRequest, repo: Repository) -> ScanRequest:
    """A bare repository has no work tree: its history is all there is to scan (what
    `psguard scan --history` reads), and the report says so."""
    if req.mode is not Mode.WORKTREE or not req.path.is_dir():
        return req
    snap = repo.find()
    if snap is None or not snap.bare or snap.work_tree:
        return req
    print(f"psguard: {req.path} is a bare repository (no work tree): scanning its history, "
          "as --history does", file=sys.stderr)
    return req.replace(mode=Mode.HISTORY)


def _locate_and_advise(findings: list[Finding], req: ScanRequest, repo: Repository
                       ) -> list[Finding]:
    """Exposure (how far each key travelled), then remediation steps."""
    from psguard.stages.exposure import assess
    from psguard.stages.remediation import attach

    snapshot = None if req.mode is Mode.STDIN else repo.find()
    findings = assess(findings, mode=req.mode, snapshot=snapshot, scanned=req.path)
    if req.mode is Mode.REMOTE and req.url:  # advice names the repository, not the mirror
        findings = [_with_url(f, req.url) for f in findings]
    return attach(findings, show_secrets=req.show_secrets)


def _with_url(f: Finding, url: str) -> Finding:
    from psguard.models import ExposureDetail
    from psguard.urls import strip_credentials

    detail = (f.exposure_detail or ExposureDetail()).replace(url=strip_credentials(url))
    return f.replace(exposure_detail=detail)


def _verify(req: ScanRequest, config: Config, findings: list[Finding]) -> list[Finding]:
    """Opt-in: --verify, `verify = true` in the config, or the user config's [verify]."""
    if (not findings and not req.endpoints) or req.no_verify:
        return findings
    from psguard.verify.run import VerifyRequest, user_enabled, verify_findings

    scanned = None if req.mode is Mode.STDIN else req.path
    enabled = req.verify or config.verify or user_enabled(scanned)
    if req.endpoints and not enabled:
        print("psguard: warning: --endpoint has no effect without --verify", file=sys.stderr)
    if not (enabled and findings):
        return findings
    return verify_findings(findings, VerifyRequest(
        endpoints=req.endpoints, scanned_root=scanned, timeout=req.verify_timeout,
        deadline=req.verify_deadline, no_cache=req.no_cache))
