"""`psguard ci`: the CI gate. Finds what a pull request, merge request or push adds,
makes sure a shallow checkout holds it, scans it, and reports in the CI's language.

GitHub Actions (GITHUB_ACTIONS=true; the event payload at GITHUB_EVENT_PATH):
  pull_request / pull_request_target   pull_request.base.sha .. pull_request.head.sha
  merge_group                          merge_group.base_sha .. merge_group.head_sha
  push                                 before .. after; a new branch (before all zeros,
                                       created: true) scans the commits no other branch
                                       of the remote has; a deletion scans nothing
  (no payload)                         origin/$GITHUB_BASE_REF .. HEAD for pull requests
GitLab CI (GITLAB_CI=true):
  merge_request_event                  CI_MERGE_REQUEST_DIFF_BASE_SHA (else
                                       CI_MERGE_REQUEST_TARGET_BRANCH_SHA) ..
                                       CI_MERGE_REQUEST_SOURCE_BRANCH_SHA (else CI_COMMIT_SHA)
  branch pipelines                     CI_COMMIT_BEFORE_SHA .. CI_COMMIT_SHA; all zeros
                                       (a new branch): the commits that are on no other
                                       branch, the default branch fetched if need be
Anywhere: --range A..B.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from psguard.ci.pushed import known_pushed
from psguard.ci.target import REMOTE, CIError, Target, detect, event_payload
from psguard.errors import NotARepositoryError, PsguardError
from psguard.escape import terminal
from psguard.git.fetch import Fetched, deepen, fetch, unshallow
from psguard.git.remote import tracking_refs
from psguard.git.revs import branch_problem, has_commit, have_merge_base, revision_problem
from psguard.git.snapshot import open_snapshot
from psguard.models import Record

GITHUB_SHALLOW_HINT = ("set `fetch-depth: 0` on the actions/checkout step (or fetch the base "
                       "commit before running psguard)")
GITLAB_SHALLOW_HINT = ("set the CI/CD variable `GIT_DEPTH: 0` for this job (or fetch the base "
                       "commit before running psguard)")
GENERIC_SHALLOW_HINT = "fetch the full history first: git fetch --unshallow"


# --- making sure the checkout holds the range -------------------------------------------


class Checkout(Record):
    """The CI checkout: where it is, whether psguard may fetch into it, and whether it
    is shallow (read when it is opened, then after each fetch: only a fetch changes it)."""

    __slots__ = ("root", "may_fetch", "shallow", "quiet")

    def __init__(self, root: Path, may_fetch: bool, shallow: bool,
                 quiet: bool = False) -> None:
        self.root = root
        self.may_fetch = may_fetch
        self.shallow = shallow
        self.quiet = quiet  # --quiet: no word of what runs, only warnings and errors

    def say(self, text: str) -> None:
        """A line of what the gate does (not a warning): left out with --quiet."""
        if not self.quiet:
            _say(text)

    def _announce(self, args: list[str]) -> None:
        self.say(f"psguard ci: git fetch {' '.join(args)}")

    def fetch_refs(self, refspecs: list[str]) -> bool:
        return self._took(fetch(self.root, REMOTE, refspecs, announce=self._announce))

    def deepen(self, rev: str, depth: int) -> bool:
        return self._took(deepen(self.root, REMOTE, rev, depth, announce=self._announce))

    def unshallow(self) -> bool:
        return self._took(unshallow(self.root, REMOTE, announce=self._announce))

    def _took(self, fetched: Fetched) -> bool:
        self.shallow = fetched.shallow
        return fetched.ok


def _say(text: str) -> None:
    """A line on stderr; it may quote refs and ranges from the event or the repository."""
    print(terminal(text), file=sys.stderr)


def open_checkout(path: Path, may_fetch: bool, quiet: bool = False) -> Checkout:
    """The repository at path, or exit 2 (a file is not one, as `git -C FILE` says)."""
    if path.exists() and not path.is_dir():
        raise NotARepositoryError(f"{path}: not a git repository "
                                  "(run inside a repository or pass its path)")
    snap = open_snapshot(path)
    return Checkout(snap.root, may_fetch, snap.shallow, quiet)


def _hint(system: str) -> str:
    return {"github": GITHUB_SHALLOW_HINT, "gitlab": GITLAB_SHALLOW_HINT}.get(
        system, GENERIC_SHALLOW_HINT)


def _ensure_commit(co: Checkout, rev: str, target: Target, what: str) -> None:
    branch = rev[len(REMOTE) + 1:] if rev.startswith(f"{REMOTE}/") else None
    problem = branch_problem(branch) if branch is not None else revision_problem(rev)
    if problem:  # from the event or the environment: never let git read it as an option
        raise CIError(f"the {what} {rev!r} of the {target.system} {target.event} is not "
                      f"a revision ({problem})")
    if has_commit(co.root, rev):
        return
    if co.may_fetch:
        # a branch: fetch it into its tracking ref
        spec = rev if branch is None else f"+refs/heads/{branch}:refs/remotes/{rev}"
        if co.fetch_refs([spec]) and has_commit(co.root, rev):
            return
    raise CIError(f"the {what} commit {rev} is not in this checkout"
                  f"{' (a shallow clone)' if co.shallow else ''}: {_hint(target.system)}")


def _deepen_until_merge_base(co: Checkout, target: Target) -> None:
    """In a shallow clone, fetch history until base and head meet (or give up)."""
    assert target.base
    for depth in (50, 200, 1000):
        if not co.shallow:
            return
        if have_merge_base(co.root, target.base, target.head):
            return
        if not co.may_fetch or not co.deepen(target.head, depth):
            break
    if co.shallow and not have_merge_base(co.root, target.base, target.head):
        if co.may_fetch and co.unshallow() and \
                have_merge_base(co.root, target.base, target.head):
            return
        raise CIError(f"this shallow clone does not reach back to where {target.head[:12]} "
                      f"and {target.base[:12]} meet, so psguard cannot tell which commits "
                      f"are new: {_hint(target.system)}")


def _other_branch_tips(co: Checkout, target: Target) -> list[str]:
    """For a new branch: what the remote's other branches hold (fetching the default
    branch when the checkout has no other branch)."""
    for name in (target.branch, target.default_branch):
        problem = branch_problem(name) if name else None
        if problem:
            raise CIError(f"the branch {name!r} of the {target.system} {target.event} is "
                          f"not a branch ({problem})")
    own = f"refs/remotes/{REMOTE}/{target.branch}" if target.branch else None
    default = f"refs/remotes/{REMOTE}/{target.default_branch}" if target.default_branch \
        else None
    refs = tracking_refs(co.root, REMOTE)
    # the default branch first: in a shallow clone, history is deepened towards it
    refs.sort(key=lambda r: (r.name != default, r.name))
    tips = list(dict.fromkeys(r.oid for r in refs
                              if r.name != own and not r.name.endswith("/HEAD")))
    if tips or not target.default_branch or target.default_branch == target.branch:
        return tips
    ref = f"refs/remotes/{REMOTE}/{target.default_branch}"
    if co.may_fetch:
        co.fetch_refs([f"+refs/heads/{target.default_branch}:{ref}"])
    return [ref] if has_commit(co.root, ref) else []


def prepare(co: Checkout, target: Target) -> list[str]:
    """The rev-list arguments for the scan, after fetching what is missing."""
    _ensure_commit(co, target.head, target, "head")
    if target.base:
        try:
            _ensure_commit(co, target.base, target, "base")
        except CIError:
            if not target.push:
                raise
            # A force push can leave `before` unreachable on the server: judge the pushed
            # commits against the other branches instead, as for a new branch.
            co.say(f"psguard ci: the previous tip {target.base[:12]} is gone (force push?); "
                 "scanning the commits no other branch has")
            target.base = None
            target.new_branch = True
    if target.base:
        _deepen_until_merge_base(co, target)
        return [target.head, "--not", target.base]
    exclude = _other_branch_tips(co, target)
    if co.shallow and exclude:
        probe = Target(target.system, target.event, head=target.head, base=exclude[0])
        _deepen_until_merge_base(co, probe)
    elif co.shallow:
        raise CIError("first push of a branch in a shallow clone with no other branch to "
                      f"compare with: {_hint(target.system)}")
    target.exclude = exclude
    return [target.head, "--not", *exclude] if exclude else [target.head]


# --- the command -------------------------------------------------------------------------


def trusted_commit(target: Target) -> str:
    """Where psguard's own files are read: the change's base, else the branch a new
    branch is judged against, else nowhere (""); never the change (stages/trusted)."""
    return target.base or (target.exclude[0] if target.exclude else "")



def _verify_options(args: argparse.Namespace) -> dict[str, Any]:
    """The verification options the scan options know (set by the scan option group)."""
    from psguard.request import ScanRequest

    known = set(ScanRequest._fields)
    wanted = ("verify", "endpoints", "verify_timeout", "verify_deadline")
    return {name: getattr(args, name) for name in wanted
            if name in known and getattr(args, name, None) is not None}


def ci_command(args: argparse.Namespace, env: Mapping[str, str] | None = None,
               conventions: dict[str, Any] | None = None) -> int:
    """The gate. `conventions`: the ScanRequest fields of the options every scanning
    command shares (commands/namespace.convention_kwargs: --quiet, --exclude, --include,
    --exit-zero); --verbose and --exit-zero take effect through report.output."""
    from psguard.outfile import append_file
    from psguard.pipeline import run_scan
    from psguard.report import render
    from psguard.report.describe import count, policy_change_text
    from psguard.report.output import deliver, report_only_exit
    from psguard.request import Mode, ScanRequest
    from psguard.stages.policy import EXIT_INCOMPLETE, exit_code, parse_fail_on

    env = os.environ if env is None else env
    conventions = conventions or {}
    fail_on = parse_fail_on(args.fail_on)
    co = open_checkout(args.path, may_fetch=not args.no_fetch,
                       quiet=bool(conventions.get("quiet")))
    target = detect(env, args.rev_range)
    on_github = env.get("GITHUB_ACTIONS") == "true"
    fmt = args.fmt or ("github" if on_github else "text")
    if target.nothing:
        co.say(f"psguard ci: {target.nothing}")
        return 0
    revs = prepare(co, target)
    known = known_pushed(co.root, target.system, target.event, target.head, env,
                         event_payload(env) if target.system == "github" else {}, REMOTE)
    co.say(f"psguard ci: {target.system} {target.event}: scanning {target.describe()}")
    opts = ScanRequest(path=co.root, mode=Mode.REVS, revs=revs, fmt=fmt, output=args.output,
                       show_secrets=args.show_secrets, config=args.config,
                       min_confidence=args.min_confidence, fail_on=args.fail_on,
                       no_repo_config=args.no_repo_config, baseline=args.baseline,
                       known_pushed=known, policy_from=trusted_commit(target),
                       **_verify_options(args), **conventions)
    result = run_scan(opts)
    deliver(result, fmt, args.output, show_secrets=args.show_secrets, quiet=co.quiet,
            verbose=getattr(args, "verbose", False), summary=False)
    summary = args.summary or (Path(env["GITHUB_STEP_SUMMARY"])
                               if on_github and env.get("GITHUB_STEP_SUMMARY") else None)
    if summary is not None:
        try:  # never through a link (psguard.outfile); the verdict stands regardless
            append_file(summary, render("markdown", result, show_secrets=False, color=False),
                        what="summary")
        except PsguardError as exc:
            _say(f"psguard: warning: {exc}")
    if result.policy_changes:
        _say(f"psguard ci: warning: {policy_change_text(result)}")
    code = exit_code(result, fail_on)
    places = sum(f.places for f in result.findings)
    verdict = {0: "passed", 1: "failed", 3: "incomplete"}.get(code, "failed")
    for p in result.problems if code == EXIT_INCOMPLETE else []:
        if p.incomplete:
            _say(f"psguard ci: not fully scanned: {p.kind}: {p.target}: {p.detail}")
    if code == EXIT_INCOMPLETE and args.allow_incomplete:
        code, verdict = 0, "incomplete, allowed by --allow-incomplete"
    code = report_only_exit(code, result, "psguard ci")
    if result.report_only and verdict == "failed":
        verdict = "would fail; passed by --exit-zero (report only)"
    co.say(f"psguard ci: {count(len(result.findings), 'Poolside API key')} in "
           f"{count(places, 'place')}; {count(result.stats.commits, 'commit')} scanned; "
           f"{verdict}")
    return code
