"""The working-tree source: files on disk.

Inside a git work tree: tracked files plus untracked files that are not ignored
(`git ls-files`). Outside git: a directory walk that honours `.gitignore` files.
Symlinks are followed only when they stay inside the scanned tree; devices, FIFOs
and sockets are never opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from psguard.engine.engine import Engine
from psguard.errors import UsageError
from psguard.git.files import tracked_and_untracked
from psguard.git.snapshot import RepoSnapshot
from psguard.models import Candidate, Chunk, Origin, Problem, Record, display_path
from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult
from psguard.sources.partial import edge_size, scan_edges, too_large_problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from typing import BinaryIO

    import pathspec


# Below this much content, forking a second scanner costs more than it saves.
_PARALLEL_MIN_BYTES = 4 << 20
_PARALLEL_MIN_FILES = 16


class WorktreeListing(Record):
    __slots__ = ("root", "paths", "in_git", "problems")

    def __init__(self, root: Path, paths: list[str], in_git: bool,
                 problems: list[Problem] | None = None) -> None:
        self.root = root
        self.paths = paths  # relative to root, '/'-separated
        self.in_git = in_git
        self.problems = problems or []  # submodules that could not be listed


def list_files(root: Path, snapshot: RepoSnapshot | None) -> WorktreeListing:
    """snapshot: the repository root is in, if any (a directory walk outside git)."""
    if snapshot is not None and snapshot.work_tree:
        problems: list[Problem] = []
        return WorktreeListing(root, _with_submodules(root, "", problems), in_git=True,
                               problems=problems)
    return WorktreeListing(root, list(walk_with_gitignore(root)), in_git=False)


_MAX_SUBMODULE_DEPTH = 8


def _with_submodules(root: Path, base: str, problems: list[Problem], depth: int = 0
                     ) -> list[str]:
    """git's listing of root, with each checked-out submodule's own listing in place
    of its directory (recursively). A submodule that is not checked out cannot be read:
    it is a problem that makes the scan incomplete."""
    out: list[str] = []
    for listed in tracked_and_untracked(root):
        rel = listed.rstrip("/")  # an untracked repository inside is listed as `dir/`
        full = root / rel
        if not full.is_dir() or full.is_symlink():
            out.append(base + rel)
            continue
        if not (full / ".git").exists():
            problems.append(Problem("not-scanned", display_path(base + rel),
                                    "submodule not checked out; its files were not scanned "
                                    "(git submodule update --init)"))
        elif depth >= _MAX_SUBMODULE_DEPTH:
            problems.append(Problem("not-scanned", display_path(base + rel),
                                    "submodules nested too deep; not scanned"))
        else:
            out.extend(_with_submodules(full, f"{base}{rel}/", problems, depth + 1))
    return out


def walk_with_gitignore(root: Path) -> Iterator[str]:
    """Relative paths of files under root that no .gitignore on the way ignores."""
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []  # (dir prefix, spec)

    def ignored(rel: str, is_dir: bool) -> bool:
        verdict = False
        for prefix, spec in specs:
            if not rel.startswith(prefix):
                continue
            sub = rel[len(prefix):] + ("/" if is_dir else "")
            result = spec.check_file(sub).include
            if result is not None:
                verdict = result
        return verdict

    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        specs[:] = [(p, s) for p, s in specs if rel_dir.startswith(p)]
        if ".gitignore" in filenames:
            try:
                with open(os.path.join(dirpath, ".gitignore"), encoding="utf-8",
                          errors="replace") as fh:
                    import pathspec  # only for trees with .gitignore files (~20 ms)

                    specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(fh)))
            except OSError:
                pass
        dirnames[:] = sorted(d for d in dirnames
                             if d != ".git" and not ignored(rel_dir + d, True))
        for name in sorted(filenames):
            if not ignored(rel_dir + name, False):
                yield rel_dir + name


class Oversized(Record):
    """A file above max_file_size: only its first and last pieces were read."""

    __slots__ = ("head", "tail", "size", "origin")

    def __init__(self, head: bytes, tail: bytes, size: int, origin: Origin) -> None:
        self.head = head
        self.tail = tail
        self.size = size
        self.origin = origin


def read_files(root: Path, rel_paths: list[str], max_size: int, problems: list[Problem]
               ) -> Iterator[Chunk | Oversized]:
    """Chunks for each readable regular file (the ends of one above max_size);
    problems for the rest."""
    real_root = os.path.realpath(root)
    edge = edge_size(max_size)
    for rel in rel_paths:
        full = os.path.join(root, rel)
        try:
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                target = os.path.realpath(full)
                if os.path.commonpath([real_root, target]) != real_root:
                    continue  # never follow a link out of the tree
                info = os.stat(target)
                full = target
            if not stat.S_ISREG(info.st_mode):
                continue  # directories (submodules), devices, FIFOs, sockets
            with open(full, "rb") as fh:
                if info.st_size <= max_size:
                    data = fh.read(max_size + 1)
                if info.st_size > max_size or len(data) > max_size:  # or it grew meanwhile
                    size = max(info.st_size, os.fstat(fh.fileno()).st_size)
                    problems.append(too_large_problem(rel, size, max_size, edge))
                    yield Oversized(*_ends(fh, size, edge),
                                    size, Origin(kind="file", path=display_path(rel)))
                    continue
        except FileNotFoundError:
            continue  # deleted from the work tree but still in the index
        except OSError as exc:
            problems.append(Problem("unreadable", rel, exc.strerror or str(exc)))
            continue
        yield Chunk(data, Origin(kind="file", path=display_path(rel)))


def _ends(fh: BinaryIO, size: int, edge: int) -> tuple[bytes, bytes]:
    """The first and the last `edge` bytes of a file of `size` bytes."""
    fh.seek(0)
    head = fh.read(edge)
    fh.seek(max(size - edge, len(head)))
    return head, fh.read(edge)


def scan_read(chunks: Iterator[Chunk | Oversized], engine: Engine, out: FileScan) -> None:
    """Scan what read_files gave into out."""
    for chunk in chunks:
        out.files += 1
        if isinstance(chunk, Oversized):
            out.bytes += len(chunk.head) + len(chunk.tail)
            out.candidates.extend(scan_edges(engine, chunk.head, chunk.tail, chunk.size,
                                             chunk.origin, out.problems))
            continue
        out.bytes += len(chunk.data)
        out.candidates.extend(engine.scan(chunk, out.problems))


class FileScan(Record):
    """What scanning a list of files produced."""

    __slots__ = ("candidates", "problems", "files", "bytes")

    def __init__(self) -> None:
        self.candidates: list[Candidate] = []
        self.problems: list[Problem] = []
        self.files = 0
        self.bytes = 0

    def merge(self, other: FileScan) -> None:
        self.candidates.extend(other.candidates)
        self.problems.extend(other.problems)
        self.files += other.files
        self.bytes += other.bytes


def _scan_sequential(root: Path, rel_paths: list[str], max_size: int, engine: Engine
                     ) -> FileScan:
    out = FileScan()
    scan_read(read_files(root, rel_paths, max_size, out.problems), engine, out)
    return out


def _split_by_size(root: Path, rel_paths: list[str]) -> tuple[list[str], list[str], int]:
    """Two shards of about equal bytes (largest files first, each to the lighter shard)."""
    sized = []
    for rel in rel_paths:
        try:
            sized.append((os.lstat(os.path.join(root, rel)).st_size, rel))
        except OSError:
            sized.append((0, rel))  # read_files reports it
    sized.sort(reverse=True)
    shards: tuple[list[str], list[str]] = ([], [])
    totals = [0, 0]
    for size, rel in sized:
        lighter = 0 if totals[0] <= totals[1] else 1
        shards[lighter].append(rel)
        totals[lighter] += size
    return shards[0], shards[1], totals[0] + totals[1]


def _child_scan(conn: Connection, root: Path, rel_paths: list[str], max_size: int,
                engine: Engine) -> None:
    conn.send(_scan_sequential(root, rel_paths, max_size, engine))
    conn.close()


def scan_files(root: Path, rel_paths: list[str], max_size: int, engine: Engine) -> FileScan:
    """Scan files; large trees are split over two processes (this one and a fork).

    Both halves are CPU-bound Python (the GIL rules out threads); a forked child
    inherits the loaded engine, so it starts in about a millisecond.
    """
    import multiprocessing

    if (len(rel_paths) < _PARALLEL_MIN_FILES or (os.cpu_count() or 1) < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        return _scan_sequential(root, rel_paths, max_size, engine)
    mine, theirs, total = _split_by_size(root, rel_paths)
    if total < _PARALLEL_MIN_BYTES:
        return _scan_sequential(root, rel_paths, max_size, engine)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_scan, daemon=True,
                        args=(sender, root, theirs, max_size, engine))
    child.start()
    sender.close()
    result = _scan_sequential(root, mine, max_size, engine)
    try:
        result.merge(receiver.recv())
    except (EOFError, OSError):
        # The child died (killed, out of memory): scan its half here rather than lose it.
        result.merge(_scan_sequential(root, theirs, max_size, engine))
    finally:
        receiver.close()
        child.join()
    result.problems.sort(key=lambda p: (p.kind, p.target))
    return result


def scan_worktree(given: SourceInput) -> SourceResult:
    """`psguard scan [PATH]`: the files under PATH (or PATH itself, a file)."""
    root = given.path
    if not root.exists():
        raise UsageError(f"{root}: no such file or directory")
    listing_problems: list[Problem] = []
    if root.is_file():
        listing_paths, base = [root.name], root.parent
    else:
        listing = list_files(root, given.repo.find())
        listing_paths, base = listing.paths, root
        listing_problems = listing.problems
    scanned = scan_files(base, given.config.not_excluded(listing_paths, base),
                         given.config.max_file_size, given.engine)
    result = SourceResult(Mode.WORKTREE, str(root))
    result.stats.files = scanned.files
    result.stats.bytes = scanned.bytes
    result.problems.extend(listing_problems + scanned.problems)
    result.candidates.extend(scanned.candidates)
    return result
