"""ci/pushed.py: which commits the CI says the remote has, and the remote-tracking names
they are reported under (pure: environment and payload in, names out)."""

from __future__ import annotations

from psguard.ci.pushed import remote_tips

HEAD, MERGE, OTHER = "a" * 40, "b" * 40, "c" * 40


def test_github_pull_request_head_and_the_merge_commit_checked_out() -> None:
    env = {"GITHUB_REF": "refs/pull/7/merge", "GITHUB_SHA": MERGE}
    assert remote_tips("github", "pull_request", HEAD, env, {"number": 7}, "origin") == {
        "refs/remotes/origin/pull/7/head": HEAD, "refs/remotes/origin/pull/7/merge": MERGE}
    # no number in the payload: GITHUB_REF has it
    assert "refs/remotes/origin/pull/7/head" in remote_tips(
        "github", "pull_request", HEAD, env, {}, "origin")


def test_github_pull_request_target_checks_out_the_base() -> None:
    env = {"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": OTHER}
    payload = {"pull_request": {"number": 12}}
    assert remote_tips("github", "pull_request_target", HEAD, env, payload, "origin") == {
        "refs/remotes/origin/pull/12/head": HEAD, "refs/remotes/origin/main": OTHER}


def test_github_push_merge_group_and_range() -> None:
    env = {"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": HEAD}
    assert remote_tips("github", "push", HEAD, env, {}, "origin") == {
        "refs/remotes/origin/main": HEAD}
    queue = "refs/heads/gh-readonly-queue/main/pr-7-" + "d" * 40
    group = {"merge_group": {"head_ref": queue, "head_sha": HEAD}}
    assert remote_tips("github", "merge_group", HEAD, {"GITHUB_REF": queue}, group,
                       "origin") == {f"refs/remotes/origin/{queue[11:]}": HEAD}
    # --range: the range's head is the user's word; only the checkout is the CI's
    assert remote_tips("github", "range", OTHER, env, {}, "origin") == {
        "refs/remotes/origin/main": HEAD}
    assert remote_tips("manual", "range", OTHER, env, {}, "origin") == {}


def test_gitlab_merge_request_branch_and_tag_pipelines() -> None:
    mr = {"CI_MERGE_REQUEST_IID": "3", "CI_COMMIT_SHA": HEAD}
    assert remote_tips("gitlab", "merge_request_event", HEAD, mr, {}, "origin") == {
        "refs/remotes/origin/merge-requests/3/head": HEAD}
    branch = {"CI_COMMIT_BRANCH": "topic", "CI_COMMIT_SHA": HEAD}
    assert remote_tips("gitlab", "push", HEAD, branch, {}, "origin") == {
        "refs/remotes/origin/topic": HEAD}
    tag = {"CI_COMMIT_TAG": "v1.0", "CI_COMMIT_SHA": HEAD}
    assert remote_tips("gitlab", "push", HEAD, tag, {}, "origin") == {
        "refs/remotes/origin/tags/v1.0": HEAD}


def test_names_that_are_not_refs_are_left_out() -> None:
    for ref in ("refs/heads/a b", "refs/heads/-x", "refs/heads/a:b", "refs/heads/\x1b[31m",
                "main", ""):
        env = {"GITHUB_REF": ref, "GITHUB_SHA": HEAD}
        assert remote_tips("github", "push", HEAD, env, {}, "origin") == {}, ref
