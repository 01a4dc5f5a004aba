"""`psguard scan`: read one source, write the report, exit with the policy's code."""

from __future__ import annotations

import sys
from pathlib import Path

from psguard.commands.namespace import convention_kwargs, mirror_dir, verify_kwargs
from psguard.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from psguard.models import Finding

DESCRIPTION = ("Scan for Poolside API keys. Exit codes: 0 nothing to report, 1 findings "
               "that block, 2 usage or configuration error, 3 incomplete scan.")


def add_arguments(scan: argparse.ArgumentParser) -> None:
    from psguard.commands.options import (
        add_convention_options,
        add_mirror_option,
        add_scan_options,
        add_target_options,
    )

    add_target_options(scan, stdin=True, remote=True)
    add_mirror_option(scan)
    scan.add_argument("--no-cache", action="store_true",
                      help="do not read or write the caches (history blobs, verification "
                           "results)")
    add_scan_options(scan)
    add_convention_options(scan)
    scan.add_argument("--write-replacements", type=Path, metavar="FILE",
                      help="also write a git filter-repo --replace-text file covering "
                           "every key found, plain, hex and base64, for one history "
                           "rewrite (it holds the raw keys: needs --show-secrets)")
    scan.add_argument("--explain", action="store_true",
                      help="text and Markdown reports: every step for every key (by "
                           "default several pushed keys share one rewrite procedure, "
                           "printed once)")
    scan.add_argument("--baseline", type=Path, metavar="FILE",
                      help="report only findings not recorded in this baseline "
                           "(see 'psguard baseline')")


def run(args: argparse.Namespace) -> int:
    from psguard.pipeline import run_scan
    from psguard.report.output import deliver, report_only_exit
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
        **verify_kwargs(args), **convention_kwargs(args),  # type: ignore[arg-type]
    )
    fail_on = parse_fail_on(req.fail_on)
    if args.write_replacements is not None and not args.show_secrets:
        raise UsageError("--write-replacements writes the raw keys (an encoded key is the "
                         "key): pass --show-secrets to confirm")
    result = run_scan(req)
    if args.write_replacements is not None:
        _write_replacements(args.write_replacements, result.findings, quiet=args.quiet)
    deliver(result, req.fmt, req.output, show_secrets=req.show_secrets, quiet=args.quiet,
            verbose=args.verbose, explain=args.explain)
    return report_only_exit(exit_code(result, fail_on), result)


def _write_replacements(path: Path, findings: list[Finding], *, quiet: bool) -> None:
    """The replacements file, created readable only by its owner (it holds keys)."""
    from psguard.outfile import write_file
    from psguard.stages.rewrite import replacements_text

    text = replacements_text(findings)
    # never through a link, created 0600: the file holds the raw keys
    write_file(path, text, what="--write-replacements", private=True)
    if not quiet:
        print(f"psguard: wrote {text.count(chr(10))} replacement(s) for {len(findings)} "
              f"key(s) to {path}; it holds the raw keys: delete it after the rewrite",
              file=sys.stderr)


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
