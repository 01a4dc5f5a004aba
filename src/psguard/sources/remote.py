"""The remote source: a repository's history, read from its mirror clone.

The request's `url` is cloned (first time) or fetched (later) into the mirror at the
request's `path` (git/mirror.py); then the history source reads the mirror, its blob
cache included, so a repeated audit reads only what the fetch brought. The report
names the URL with its credentials stripped. A fetch that fails over an existing
mirror scans the mirror as it is and says so (the scan is then incomplete).
"""

from __future__ import annotations

from psguard.git.mirror import update_mirror
from psguard.models import Problem
from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult
from psguard.sources.history import scan_history
from psguard.urls import strip_credentials


def scan_remote(given: SourceInput) -> SourceResult:
    url = given.request.url
    if not url:
        raise ValueError("Mode.REMOTE needs a url")
    mirrored = update_mirror(url, given.path)  # MirrorError when there is no mirror
    result = scan_history(given)  # the run's Repository is opened here, after the fetch
    result.mode = Mode.HISTORY
    result.target = strip_credentials(url)
    if not mirrored.fetched:
        result.problems.append(Problem(
            "not-scanned", result.target,
            f"fetch failed ({mirrored.reason}: {mirrored.detail}): scanned the mirror as "
            "of its last fetch, without what the remote has added since"))
    return result
