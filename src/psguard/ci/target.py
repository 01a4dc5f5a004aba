"""Which commits a CI run is about: the pull request's, merge request's or push's range,
read from the CI's environment and event payload (the table is in ci/gate.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from psguard.errors import UsageError
from psguard.git.revs import revision_problem
from psguard.models import Record

REMOTE = "origin"

class CIError(UsageError):
    """The range cannot be found or completed; the message says what to set."""


def is_zero(sha: str | None) -> bool:
    return not sha or set(sha) == {"0"}


class Target(Record):
    """What to scan: the commits reachable from `head` and from none of `exclude`."""

    __slots__ = ("system", "event", "head", "base", "exclude", "new_branch", "branch",
                 "default_branch", "nothing", "push")

    def __init__(self, system: str, event: str, *, head: str, base: str | None = None,
                 new_branch: bool = False, branch: str | None = None,
                 default_branch: str | None = None, nothing: str | None = None,
                 push: bool = False) -> None:
        self.system = system  # github | gitlab | manual
        self.event = event
        self.head = head
        self.base = base  # the single base commit, when there is one
        self.exclude: list[str] = []  # refs/commits already known
        self.new_branch = new_branch
        self.branch = branch  # the pushed branch (new-branch pushes)
        self.default_branch = default_branch
        self.nothing = nothing  # set when there is nothing to scan, and why
        self.push = push  # a push (before..after): a vanished `before` is not fatal

    def describe(self) -> str:
        if self.nothing:
            return self.nothing
        if self.base:
            return f"{self.base[:12]}..{self.head[:12]}"
        return f"{self.head[:12]} (commits on no other branch)"


def event_payload(env: Mapping[str, str]) -> dict[str, object]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CIError(f"cannot read the GitHub event payload {path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def _get(data: object, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data if isinstance(data, str) else None


def github_target(env: Mapping[str, str]) -> Target:
    event = env.get("GITHUB_EVENT_NAME", "")
    payload = event_payload(env)
    if event in ("pull_request", "pull_request_target"):
        base = _get(payload, "pull_request", "base", "sha")
        head = _get(payload, "pull_request", "head", "sha")
        if base and head:
            return Target("github", event, head=head, base=base)
        base_ref = env.get("GITHUB_BASE_REF")
        if base_ref:
            return Target("github", event, head="HEAD", base=f"{REMOTE}/{base_ref}")
        raise CIError(f"GitHub {event} event without base and head commits in "
                      "GITHUB_EVENT_PATH; pass --range BASE..HEAD")
    if event == "merge_group":
        base = _get(payload, "merge_group", "base_sha")
        head = _get(payload, "merge_group", "head_sha")
        if base and head:
            return Target("github", event, head=head, base=base)
    if event == "push":
        before, after = _get(payload, "before"), _get(payload, "after")
        ref = _get(payload, "ref") or env.get("GITHUB_REF", "")
        default = _get(payload, "repository", "default_branch")
        if is_zero(after) or payload.get("deleted") is True:
            return Target("github", event, head="", nothing=f"{ref} was deleted: nothing "
                                                            "to scan")
        head = after or env.get("GITHUB_SHA") or "HEAD"
        if not is_zero(before):
            return Target("github", event, head=head, base=before, push=True,
                          branch=_branch_name(ref), default_branch=default)
        return Target("github", event, head=head, new_branch=True,
                      branch=_branch_name(ref), default_branch=default)
    if env.get("GITHUB_BASE_REF"):
        return Target("github", event, head="HEAD", base=f"{REMOTE}/{env['GITHUB_BASE_REF']}")
    raise CIError(f"cannot tell what to scan for the GitHub {event or 'unknown'} event; "
                  "pass --range BASE..HEAD, or use psguard scan --history for a full audit")


def gitlab_target(env: Mapping[str, str]) -> Target:
    source = env.get("CI_PIPELINE_SOURCE", "")
    head = env.get("CI_COMMIT_SHA") or "HEAD"
    default = env.get("CI_DEFAULT_BRANCH")
    if source == "merge_request_event" or env.get("CI_MERGE_REQUEST_IID"):
        base = (env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
                or env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA"))
        mr_head = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or head
        if base and not is_zero(base):
            return Target("gitlab", "merge_request_event", head=mr_head, base=base)
        target_branch = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
        if target_branch:
            return Target("gitlab", "merge_request_event", head=mr_head,
                          base=f"{REMOTE}/{target_branch}")
        raise CIError("GitLab merge request pipeline without CI_MERGE_REQUEST_DIFF_BASE_SHA; "
                      "pass --range BASE..HEAD")
    before = env.get("CI_COMMIT_BEFORE_SHA")
    if not is_zero(before):
        return Target("gitlab", source or "push", head=head, base=before, push=True,
                      branch=env.get("CI_COMMIT_BRANCH") or env.get("CI_COMMIT_REF_NAME"),
                      default_branch=default)
    if env.get("CI_COMMIT_TAG"):
        return Target("gitlab", source or "push", head=head, new_branch=True,
                      default_branch=default)
    return Target("gitlab", source or "push", head=head, new_branch=True,
                  branch=env.get("CI_COMMIT_BRANCH") or env.get("CI_COMMIT_REF_NAME"),
                  default_branch=default)


def _branch_name(ref: str) -> str | None:
    return ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else None


def detect(env: Mapping[str, str], rev_range: str | None) -> Target:
    if rev_range:
        base, sep, head = rev_range.partition("..")
        if not sep or not base or not head or head.startswith("."):
            raise CIError(f"--range {rev_range!r}: expected BASE..HEAD")
        for part in (base, head):
            problem = revision_problem(part)
            if problem:
                raise CIError(f"--range {rev_range!r}: {part!r} is not a revision ({problem})")
        system = "github" if env.get("GITHUB_ACTIONS") == "true" else (
            "gitlab" if env.get("GITLAB_CI") == "true" else "manual")
        return Target(system, "range", head=head, base=base)
    if env.get("GITHUB_ACTIONS") == "true":
        return github_target(env)
    if env.get("GITLAB_CI") == "true":
        return gitlab_target(env)
    raise CIError("not on GitHub Actions or GitLab CI (no GITHUB_ACTIONS or GITLAB_CI); "
                  "pass --range BASE..HEAD")
