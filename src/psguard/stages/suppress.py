"""Suppression after grouping: the `.psguardignore` file and the baseline.

`.psguardignore` sits at the repository root (the scanned directory outside git). One
finding id a line, as printed by every report (JSON `id`, `Finding.fingerprint`), with
an optional reason after `#`:

    3f9c0a1b2c3d4e5f6a7b  # test fixture, key revoked 2026-05-01

Blank lines and lines starting with `#` are comments. An id that matches no finding of a
working-tree or history scan is reported as stale (a problem of kind `stale-ignore`, which
does not make the scan incomplete); staged, range and stdin scans see only part of the
repository, so they do not judge staleness. A line that is not an id is reported as a
warning. With --no-repo-config the file is not read (audits of untrusted repositories);
a gate reads it from the trusted commit of the change (config.PolicySource).
It is read only if it is a regular file of at most 1 MB (psguard.readfile): one that
exists but is not (a FIFO, a device, a directory) is an error, exit 2.
"""

from __future__ import annotations

import re
from pathlib import Path

from psguard.config import IGNORE_FILE, Config, PolicySource, repo_root
from psguard.errors import ConfigError
from psguard.models import Finding, FrozenRecord, Problem, Record
from psguard.readfile import BASELINE_LIMIT, MissingFileError
from psguard.request import Mode, ScanRequest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.stages.baseline import Baseline

__all__ = ["IGNORE_FILE", "apply_ignore_file", "apply_suppressions", "parse_ignore"]
_ID_RE = r"^[0-9a-f]{20}$"  # compiled at first use (re caches it): most runs have none
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
        if not re.match(_ID_RE, body):
            problems.append(Problem("warning", f"{where}:{n}",
                                    "not a finding id (expected 20 hex characters, as "
                                    "printed in reports); line ignored", incomplete=False))
            continue
        entries.append(IgnoreEntry(body, reason.strip() or None, n))
    return entries, problems


def apply_ignore_file(findings: list[Finding], policy: PolicySource, *, judge_stale: bool
                      ) -> tuple[list[Finding], int, list[Problem]]:
    """Findings not ignored, how many were, and problems (stale or malformed lines).
    The file is read from the policy's source: the work tree, or the trusted commit."""
    if policy.root is None or not policy.repo_files:
        return findings, 0, []
    path = policy.root / IGNORE_FILE
    try:  # a regular file under 1 MB; one that exists but is not is an error (exit 2)
        text = policy.read_text(path, "ignore file", errors="replace")
    except MissingFileError:
        return findings, 0, []
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


class Suppressed(Record):
    """What suppression kept, how many findings it hid and why, and its problems."""

    __slots__ = ("findings", "count", "by", "problems")

    def __init__(self, findings: list[Finding], count: int, by: dict[str, int],
                 problems: list[Problem]) -> None:
        self.findings = findings
        self.count = count  # findings hidden by inline allow, ignore file or baseline
        self.by = by  # the same, by cause: "inline", "ignore-file", "baseline"
        self.problems = problems


def apply_suppressions(findings: list[Finding], inline: int, req: ScanRequest,
                       config: Config) -> Suppressed:
    """Ignore file, then baseline: drop what they cover. `inline`: how many secrets
    grouping dropped for their inline allow markers."""
    mode = req.mode
    out = Suppressed(findings, inline, {"inline": inline} if inline else {}, [])
    baseline_path = None if req.no_baseline else (req.baseline or config.baseline)
    # a mirror's ignore file is the remote's to write, not the auditor's
    if mode not in (Mode.STDIN, Mode.REMOTE):
        judge = mode in STALE_MODES
        if findings or judge:
            kept, n, problems = apply_ignore_file(out.findings, config.policy,
                                                  judge_stale=judge)
            out.findings = kept
            out.count += n
            if n:
                out.by["ignore-file"] = n
            out.problems.extend(problems)
    if baseline_path is not None:
        base = _read_baseline(baseline_path, config.policy, out.problems)
        if not out.findings or base is None:
            return out
        from psguard.stages.baseline import apply_baseline

        top = None if mode == Mode.STDIN else repo_root(req.path)
        out.findings, n = apply_baseline(out.findings, base, top=top, scanned=req.path)
        out.count += n
        if n:
            out.by["baseline"] = n
    return out


def _read_baseline(path: Path, policy: PolicySource, problems: list[Problem]
                   ) -> Baseline | None:
    """The baseline, from the policy's source. A missing or broken file is an error,
    always; except that one the trusted commit lacks is not applied (a warning): the
    scan is then stricter, never weaker."""
    from psguard.stages.baseline import parse_baseline

    try:
        raw = policy.read(path, "baseline", BASELINE_LIMIT)
    except MissingFileError:
        if policy.commit is None or policy.in_repo(path) is None:
            raise ConfigError(f"baseline {path}: no such file (create it with "
                              "'psguard baseline create')") from None
        problems.append(Problem("warning", policy.label(path), "no baseline in the "
                                "trusted commit: not applied", incomplete=False))
        return None
    return parse_baseline(raw, policy.label(path))
