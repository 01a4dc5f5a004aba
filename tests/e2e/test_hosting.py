"""Listing an organisation's repositories from the hosting APIs (fleet/hosting.py),
against a fake GitHub and GitLab API on loopback: pagination, a rate-limited answer,
filters for forks and archived repositories, and a bad token."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.fleet.hosting import gitlab_repositories
from psguard.testing import make_key, run_psguard
from psguard.testing.hosting_fake import FakeHosting

REPOS = [{"name": f"r{i}", "url": f"https://git.example.invalid/g/r{i}.git",
          "fork": i == 1, "archived": i == 2} for i in range(5)]


def test_gitlab_pages_rate_limit_and_filters(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    token = "glpat-" + make_key()[3:23]
    monkeypatch.setenv("GITLAB_TOKEN", token)
    with FakeHosting(token, REPOS, rate_limit_page=2) as api:
        found = gitlab_repositories("team/sub", f"{api.url}/api/v4", forks=False,
                                    archived=False)
        everything = gitlab_repositories("team/sub", f"{api.url}/api/v4", forks=True,
                                         archived=True)
    assert found == [REPOS[0]["url"], REPOS[3]["url"], REPOS[4]["url"]]
    assert everything == [r["url"] for r in REPOS]
    assert api.pages_asked() == [1, 2, 2, 3, 1, 2, 3]
    # the group's full path travels URL-encoded; the token only as PRIVATE-TOKEN
    assert api.requests[0][0].startswith("/api/v4/groups/team%2Fsub/projects?")
    assert all(headers.get("private-token") == token for _, headers in api.requests)
    assert "waiting 1 s" in capsys.readouterr().err


@pytest.mark.parametrize("flag, variable", [("--github-org", "GITHUB_TOKEN"),
                                            ("--gitlab-group", "GITLAB_TOKEN")])
def test_a_bad_token_is_one_line_and_never_shown(flag: str, variable: str,
                                                  tmp_path: Path) -> None:
    wrong = "tok-" + make_key()[3:23]
    with FakeHosting("the-right-one", REPOS) as api:
        run = run_psguard("audit", flag, "acme", "--api-url", api.url, "--mirror-dir",
                          str(tmp_path), env={variable: wrong}, timeout=120)
    assert run.code == 2
    assert run.stderr.strip().splitlines() == [
        f"psguard: error: {'GitHub organisation' if 'github' in flag else 'GitLab group'} "
        f"acme: the API rejected the token in {variable} (401)"]
    assert wrong not in run.stdout + run.stderr
