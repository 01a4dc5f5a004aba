"""Suppression after grouping: the `.psguardignore` file and the baseline.

`.psguardignore` sits at the repository root (the scanned directory outside git). One
finding id a line, as printed by every report (JSON `id`, `Finding.fingerprint`), with
an optional reason after `#`:

    3f9c0a1b2c3d4e5f6a7b  # test fixture, key revoked 2026-05-01

Blank lines and lines starting with `#` are comments. An id that matches no finding of a
working-tree or history scan is reported as stale (a problem of kind `stale-ignore`, which
does not make the scan incomplete); staged, range and stdin scans see only part of the
repository, so they do not judge staleness. A line that is not an id is reported as a
warning. With --no-repo-config the file is not read (audits of untrusted repositories).
"""

from __future__ import annotations

import re
from pathlib import Path

from psguard.config import repo_root
from psguard.models import Finding, FrozenRecord, Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.pipeline import ScanContext

IGNORE_FILE = ".psguardignore"
_ID_RE = re.compile(r"^[0-9a-f]{20}$")
STALE_MODES = ("worktree", "history")


class IgnoreEntry(FrozenRecord):
    __slots__ = ("fingerprint", "reason", "line")

    def __init__(self, fingerprint: str, reason: str | None, line: int) -> None:
        self.fingerprint = fingerprint
        self.reason = reason
        self.line = line


def parse_ignore(text: str, where: str) -> tuple[list[IgnoreEntry], list[Problem]]:
    entries: list[IgnoreEntry] = []
    problems: list[Problem] = []
    for n, raw in enumerate(text.splitlines(), 1):
        body, _, reason = raw.partition("#")
        body = body.strip().lower()
        if not body:
            continue
        if not _ID_RE.match(body):
            problems.append(Problem("warning", f"{where}:{n}",
                                    "not a finding id (expected 20 hex characters, as "
                                    "printed in reports); line ignored", incomplete=False))
            continue
        entries.append(IgnoreEntry(body, reason.strip() or None, n))
    return entries, problems


def apply_ignore_file(findings: list[Finding], root: Path, *, judge_stale: bool
                      ) -> tuple[list[Finding], int, list[Problem]]:
    """Findings not ignored, how many were, and problems (stale or malformed lines)."""
    path = root / IGNORE_FILE
    if not path.is_file():
        return findings, 0, []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return findings, 0, [Problem("warning", str(path),
                                     f"cannot read: {exc.strerror}", incomplete=False)]
    entries, problems = parse_ignore(text, IGNORE_FILE)
    wanted = {e.fingerprint for e in entries}
    kept = [f for f in findings if f.fingerprint not in wanted]
    if judge_stale:
        found = {f.fingerprint for f in findings}
        for e in entries:
            if e.fingerprint not in found:
                problems.append(Problem(
                    "stale-ignore", f"{IGNORE_FILE}:{e.line}",
                    f"{e.fingerprint} matches no finding in this scan; remove the line if "
                    "the key is gone", incomplete=False))
    return kept, len(findings) - len(kept), problems


def apply_suppressions(ctx: ScanContext) -> None:
    """Ignore file, then baseline: drop what they cover, count it in result.suppressed."""
    result = ctx.result
    opts = ctx.options
    mode = opts.mode
    counts = result.suppressed_by
    if result.suppressed:
        counts["inline"] = result.suppressed  # grouping counted the inline allow markers
    baseline_path = None if opts.no_baseline else (opts.baseline or ctx.config.baseline)
    if mode != "stdin":
        judge = mode in STALE_MODES
        if (result.findings or judge) and not opts.no_repo_config:
            root = repo_root(ctx.root)
            kept, n, problems = apply_ignore_file(result.findings, root, judge_stale=judge)
            result.findings = kept
            result.suppressed += n
            if n:
                counts["ignore-file"] = n
            result.problems.extend(problems)
    if baseline_path is not None:
        from psguard.stages.baseline import apply_baseline, load_baseline

        base = load_baseline(baseline_path)  # a missing or broken file is an error, always
        if not result.findings:
            return
        top = None if mode == "stdin" else repo_root(ctx.root)
        result.findings, n = apply_baseline(result.findings, base, top=top, scanned=ctx.root)
        result.suppressed += n
        if n:
            counts["baseline"] = n
