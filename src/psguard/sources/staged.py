"""The staged source: what the index would add to HEAD (the pre-commit path).

Content comes from the index (a partially staged file is judged by what would be
committed), not from the working tree. One git call on the clean path,
`diff-index --cached`: the staged blobs are loose objects (what `git add` writes),
read in-process; those in a pack by one `cat-file --batch`.
Only when a staged blob holds a key are the HEAD versions of the touched files read,
to tell keys this commit adds (blocking) from keys HEAD already had (pre-existing).

Kept light on purpose: no rich or httpx on this path; the git calls are in
git/index.py.
"""

from __future__ import annotations

from pathlib import Path

from psguard.engine.engine import Engine
from psguard.git.index import read_blobs, staged_changes
from psguard.models import Candidate, Origin, Problem, display_path
from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult


def scan_staged(given: SourceInput) -> SourceResult:
    path = given.path
    top = path if path.is_dir() else path.parent
    result = SourceResult(Mode.STAGED, str(path))
    submodules: list[str] = []
    deleted: list[str] = []
    every: set[str] = set()
    changes = staged_changes(path, submodules, deleted, every)
    given.repo.staged_names = every  # the pre-commit hook's question, answered
    # what the commit touches: a change to psguard's own files must not judge itself
    result.changed_paths = {p for p, _, _ in changes} | set(deleted)
    for sub in submodules:
        result.problems.append(Problem(
            "warning", display_path(sub), "submodule update staged: its content was not scanned "
            "(scan the submodule's own repository)", incomplete=False))
    kept = set(given.config.not_excluded([p for p, _, _ in changes]))  # top-relative
    changes = [c for c in changes if c[0] in kept]
    blobs = read_blobs(top, [new for _, _, new in changes])
    max_size = given.config.max_file_size
    engine = given.engine
    found: list[Candidate] = []
    touched_with_hits: list[tuple[str, str]] = []
    for name, head_blob, new in changes:
        data = blobs.get(new)
        if data is None:
            result.problems.append(Problem("missing-object", display_path(name),
                                           f"staged blob {new} is not readable"))
            continue
        origin = Origin(kind="blob", path=display_path(name), blob=new)
        result.stats.files += 1
        if len(data) > max_size:
            cands = _scan_oversized(data, max_size, origin, engine, result)
        else:
            result.stats.bytes += len(data)
            if not engine.may_match(data):
                continue
            cands = engine.scan_bytes(data, origin, result.problems)
        if cands:
            found.extend(cands)
            if head_blob:
                touched_with_hits.append((name, head_blob))
    result.candidates.extend(found)
    if found:
        result.pre_existing = _already_in_head(top, touched_with_hits, engine)
    return result


def _scan_oversized(data: bytes, max_size: int, origin: Origin, engine: Engine,
                    result: SourceResult) -> list[Candidate]:
    """A staged file above max_file_size: its first and last megabyte (partial.py)."""
    from psguard.sources.partial import edge_size, scan_edges, too_large_problem

    edge = edge_size(max_size)
    assert origin.path is not None
    result.problems.append(too_large_problem(origin.path, len(data), max_size, edge))
    head, tail = data[:edge], data[max(edge, len(data) - edge):]
    result.stats.bytes += len(head) + len(tail)
    return scan_edges(engine, head, tail, len(data), origin, result.problems)


def _already_in_head(top: Path, touched: list[tuple[str, str]], engine: Engine
                     ) -> set[tuple[str, str]]:
    """Keys HEAD's version of a touched file already had: reported, not blocking."""
    old = read_blobs(top, [b for _, b in touched])
    in_head: set[tuple[str, str]] = set()
    for name, head_blob in touched:
        data = old.get(head_blob, b"")
        for c in engine.scan_bytes(data, Origin(kind="blob", path=display_path(name))):
            in_head.add((c.rule, c.secret))
    return in_head
