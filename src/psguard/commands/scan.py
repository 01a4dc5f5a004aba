"""`psguard scan`: read one source, write the report, exit with the policy's code."""

from __future__ import annotations

import argparse
from pathlib import Path

from psguard.commands.options import (
    add_mirror_option,
    add_scan_options,
    add_target_options,
    mirror_dir,
    verify_kwargs,
)
from psguard.errors import UsageError

DESCRIPTION = ("Scan for Poolside API keys. Exit codes: 0 nothing to report, 1 findings "
               "that block, 2 usage or configuration error, 3 incomplete scan.")


def add_arguments(scan: argparse.ArgumentParser) -> None:
    add_target_options(scan, stdin=True, remote=True)
    add_mirror_option(scan)
    scan.add_argument("--no-cache", action="store_true",
                      help="do not read or write the caches (history blobs, verification "
                           "results)")
    add_scan_options(scan)
    scan.add_argument("--baseline", type=Path, metavar="FILE",
                      help="report only findings not recorded in this baseline "
                           "(see 'psguard baseline')")


def run(args: argparse.Namespace) -> int:
    from psguard.pipeline import run_scan
    from psguard.report import render
    from psguard.report.output import use_color, write_report
    from psguard.request import ScanRequest
    from psguard.stages.policy import exit_code, parse_fail_on

    mode = args.mode or ("range" if args.rev_range or args.since else "worktree")
    path, url = _target(args.path, mode, args.mirror_dir)
    req = ScanRequest(
        path=path, url=url, mode="remote" if url else mode, rev_range=args.rev_range,
        since=args.since, fmt=args.fmt,
        output=args.output, show_secrets=args.show_secrets, config=args.config,
        min_confidence=args.min_confidence, fail_on=args.fail_on, no_cache=args.no_cache,
        no_repo_config=args.no_repo_config, baseline=args.baseline,
        **verify_kwargs(args),  # type: ignore[arg-type]
    )
    fail_on = parse_fail_on(req.fail_on)
    result = run_scan(req)
    text = render(req.fmt, result, show_secrets=req.show_secrets,
                  color=use_color(req.output))
    write_report(text, req.output)
    return exit_code(result, fail_on)


def _target(given: str, mode: str, mirrors: Path | None) -> tuple[Path, str | None]:
    """A local path, or a URL and its mirror's directory (only for --history)."""
    from psguard.urls import is_remote, strip_credentials

    if not is_remote(given):
        return Path(given), None
    if mode != "history":
        raise UsageError(f"{strip_credentials(given)} is a URL: only its history can be "
                         "scanned (add --history)")
    from psguard.git.mirror import check_url, mirror_path

    check_url(given)
    return mirror_path(given, mirror_dir(mirrors)), given
