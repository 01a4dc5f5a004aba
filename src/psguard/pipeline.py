"""What each command does, given parsed options. cli.py only parses."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from psguard.config import Config, load_config, repo_root
from psguard.engine.engine import Engine
from psguard.errors import UsageError
from psguard.models import Candidate, Finding, Origin, Record, ScanResult, scrub_keys
from psguard.rules.loader import load_rules
from psguard.stages.grouping import group_candidates
from psguard.stages.policy import exit_code, parse_fail_on


class ScanOptions(Record):
    __slots__ = ("path", "mode", "rev_range", "since", "fmt", "output", "verify", "endpoints",
                 "show_secrets", "baseline", "config", "min_confidence", "fail_on", "no_cache",
                 "no_repo_config", "no_baseline", "verify_timeout", "verify_deadline")

    def __init__(self, *, path: Path = Path("."), mode: str = "worktree",
                 rev_range: str | None = None, since: str | None = None, fmt: str = "text",
                 output: Path | None = None, verify: bool = False,
                 endpoints: list[str] | None = None, show_secrets: bool = False,
                 baseline: Path | None = None, config: Path | None = None,
                 min_confidence: str | None = None, fail_on: list[str] | None = None,
                 no_cache: bool = False, no_repo_config: bool = False,
                 no_baseline: bool = False, verify_timeout: float | None = None,
                 verify_deadline: float | None = None) -> None:
        self.path = path
        self.mode = mode  # worktree | staged | range | history | stdin | (hooks' modes)
        self.rev_range = rev_range
        self.since = since
        self.fmt = fmt
        self.output = output
        self.verify = verify
        self.endpoints: list[str] = endpoints or []
        self.show_secrets = show_secrets
        self.baseline = baseline
        self.config = config
        self.min_confidence = min_confidence
        self.fail_on: list[str] = fail_on or []
        self.no_cache = no_cache
        self.no_repo_config = no_repo_config
        self.no_baseline = no_baseline  # `psguard baseline`: ignore the config's baseline
        self.verify_timeout = verify_timeout  # seconds, per request (connect and read)
        self.verify_deadline = verify_deadline  # seconds, for the whole verification


class ScanContext(Record):
    """What a source needs: where, with which engine and settings; where to report."""

    __slots__ = ("options", "config", "engine", "root", "result", "candidates", "finalizers")

    def __init__(self, options: ScanOptions, config: Config, engine: Engine, root: Path,
                 result: ScanResult) -> None:
        self.options = options
        self.config = config
        self.engine = engine
        self.root = root
        self.result = result
        self.candidates: list[Candidate] = []
        # Run after grouping, before verification (git sources: first commit, pre-existing).
        self.finalizers: list[Callable[[ScanContext], None]] = []


def build_engine(config: Config) -> Engine:
    return Engine(load_rules(config.rules), decode=config.decode)


def scan_buffer(data: bytes, *, min_confidence: str = "medium",
                origin: Origin | None = None) -> list[Finding]:
    engine = build_engine(Config())
    cands = engine.scan_bytes(data, origin or Origin(kind="stdin"))
    findings, _ = group_candidates(cands, min_confidence)
    return findings


def _scan_worktree(ctx: ScanContext) -> None:
    from psguard.sources.worktree import list_files, scan_files

    if not ctx.root.exists():
        raise UsageError(f"{ctx.root}: no such file or directory")
    if ctx.root.is_file():
        listing_paths, base = [ctx.root.name], ctx.root.parent
    else:
        listing = list_files(ctx.root)
        listing_paths, base = listing.paths, ctx.root
    scanned = scan_files(base, ctx.config.not_excluded(listing_paths, base),
                         ctx.config.max_file_size, ctx.engine)
    ctx.result.stats.files += scanned.files
    ctx.result.stats.bytes += scanned.bytes
    ctx.result.problems.extend(scanned.problems)
    ctx.candidates.extend(scanned.candidates)


def _scan_stdin(ctx: ScanContext) -> None:
    data = sys.stdin.buffer.read()
    ctx.result.stats.bytes = len(data)
    ctx.candidates.extend(ctx.engine.scan_bytes(data, Origin(kind="stdin"), ctx.result.problems))


def _lazy(target: str) -> Callable[[ScanContext], None]:
    """A source in another module, imported only when its mode runs (the pre-commit
    hook's clean path must not pay for history scanning)."""
    module_name, func_name = target.split(":")

    def run(ctx: ScanContext) -> None:
        from importlib import import_module

        getattr(import_module(module_name), func_name)(ctx)

    return run


# mode -> source: a function that appends candidates to ctx and updates its result.
SOURCES: dict[str, Callable[[ScanContext], None]] = {
    "worktree": _scan_worktree,
    "stdin": _scan_stdin,
    "staged": _lazy("psguard.sources.staged:scan_staged"),
    "range": _lazy("psguard.sources.revrange:scan_range"),
    "history": _lazy("psguard.sources.history:scan_history"),
    # The hooks' own modes (pre-push revisions, a commit message, named files).
    "revs": _lazy("psguard.sources.hooks:scan_revs"),
    "commit-msg": _lazy("psguard.sources.hooks:scan_message"),
    "files": _lazy("psguard.sources.hooks:scan_named_files"),
}


def run_scan(opts: ScanOptions) -> ScanResult:
    started = time.perf_counter()
    root = opts.path
    if opts.no_repo_config or opts.mode == "stdin":
        config = load_config(None, opts.config)
    else:
        config = load_config(repo_root(root), opts.config)
    for warning in config.warnings:
        print(f"psguard: warning: {scrub_keys(warning)}", file=sys.stderr)
    engine = build_engine(config)
    target = "<stdin>" if opts.mode == "stdin" else str(root)
    result = ScanResult(mode=opts.mode, target=target)
    ctx = ScanContext(opts, config, engine, root, result)
    source = SOURCES.get(opts.mode)
    if source is None:
        raise UsageError(f"scan mode {opts.mode!r} is not available")
    source(ctx)
    min_conf = opts.min_confidence or config.min_confidence
    result.findings, result.suppressed = group_candidates(ctx.candidates, min_conf)
    for finish in ctx.finalizers:
        finish(ctx)
    from psguard.stages.suppress import apply_suppressions

    apply_suppressions(ctx)  # .psguardignore and baseline; no git calls on a clean run
    _verify(opts, config, result)
    if result.findings:
        _locate_and_advise(ctx)
    result.stats.seconds = time.perf_counter() - started
    return result


def _locate_and_advise(ctx: ScanContext) -> None:
    """Exposure (how far each key travelled), then remediation steps (issue 6)."""
    from psguard.git.snapshot import try_snapshot
    from psguard.stages.exposure import assess
    from psguard.stages.grouping import finding_order
    from psguard.stages.remediation import attach

    mode = ctx.options.mode
    # Exposure opens its own snapshot until the run's one is passed down to it.
    snapshot = None if mode == "stdin" else try_snapshot(ctx.root)
    ctx.result.findings = assess(ctx.result.findings, mode=mode, snapshot=snapshot,
                                 scanned=ctx.root)
    attach(ctx.result.findings, show_secrets=ctx.options.show_secrets)
    ctx.result.findings.sort(key=finding_order)


def _verify(opts: ScanOptions, config: Config, result: ScanResult) -> None:
    """Opt-in: --verify, `verify = true` in the config, or the user config's [verify]."""
    if not result.findings and not opts.endpoints:
        return
    from psguard.verify.run import VerifyRequest, user_enabled, verify_findings

    scanned = None if opts.mode == "stdin" else opts.path
    enabled = opts.verify or config.verify or user_enabled(scanned)
    if opts.endpoints and not enabled:
        print("psguard: warning: --endpoint has no effect without --verify", file=sys.stderr)
    if enabled and result.findings:
        verify_findings(result.findings, VerifyRequest(
            endpoints=opts.endpoints, scanned_root=scanned, timeout=opts.verify_timeout,
            deadline=opts.verify_deadline, no_cache=opts.no_cache))


def use_color(output: Path | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def scan_command(opts: ScanOptions) -> int:
    """`psguard scan`: run, write the report, return the exit code."""
    from psguard.report import render

    fail_on = parse_fail_on(opts.fail_on)
    result = run_scan(opts)
    text = render(opts.fmt, result, show_secrets=opts.show_secrets,
                  color=use_color(opts.output))
    write_report(text, opts.output)
    return exit_code(result, fail_on)


def write_report(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {output}: {exc.strerror}") from None
