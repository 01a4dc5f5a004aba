"""What the CI says the remote already has, whatever the checkout's refs say.

A CI job runs on pushed commits: the pull request's head is on the hosting service
(GitHub keeps it as refs/pull/N/head, GitLab as refs/merge-requests/N/head), a push's
new tip is on the pushed branch, and the commit the CI checked out is one of those (or
the service's own merge of them). A shallow checkout often has no remote-tracking ref
that reaches them (actions/checkout fetches the pull request's merge commit alone, and
the head arrives later by id), so exposure would call a pushed key local. The exposure
stage is told these commits, named as remote-tracking refs of the remote
(`origin/pull/7/head`), and counts them as published.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from psguard.git.revs import branch_problem, commit_id

_PULL_REF = re.compile(r"^refs/pull/(\d+)/")


def known_pushed(root: Path, system: str, event: str, head: str, env: Mapping[str, str],
                 payload: Mapping[str, object], remote: str) -> dict[str, str]:
    """remote_tips, with the commits resolved to ids; those not in the checkout left
    out."""
    out = {}
    for name, rev in remote_tips(system, event, head, env, payload, remote).items():
        oid = commit_id(root, rev)
        if oid is not None:
            out[name] = oid
    return out


def remote_tips(system: str, event: str, head: str, env: Mapping[str, str],
                payload: Mapping[str, object], remote: str) -> dict[str, str]:
    """Remote-tracking ref name -> revision (as the CI gave it) for each commit the
    remote is known to hold: the scanned head and the commit the CI checked out. Only
    commits the CI names under a ref are given."""
    if system == "github":
        pairs = _github(event, head, env, payload)
    elif system == "gitlab":
        pairs = _gitlab(event, head, env)
    else:
        pairs = []
    out: dict[str, str] = {}
    for ref, rev in pairs:
        name = ref.removeprefix("refs/heads/").removeprefix("refs/")
        if not rev or not ref.startswith("refs/") or branch_problem(name):
            continue
        out.setdefault(f"refs/remotes/{remote}/{name}", rev)
    return out


def _github(event: str, head: str, env: Mapping[str, str],
            payload: Mapping[str, object]) -> list[tuple[str, str]]:
    ref, sha = env.get("GITHUB_REF", ""), env.get("GITHUB_SHA", "")
    checked_out = (ref, sha)
    if event == "range":  # the range is the user's; the checkout is the CI's
        return [checked_out]
    if event in ("pull_request", "pull_request_target"):
        from_ref = _PULL_REF.match(ref)  # refs/pull/N/merge on pull_request events
        number = _pull_number(payload) or (from_ref.group(1) if from_ref else None)
        return [(f"refs/pull/{number}/head" if number else "", head), checked_out]
    if event == "merge_group":
        group = payload.get("merge_group")
        head_ref = group.get("head_ref") if isinstance(group, dict) else None
        return [(head_ref if isinstance(head_ref, str) else ref, head), checked_out]
    return [(ref, head), checked_out]  # push: the pushed ref


def _pull_number(payload: Mapping[str, object]) -> str | None:
    pr = payload.get("pull_request")
    number = pr.get("number") if isinstance(pr, dict) else None
    number = number if number is not None else payload.get("number")
    return str(number) if isinstance(number, int) and number > 0 else None


def _gitlab(event: str, head: str, env: Mapping[str, str]) -> list[tuple[str, str]]:
    sha = env.get("CI_COMMIT_SHA", "")
    if env.get("CI_MERGE_REQUEST_IID", "").isdigit():
        ref = (env.get("CI_MERGE_REQUEST_REF_PATH")
               or f"refs/merge-requests/{env['CI_MERGE_REQUEST_IID']}/head")
    elif env.get("CI_COMMIT_TAG"):
        ref = f"refs/tags/{env['CI_COMMIT_TAG']}"
    elif env.get("CI_COMMIT_BRANCH") or env.get("CI_COMMIT_REF_NAME"):
        ref = f"refs/heads/{env.get('CI_COMMIT_BRANCH') or env['CI_COMMIT_REF_NAME']}"
    else:
        ref = ""
    if event == "range":
        return [(ref, sha)]
    return [(ref, head), (ref, sha)]
