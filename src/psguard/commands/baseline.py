"""`psguard baseline create|update`: scan, then record the findings (no raw key)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from psguard.commands.options import CONFIDENCES, Parser, add_target_options
from psguard.errors import UsageError
from psguard.escape import terminal
from psguard.stages.peers import FORMATS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.request import ScanRequest

DESCRIPTION = (
    "Scan like 'psguard scan' and write the findings (sha256 of each key and where it was "
    "seen; never a raw key) to a JSON baseline. 'psguard scan --baseline FILE' then reports "
    "only keys, or places, that are not in it.")
IMPORT_HELP = "bring in another scanner's ignore list or baseline"
IMPORT_DESCRIPTION = (
    "Import gitleaks' .gitleaksignore or JSON report, kingfisher's JSON report or baseline, "
    "detect-secrets' .secrets.baseline or ggshield's .gitguardian.yaml into psguard's "
    "baseline (created, or added to). psguard scans first (the history when FILE names "
    "commits, else the working tree; --staged, --history, --range choose): an entry "
    "becomes a baseline entry only when it is a Poolside key psguard finds; path "
    "patterns become path ignores; every entry that cannot be mapped is listed. No raw "
    "key is written. Exit codes: 0 imported, 2 usage error or unreadable FILE, 3 the "
    "scan was incomplete.")


def add_arguments(base: argparse.ArgumentParser) -> None:
    actions = base.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    for action, text in (("create", "write a new baseline (refuses to overwrite one)"),
                         ("update", "rewrite the baseline with today's findings")):
        _add_baseline_options(actions.add_parser(
            action, help=text, description=f"{DESCRIPTION} {text}."))
    imp = actions.add_parser("import", help=IMPORT_HELP, description=IMPORT_DESCRIPTION)
    imp.add_argument("peer_file", type=Path, metavar="FILE",
                     help="the other scanner's file: .gitleaksignore, a gitleaks or "
                          "kingfisher JSON report, a kingfisher baseline, a detect-secrets "
                          ".secrets.baseline, a ggshield .gitguardian.yaml")
    imp.add_argument("--from", dest="peer", choices=FORMATS,
                     help="which scanner wrote FILE (default: told from its name and shape)")
    _add_baseline_options(imp)


def _add_baseline_options(p: argparse.ArgumentParser) -> None:
    add_target_options(p, stdin=False)
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help="baseline file (default: .psguard-baseline.json at the "
                        "repository root)")
    p.add_argument("--config", type=Path, metavar="FILE", help="config file")
    p.add_argument("--no-repo-config", action="store_true",
                   help="ignore config files inside the scanned repository")
    p.add_argument("--min-confidence", choices=CONFIDENCES,
                   help="lowest confidence recorded (default: medium)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the caches")


def run(args: argparse.Namespace) -> int:
    from psguard.request import ScanRequest

    if args.action == "import":
        from psguard.commands.baseline_import import import_command

        return import_command(args)
    mode = args.mode or ("range" if args.rev_range or args.since else "worktree")
    req = ScanRequest(path=args.path, mode=mode, rev_range=args.rev_range, since=args.since,
                      config=args.config, min_confidence=args.min_confidence,
                      no_cache=args.no_cache, no_repo_config=args.no_repo_config,
                      no_baseline=True)
    return baseline_command(args.action, req, args.output)


def baseline_command(action: str, opts: ScanRequest, output: Path | None) -> int:
    """`psguard baseline create|update`: scan, then write the baseline file."""
    from psguard.config import repo_root
    from psguard.outfile import write_file
    from psguard.pipeline import run_scan
    from psguard.stages.baseline import DEFAULT_FILE, Baseline, build, load_baseline
    from psguard.stages.policy import EXIT_CLEAN, EXIT_INCOMPLETE

    if opts.mode == "stdin":
        raise UsageError("psguard baseline records a repository or directory, not stdin")
    top = repo_root(opts.path)
    target = output or top / DEFAULT_FILE
    if action == "create" and os.path.lexists(target):  # a dangling link exists too
        raise UsageError(f"{target} exists; use 'psguard baseline update' to refresh it")
    previous = Baseline()
    if action == "update" and target.exists():
        previous = load_baseline(target)
    result = run_scan(opts)
    data = build(result.findings, result.mode, top, opts.path)
    if previous.paths:  # imported path ignores are not findings: keep them
        data["paths"] = [{"pattern": p} for p in previous.paths]
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_file(target, text, what="baseline")  # never through a link (psguard.outfile)
    now = {(e["rule"], e["sha256"]) for e in data["findings"]}
    message = f"psguard: wrote {target}: {len(now)} key(s)"
    if action == "update":
        added, gone = len(now - set(previous.keys)), len(set(previous.keys) - now)
        message += f" ({added} new, {gone} no longer found)"
    print(terminal(message))
    try:
        shown = target.relative_to(top)
    except ValueError:
        shown = target
    print(terminal(f"psguard: scans report only what is not in it with --baseline {shown} "
                   f"(or baseline = \"{shown}\" in [tool.psguard] / .psguard.toml)"))
    if not result.complete:
        print("psguard: warning: the scan was incomplete; the baseline may miss keys",
              file=sys.stderr)
        return EXIT_INCOMPLETE
    return EXIT_CLEAN
