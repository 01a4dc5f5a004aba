"""`psguard baseline import FILE`: another scanner's ignore list or baseline, mapped onto
what psguard finds, added to psguard's baseline (stages/baseline_import)."""

from __future__ import annotations

import argparse
import json
import sys

from psguard.escape import terminal

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_LISTED = 20  # unmapped entries listed one a line; the rest are counted


def _say(text: str) -> None:
    print(terminal(text), file=sys.stderr)


def import_command(args: argparse.Namespace) -> int:
    from psguard.config import repo_root
    from psguard.outfile import write_file
    from psguard.pipeline import run_scan
    from psguard.readfile import BASELINE_LIMIT, MissingFileError, read_capped
    from psguard.request import ScanRequest
    from psguard.stages.baseline import DEFAULT_FILE, SCHEMA, parse_baseline
    from psguard.stages.baseline_import import merge_into, plan_import
    from psguard.stages.peers import detect_format, parse_peer
    from psguard.stages.policy import EXIT_CLEAN, EXIT_INCOMPLETE
    from psguard.version import __version__

    name = str(args.peer_file)
    try:  # a regular file under 16 MB (psguard.readfile), like a baseline
        raw = read_capped(args.peer_file, "import file", BASELINE_LIMIT)
    except MissingFileError:
        from psguard.errors import UsageError

        raise UsageError(f"{name}: no such file") from None
    fmt = args.peer or detect_format(raw, name)
    entries = parse_peer(raw, name, fmt)
    mode = args.mode or ("range" if args.rev_range or args.since else None)
    if mode is None:
        # a peer that scanned commits saw the history: so must psguard, to map it
        mode = "history" if any(e.commit for e in entries) else "worktree"
    top = repo_root(args.path)
    target = args.output or top / DEFAULT_FILE
    data: dict[str, Any] = {"schema": SCHEMA, "tool": f"psguard {__version__}", "mode": mode,
            "findings": []}
    if target.exists():
        current = read_capped(target, "baseline", BASELINE_LIMIT)
        parse_baseline(current, str(target))  # refuse to add to a broken file
        data = json.loads(current)
    _say(f"psguard: {len(entries)} {fmt} entr{'y' if len(entries) == 1 else 'ies'} read "
         f"from {name}; scanning the {mode} to match them")
    req = ScanRequest(path=args.path, mode=mode, rev_range=args.rev_range, since=args.since,
                      config=args.config, min_confidence=args.min_confidence,
                      no_cache=args.no_cache, no_repo_config=args.no_repo_config,
                      no_baseline=True)
    result = run_scan(req)
    plan = plan_import(entries, result.findings, fmt, top=top, scanned=args.path)
    keys, paths = merge_into(data, plan)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_file(target, text, what="baseline")  # never through a link (psguard.outfile)
    mapped = plan.read - len(plan.unmapped)
    print(terminal(f"psguard: imported {mapped} of {plan.read} {fmt} entries into "
                   f"{target}: {keys} new key(s), {paths} new path pattern(s)"))
    for where, reason in plan.unmapped[:MAX_LISTED]:
        _say(f"psguard: not imported: {where}: {reason}")
    if len(plan.unmapped) > MAX_LISTED:
        _say(f"psguard: not imported: {len(plan.unmapped) - MAX_LISTED} more entries")
    if plan.unmapped:
        _say(f"psguard: {len(plan.unmapped)} of {plan.read} entries not imported "
             "(psguard baselines Poolside keys only)"
             + ("; a key only in past commits is found with --history"
                if mode != "history" else ""))
    if not result.complete:
        _say("psguard: warning: the scan was incomplete; entries for keys in what it "
             "skipped were not matched")
        return EXIT_INCOMPLETE
    return EXIT_CLEAN
