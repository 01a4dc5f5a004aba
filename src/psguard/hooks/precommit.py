"""`psguard hook pre-commit`: block a commit that adds a Poolside key.

Scans what the index would add to HEAD (Mode.STAGED). The clean path imports
no rich or httpx and runs two git commands (diff-index, cat-file).
"""

from __future__ import annotations

from pathlib import Path

from psguard.git.index import staged_paths
from psguard.git.snapshot import Repository
from psguard.hooks import batches
from psguard.hooks.common import (
    Verdict,
    all_rejected,
    allow_step,
    bypass_lines,
    finding_lines,
    fingerprint_lines,
    incomplete_verdict,
    numbered,
    policy_note,
    problems_lines,
    revoke_steps,
)
from psguard.models import Finding, ScanResult


def check(path: Path, *, fail_on: list[str], config: Path | None = None,
          show_secrets: bool = False, files: list[str] | None = None,
          allow_incomplete: bool = False, no_repo_config: bool = False) -> Verdict:
    """The staged changes; plus, when the pre-commit framework passes file names that
    are not staged changes (`pre-commit run --all-files`, `--files`), those files as
    they are in the work tree. A commit that changes psguard's own files is judged by
    HEAD's (the pipeline does that; result.policy_changes says so)."""
    from psguard.pipeline import run_scan
    from psguard.request import Mode, ScanRequest
    from psguard.stages.policy import is_blocking, parse_fail_on

    statuses = parse_fail_on(fail_on)
    # A later batch of the same framework run: the staged changes were judged (and
    # reported) by the first; only this batch's own unstaged files are left.
    run = batches.run_id(path, [*fail_on, str(config), str(show_secrets),
                                str(allow_incomplete), str(no_repo_config)])
    earlier = batches.recorded(run)
    if earlier is not None:
        extra = _not_staged(path, files, None) if files else []
        if not extra:
            return Verdict(earlier, [])
        result = run_scan(ScanRequest(path=path, mode=Mode.FILES, config=config,
                                      files=extra, no_repo_config=no_repo_config))
        verdict = _verdict(path, result, statuses, show_secrets, True, allow_incomplete)
        return Verdict(max(earlier, verdict.code), verdict.lines)
    repo = Repository(path)
    result = run_scan(ScanRequest(path=path, mode=Mode.STAGED, config=config,
                                  fail_on=fail_on, no_repo_config=no_repo_config), repo)
    batches.record(run, int(any(is_blocking(f, statuses) for f in result.findings)))
    # which file names are not staged changes: the staged scan's own git call told
    extra = _not_staged(path, files, repo.staged_names) if files else []
    if extra:
        more = run_scan(ScanRequest(path=path, mode=Mode.FILES, config=config, files=extra,
                                    no_repo_config=no_repo_config,
                                    policy_from="HEAD" if result.policy_changes else None))
        known = {f.secret for f in result.findings}
        result.findings += [f for f in more.findings if f.secret not in known]
        result.problems += more.problems
    return _verdict(path, result, statuses, show_secrets, bool(extra), allow_incomplete)


def _verdict(path: Path, result: ScanResult, statuses: set[str], show_secrets: bool,
             checked_files: bool, allow_incomplete: bool) -> Verdict:
    from psguard.stages.policy import is_blocking

    blocking = [f for f in result.findings if is_blocking(f, statuses)]
    if not blocking:
        unread = incomplete_verdict("pre-commit", result, allow_incomplete, path)
        if unread is not None:
            return unread
        lines = problems_lines(result)
        lines += _pre_existing_note(result)
        return Verdict(0, lines + policy_note(result))
    return Verdict(1, blocked_message(result, blocking, show_secrets, checked_files)
                   + policy_note(result))


def _not_staged(path: Path, files: list[str], staged: set[str] | None) -> list[str]:
    """The given paths (relative to the top level, as the framework passes them) that
    are not among the staged changes (`staged`, when a staged scan listed them)."""
    if staged is None:
        staged = staged_paths(path)
    return [f for f in dict.fromkeys(files) if f and f not in staged]  # "" names no file


def _pre_existing_note(result: ScanResult) -> list[str]:
    old = [f for f in result.findings if f.pre_existing]
    if not old:
        return []
    return [f"psguard: note: {len(old)} key(s) already in HEAD in the files you changed "
            "(not blocking this commit); run `psguard scan` to see them"]


def blocked_message(result: ScanResult, blocking: list[Finding], show_secrets: bool,
                    checked_files: bool = False) -> list[str]:
    from psguard.stages.remediation import staged_steps  # blocked only: off the clean path

    n = len(blocking)
    paths = sorted({c.origin.path for f in blocking for c in f.candidates if c.origin.path})
    where = "in the files checked" if checked_files else "in the staged changes"
    lines = [f"psguard: commit blocked: {n} Poolside API key{'s' if n > 1 else ''} {where}",
             ""]
    for f in blocking:
        lines += finding_lines(f, show_secrets)
    # The advice for a staged key (remediation's), for all the blocking keys at once.
    lines += ["", "What to do now:"]
    lines += numbered([*staged_steps(paths, all_rejected(blocking)), *revoke_steps(blocking),
                       allow_step()])
    lines += fingerprint_lines(blocking)
    lines.append("")
    lines += bypass_lines("pre-commit")
    return lines

