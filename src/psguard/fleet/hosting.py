"""The repositories of a GitHub organisation or a GitLab group, from their REST APIs.

Tokens come from GITHUB_TOKEN and GITLAB_TOKEN and go only to the API base URL (the
default host, or --api-url for GitHub Enterprise and self-managed GitLab), never into
a message, a log line or a clone URL; redirects are not followed. Pages are followed
through `Link: <…>; rel="next"` (GitHub) and `X-Next-Page` (GitLab). A rate-limited
answer (429, or 403 with no requests remaining) waits for the time the headers name
(Retry-After, X-RateLimit-Reset, RateLimit-Reset) and asks again.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any
from urllib.parse import quote

from psguard.errors import UsageError

GITHUB_API = "https://api.github.com"
GITLAB_API = "https://gitlab.com/api/v4"
MAX_WAIT = 3600.0  # seconds: a rate limit that resets later than this is an error
_MAX_RATE_WAITS = 5  # rate-limited answers in a row before giving up
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class HostingError(UsageError):
    """The hosting API refused or failed (exit 2): one line, never the token."""


def list_repositories(*, github_org: str | None, gitlab_group: str | None,
                      api_url: str | None, forks: bool, archived: bool) -> list[str]:
    if github_org and gitlab_group:
        raise UsageError("--github-org and --gitlab-group: one at a time (--api-url "
                         "names one host)")
    if github_org:
        return github_repositories(github_org, api_url or GITHUB_API, forks=forks,
                                   archived=archived)
    assert gitlab_group
    return gitlab_repositories(gitlab_group, api_url or GITLAB_API, forks=forks,
                               archived=archived)


def github_repositories(org: str, api: str, *, forks: bool, archived: bool) -> list[str]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    token = os.environ.get("GITHUB_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url: str | None = f"{api.rstrip('/')}/orgs/{quote(org, safe='')}/repos?per_page=100"
    out: list[str] = []
    while url:
        answer = _get(url, headers, f"GitHub organisation {org}", "GITHUB_TOKEN")
        for repo in answer.json():
            if (repo.get("fork") and not forks) or (repo.get("archived") and not archived):
                continue
            out.append(repo["clone_url"])
        match = _NEXT.search(answer.headers.get("link", ""))
        url = _same_host(match.group(1), api) if match else None
    return out


def gitlab_repositories(group: str, api: str, *, forks: bool, archived: bool) -> list[str]:
    headers = {}
    token = os.environ.get("GITLAB_TOKEN")
    if token:
        headers["PRIVATE-TOKEN"] = token
    base = (f"{api.rstrip('/')}/groups/{quote(group, safe='')}/projects"
            "?include_subgroups=true&per_page=100&order_by=id&sort=asc")
    page: str | None = "1"
    out: list[str] = []
    while page:
        answer = _get(f"{base}&page={page}", headers, f"GitLab group {group}", "GITLAB_TOKEN")
        for project in answer.json():
            fork = bool(project.get("forked_from_project"))
            if (fork and not forks) or (project.get("archived") and not archived):
                continue
            out.append(project["http_url_to_repo"])
        page = answer.headers.get("x-next-page", "").strip() or None
    return out


def _get(url: str, headers: dict[str, str], what: str, token_name: str) -> Any:
    import httpx

    for _ in range(_MAX_RATE_WAITS + 1):
        try:
            answer = httpx.get(url, headers=headers, timeout=30.0, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise HostingError(f"{what}: cannot reach the API ({type(exc).__name__})"
                               ) from None
        wait = _rate_limit_wait(answer)
        if wait is None:
            break
        if wait > MAX_WAIT:
            raise HostingError(f"{what}: rate limited for {wait:.0f} s more; try later")
        print(f"psguard: {what}: API rate limit reached; waiting {wait:.0f} s",
              file=sys.stderr)
        time.sleep(wait)
    else:
        raise HostingError(f"{what}: still rate limited after {_MAX_RATE_WAITS} waits")
    if answer.status_code == 401:
        raise HostingError(f"{what}: the API rejected the token in {token_name} (401)"
                           if token_name in os.environ else
                           f"{what}: the API needs a token: set {token_name}")
    if answer.status_code in (403, 404):
        raise HostingError(f"{what}: not found or not visible with this token "
                           f"({answer.status_code})")
    if answer.status_code != 200:
        raise HostingError(f"{what}: the API answered {answer.status_code}")
    return answer


def _rate_limit_wait(answer: Any) -> float | None:
    """Seconds to wait before asking again, or None when not rate limited."""
    headers = answer.headers
    limited = answer.status_code == 429 or (
        answer.status_code == 403 and (headers.get("x-ratelimit-remaining") == "0"
                                       or "retry-after" in headers))
    if not limited:
        return None
    retry = headers.get("retry-after")
    if retry and retry.strip().isdigit():
        return float(retry.strip())
    reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
    if reset and reset.strip().isdigit():
        value = int(reset.strip())
        # GitHub and GitLab send an epoch time; a small number is seconds from now
        return float(max(0, value - int(time.time()))) if value > 10**9 else float(value)
    return 60.0


def _same_host(url: str, api: str) -> str:
    """A next-page link, only on the API's own host: the token goes nowhere else."""
    from urllib.parse import urlsplit

    if urlsplit(url).netloc != urlsplit(api).netloc:
        raise HostingError("the API's next page is on another host; not following it")
    return url
