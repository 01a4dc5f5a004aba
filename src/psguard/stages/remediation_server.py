"""The words for a push the server rejected (hooks/prereceive.py): psguard's advice
for the pre-receive gate, beside stages/remediation.py's for everything else."""

from __future__ import annotations

import shlex

from psguard.models import ExposureDetail, Remediation
from psguard.stages.remediation import UNPUSHED
from psguard.stages.remediation import short_commit as _short

# A push the server rejected (hooks/prereceive.py): the server reads no ignore or config
# file from a push, so only the inline marker accepts a test value.
SERVER_TEST_VALUE = ("A test value rather than a real key? Add `psguard:allow` in a comment on "
                     "its line and push again (the server reads no .psguardignore or config "
                     "file from a push)")
NOTHING_RECEIVED = ("The server kept none of this push: no branch or tag moved, and the "
                    "commits are still only in your clone, where you can rewrite them.")


def reword_local(d: ExposureDetail) -> Remediation:
    """The key is in the message of unpushed commits: reword them before pushing."""
    local = d.local_commits
    if not local:
        return Remediation(UNPUSHED)
    first = local[0]
    if d.head and local == [d.head]:
        return Remediation(
            f"Do not push yet: the key is in the message of your last commit "
            f"({_short(first)}), which no remote has. Take it out of the message:",
            "git commit --amend")
    count = f"{len(local)} commit message{'s' if len(local) != 1 else ''}"
    cmd = ("git rebase -i --root" if first in d.root_commits
           else f"git rebase -i {_short(first)}^")
    return Remediation(
        f"Do not push yet: the key is in {count} (first: {_short(first)}), which no remote "
        "has. Mark each as 'reword' in the rebase and take the key out of the message "
        "(for your last commit alone: git commit --amend):", cmd)


def retag_step(tag: str, target: str | None) -> Remediation:
    """The key is in an annotated tag's message: make the tag again without it."""
    name = shlex.quote(tag)
    return Remediation(
        f"The key is in the message of the annotated tag {tag}: delete the tag in your clone "
        "and make it again with a message that holds no key, then push it:",
        f"git tag -d {name} && git tag -a {name} {_short(target) if target else '<commit>'}")
