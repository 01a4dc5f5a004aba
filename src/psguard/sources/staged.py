"""The staged source: what the index would add to HEAD (the pre-commit path).

Content comes from the index (a partially staged file is judged by what would be
committed), not from the working tree. Three git calls on the clean path:
`rev-parse`, `diff-index --cached` and one `cat-file --batch` for the staged blobs.
Only when a staged blob holds a key are the HEAD versions of the touched files read,
to tell keys this commit adds (blocking) from keys HEAD already had (pre-existing).

Kept light on purpose: no GitPython, rich or httpx on this path.
"""

from __future__ import annotations

import os
from pathlib import Path

from psguard.engine.engine import Engine
from psguard.errors import NotARepositoryError
from psguard.git.runner import run_git
from psguard.models import Candidate, Origin, Problem, display_path
from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult

_GITLINK = b"160000"


def _not_a_work_tree(cwd: Path, path: Path) -> NotARepositoryError:
    inside = run_git(["rev-parse", "--git-dir"], cwd, check=False).returncode == 0
    if inside:
        return NotARepositoryError(f"{path}: --staged needs a work tree "
                                   "(this is a bare repository)")
    return NotARepositoryError(f"{path}: not a git repository "
                               "(run inside a repository or pass its path)")


def staged_changes(path: Path, submodules: list[str] | None = None
                   ) -> list[tuple[str, str, str]]:
    """(path from the top, HEAD blob or '', staged blob) for each added or modified
    file under PATH. One git call on the common path (HEAD exists). Staged submodule
    updates (gitlinks) are appended to `submodules`: their content is another repo."""
    if not path.exists():
        raise NotARepositoryError(f"{path}: no such directory")
    cwd = path if path.is_dir() else path.parent
    if (cwd / "HEAD").is_file() and (cwd / "objects").is_dir() and not (cwd / ".git").exists():
        raise NotARepositoryError(f"{path}: --staged needs a work tree "
                                  "(this is a bare repository)")
    pathspec = ["--", f":(literal){path.name}" if path.is_file() else "."]
    args = ["diff-index", "--cached", "-z", "--no-abbrev", "--no-renames",
            "--ignore-submodules=none", "HEAD", *pathspec]
    proc = run_git(args, cwd, check=False)
    if proc.returncode != 0:
        if run_git(["rev-parse", "--show-toplevel"], cwd, check=False).returncode != 0:
            raise _not_a_work_tree(cwd, path)
        return _index_entries(cwd, pathspec)  # an unborn branch: the whole index is new
    out: list[tuple[str, str, str]] = []
    tokens = proc.stdout.split(b"\0")
    for i in range(0, len(tokens) - 1, 2):
        meta, name = tokens[i], tokens[i + 1]
        parts = meta.lstrip(b":").split(b" ")
        if len(parts) < 5:
            continue
        _old_mode, new_mode, old, new, status = parts[:5]
        if status[:1] not in (b"A", b"M", b"T"):
            continue  # deletions and unmerged entries add nothing to scan
        if new_mode == _GITLINK:
            if submodules is not None:
                submodules.append(os.fsdecode(name))
            continue
        head_blob = "" if set(old) == {ord("0")} else old.decode()
        out.append((os.fsdecode(name), head_blob, new.decode()))
    return out


def _index_entries(cwd: Path, pathspec: list[str]) -> list[tuple[str, str, str]]:
    proc = run_git(["ls-files", "-s", "-z", "--full-name", *pathspec], cwd)
    out = []
    for entry in proc.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        mode, oid, stage = meta.split(b" ")
        if mode == _GITLINK or stage != b"0":
            continue
        out.append((os.fsdecode(path), "", oid.decode()))
    return out


def read_blobs(top: Path, oids: list[str]) -> dict[str, bytes]:
    """Blob contents by id, in one cat-file call."""
    if not oids:
        return {}
    unique = list(dict.fromkeys(oids))
    proc = run_git(["cat-file", "--batch"], top, input=("\n".join(unique) + "\n").encode(),
                   no_fetch=True)
    data = proc.stdout
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        eol = data.index(b"\n", pos)
        header = data[pos:eol].split(b" ")
        pos = eol + 1
        if len(header) != 3:
            continue  # missing
        size = int(header[2])
        out[header[0].decode()] = data[pos:pos + size]
        pos += size + 1
    return out


def scan_staged(given: SourceInput) -> SourceResult:
    path = given.path
    top = path if path.is_dir() else path.parent
    result = SourceResult(Mode.STAGED, str(path))
    submodules: list[str] = []
    changes = staged_changes(path, submodules)
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
        if len(data) > max_size:
            result.problems.append(Problem(
                "too-large", display_path(name), f"{len(data)} bytes is above max_file_size "
                f"({max_size}); not scanned", incomplete=False))
            continue
        result.stats.files += 1
        result.stats.bytes += len(data)
        if not engine.may_match(data):
            continue
        cands = engine.scan_bytes(data, Origin(kind="blob", path=display_path(name),
                                               blob=new), result.problems)
        if cands:
            found.extend(cands)
            if head_blob:
                touched_with_hits.append((name, head_blob))
    result.candidates.extend(found)
    if found:
        result.pre_existing = _already_in_head(top, touched_with_hits, engine)
    return result


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
