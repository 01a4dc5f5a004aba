"""Git facts for findings of the git sources (history, ranges): the commit that first
brought each key, the refs whose history holds it, whether HEAD's tree still holds it,
and the notes the source attached to the blobs it was found in."""

from __future__ import annotations

from psguard.git.ancestry import holders
from psguard.git.locate import refs_containing
from psguard.git.snapshot import RepoSnapshot
from psguard.models import Finding
from psguard.sources.base import CommitFacts

_NEVER = (1 << 62, 0)


def add_git_facts(findings: list[Finding], facts: CommitFacts | None,
                  snapshot: RepoSnapshot | None) -> list[Finding]:
    if facts is None or snapshot is None or not findings:
        return findings
    commit_sets = [{c.origin.commit for c in f.candidates if c.origin.commit}
                   for f in findings]
    if not facts.reachable:
        return [_with_facts(f, [], facts) for f in findings]
    found = holders(snapshot, {c for s in commit_sets for c in s})
    if found is None:  # a damaged repository: ask git, one question at a time
        reaching = [refs_containing(facts.root, s) if s else [] for s in commit_sets]
    else:
        reaching = [found.refs_holding(s) if s else [] for s in commit_sets]
    return [_with_facts(f, refs, facts) for f, refs in zip(findings, reaching, strict=True)]


def _with_facts(f: Finding, refs: list[str], facts: CommitFacts) -> Finding:
    changes: dict[str, object] = {}
    commits = [c.origin for c in f.candidates if c.origin.commit]
    if commits:
        first = min(commits, key=lambda o: facts.times.get(o.commit or "", _NEVER))
        changes["first_seen"] = {"commit": first.commit, "author": first.author,
                                 "date": first.date}
        changes["refs"] = refs
    if facts.head_blobs is not None:
        changes["present_at_head"] = any(c.origin.blob in facts.head_blobs
                                         for c in f.candidates if c.origin.blob)
    notes = list(f.notes)
    for c in f.candidates:
        for note in facts.notes.get(c.origin.blob or "", []):
            if note not in notes:
                notes.append(note)
    changes["notes"] = notes
    return f.replace(**changes)
