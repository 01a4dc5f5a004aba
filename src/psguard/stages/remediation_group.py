"""Several pushed keys, one procedure: the shared steps once and a short line a key.

Every pushed key's steps (stages/remediation.py) end in the same history rewrite: one
fresh clone, one replacements file covering every key, one filter-repo, one check, one
force-push. Printed per key, three keys repeat it three times. `group(findings)` splits
them into what all the pushed keys share (said once, after the keys) and what is each
key's own: a short line (revoke it, or nothing to revoke), plus any step only that key
has (unpushed commits or a stash holding it). The words are remediation's.
"""

from __future__ import annotations

from psguard.models import Finding, Remediation
from psguard.stages.remediation import (
    ENSURE_ENV_IGNORED,
    MOVE,
    REVOKE,
    finding_paths,
    steps,
)

OPTIONAL = "Optional for a dead key: "
EXPLAIN = "psguard scan --explain shows every step for each key"


class Group:
    """The pushed keys' shared steps and each key's own (by fingerprint)."""

    __slots__ = ("findings", "shared", "own")

    def __init__(self, findings: list[Finding], shared: list[Remediation],
                 own: dict[str, list[Remediation]]) -> None:
        self.findings = findings
        self.shared = shared
        self.own = own


def _plain(step: Remediation) -> Remediation:
    """The step as every key says it (a dead key's rewrite is only optional)."""
    return Remediation(step.text.removeprefix(OPTIONAL), step.command)


def _rewrite_start(found: list[Remediation]) -> int:
    return next((i for i, s in enumerate(found)
                 if s.command and s.command.startswith("git clone")), len(found))


def short_line(f: Finding) -> str:
    """What this key needs beyond the shared rewrite, in one sentence."""
    where = ", ".join(finding_paths(f)) or "the files that hold it"
    if f.verification.status == "rejected":
        return (f"to do: nothing to revoke (Poolside rejected it); delete it from {where}; "
                "the rewrite below is optional for it.")
    kind = (f.verification.reach or {}).get("key_type") if f.verification.status == "live" \
        else None
    which = f": the API says it is a {kind}" if kind else ""
    return (f"to do: revoke it (step 1 below{which}); keep its replacement out of {where} "
            "(step 2).")


def group(findings: list[Finding]) -> Group | None:
    """The pushed keys' shared procedure, when two or more keys were pushed."""
    pushed = [f for f in findings if f.exposure == "pushed"]
    if len(pushed) < 2:
        return None
    tails: dict[str, list[Remediation]] = {}
    notes: dict[str, list[Remediation]] = {}
    for f in pushed:
        found = [_plain(s) for s in (f.remediation or steps(f))]
        start = _rewrite_start(found)
        tails[f.fingerprint] = found[start:]
        # before the rewrite: revoke and replace (a dead key: delete it), said by
        # short_line; then what only this key needs (a form text replacement misses)
        notes[f.fingerprint] = found[(1 if f.verification.status == "rejected" else 2):start]
    first = tails[pushed[0].fingerprint]
    common = [s for s in first if all(s in t for t in tails.values())]
    if not common:
        return None
    live = [f for f in pushed if f.verification.status != "rejected"]
    shared: list[Remediation] = []
    if live:
        shared.append(Remediation(
            "Revoke the keys above first (not those Poolside rejected): they have been "
            "pushed; anyone who cloned or fetched has them, and rewriting history cannot "
            "take them back. " + REVOKE))
        shared.append(Remediation(f"Create a new key for each; {MOVE}.", ENSURE_ENV_IGNORED))
    shared += common
    own = {fp: notes[fp] + [s for s in t if s not in common] for fp, t in tails.items()}
    return Group(pushed, shared, own)
