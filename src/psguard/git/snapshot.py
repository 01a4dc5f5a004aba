"""One view of a repository per run: where it is, what kind it is, HEAD and its refs.

Every stage that asks git about the repository (sources, exposure, the hooks) takes a
RepoSnapshot instead of asking again: `rev-parse` runs once (location, bare, shallow,
object format, HEAD) and `for-each-ref` once, when a stage first needs the refs. The
configured remotes (`git remote`) are read once, on first use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from psguard.errors import NotARepositoryError
from psguard.git.runner import run_git
from psguard.models import FrozenRecord, Record

_REF_FORMAT = "%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)"


class Ref(FrozenRecord):
    """A ref and the object it names; for a ref to an annotated tag, also what the tag
    peels to (one level, as for-each-ref's `*` fields give it)."""

    __slots__ = ("name", "oid", "type", "peeled", "peeled_type")

    def __init__(self, name: str, oid: str, type: str, peeled: str | None = None,
                 peeled_type: str | None = None) -> None:
        self.name = name
        self.oid = oid
        self.type = type  # commit | tag | tree | blob ("" when git could not read it)
        self.peeled = peeled
        self.peeled_type = peeled_type

    @property
    def commit(self) -> str | None:
        """The commit this ref leads to (through one annotated tag), if any."""
        if self.type == "commit":
            return self.oid
        if self.type == "tag" and self.peeled_type == "commit":
            return self.peeled
        return None


class RepoSnapshot(Record):
    """What one run knows about a repository, each fact read once."""

    __slots__ = ("root", "git_dir", "common_dir", "bare", "work_tree", "shallow",
                 "hash_len", "head", "head_ref", "known_pushed", "_refs", "_refs_complete",
                 "_remotes", "_graph")

    def __init__(self, *, root: Path, git_dir: Path, common_dir: Path, bare: bool,
                 work_tree: bool, shallow: bool, hash_len: int, head: str | None,
                 head_ref: str | None) -> None:
        self.root = root  # the work tree's top level; the git directory when bare
        self.git_dir = git_dir
        self.common_dir = common_dir  # shared by worktrees: objects, refs, psguard caches
        self.bare = bare
        self.work_tree = work_tree  # the path given was inside a work tree
        self.shallow = shallow
        self.hash_len = hash_len  # bytes of an object id: 20 (sha1) or 32 (sha256)
        self.head = head  # HEAD's object id; None on an unborn branch
        self.head_ref = head_ref  # e.g. refs/heads/main; "HEAD" when detached
        # Commits the caller knows the remote has though no ref here says so (the CI
        # gate: the pull request's head), as remote-tracking refs that exist only in
        # this run. They count wherever remote-tracking refs do (exposure, the refs
        # holding a key), never for what a scan reads.
        self.known_pushed: list[Ref] = []
        self._refs: list[Ref] | None = None
        self._refs_complete = True
        self._remotes: list[str] | None = None
        self._graph: list[bytes | None] = []  # memo: [] until read

    @property
    def refs(self) -> list[Ref]:
        """Every ref, sorted by name, read on first use."""
        if self._refs is None:
            self._refs, self._refs_complete = _read_refs(self.root)
        return self._refs

    @property
    def refs_complete(self) -> bool:
        """False when a ref names an object git cannot read (a missing tag object)."""
        _ = self.refs
        return self._refs_complete

    def ref_names(self, prefix: str = "") -> list[str]:
        return [r.name for r in self.refs if r.name.startswith(prefix)]

    @property
    def remote_refs(self) -> list[str]:
        """Remote-tracking branches, without the symbolic `<remote>/HEAD`; the known
        pushed commits' names among them."""
        names = [r for r in self.ref_names("refs/remotes/") if not r.endswith("/HEAD")]
        return sorted({*names, *(r.name for r in self.known_pushed)})

    @property
    def remotes(self) -> list[str]:
        """The configured remotes' names (`git remote`), read on first use."""
        if self._remotes is None:
            out = run_git(["remote"], self.root, check=False).stdout
            self._remotes = [line for line in os.fsdecode(out).splitlines() if line]
        return self._remotes

    def commit_graph(self) -> bytes | None:
        """Every commit any ref or HEAD reaches with its parents, parents first
        (`rev-list --all --topo-order --reverse --parents`), read once a run for every
        question of the kind "which refs hold this commit"; None when a missing commit
        stopped the walk (a damaged or partial repository)."""
        if not self._graph:
            _ = self.refs  # refs first: the graph then holds every tip they name
            proc = run_git(["rev-list", "--all", "--topo-order", "--reverse", "--parents",
                            *(r.oid for r in self.known_pushed)],
                           self.root, check=False, no_fetch=True)
            self._graph.append(proc.stdout if proc.returncode == 0 else None)
        return self._graph[0]

    @property
    def stash(self) -> str | None:
        return next((r.oid for r in self.refs if r.name == "refs/stash"), None)


def open_snapshot(path: Path) -> RepoSnapshot:
    """The repository holding path (a work tree or a bare repository), or exit 2."""
    if not path.exists():
        raise NotARepositoryError(f"{path}: no such directory")
    snap = try_snapshot(path)
    if snap is None:
        raise NotARepositoryError(f"{path}: not a git repository "
                                  "(run inside a repository or pass its path)")
    return snap


def try_snapshot(path: Path) -> RepoSnapshot | None:
    """As open_snapshot, but None outside a repository."""
    base = path if path.is_dir() else path.parent
    proc = run_git(["rev-parse", "--is-bare-repository", "--is-inside-work-tree",
                    "--show-cdup", "--absolute-git-dir", "--git-common-dir",
                    "--is-shallow-repository", "--show-object-format",
                    "--revs-only", "HEAD", "--symbolic-full-name", "HEAD"], base, check=False)
    if proc.returncode != 0:
        return None
    lines = os.fsdecode(proc.stdout).split("\n")
    bare = lines.pop(0) == "true"
    work_tree = lines.pop(0) == "true"
    # --show-cdup prints a line only inside a work tree (an empty one at the top).
    root = (base / lines.pop(0)).resolve() if work_tree else base
    git_dir = Path(lines.pop(0))
    common = Path(lines.pop(0))
    if not common.is_absolute():
        common = (base / common).resolve()
    shallow = lines.pop(0) == "true"
    hash_len = 32 if lines.pop(0) == "sha256" else 20
    rest = [line for line in lines if line]
    head = rest[0] if rest else None
    head_ref = rest[1] if len(rest) > 1 else None
    return RepoSnapshot(root=root, git_dir=git_dir, common_dir=common, bare=bare,
                        work_tree=work_tree, shallow=shallow, hash_len=hash_len, head=head,
                        head_ref=head_ref)


def _read_refs(root: Path) -> tuple[list[Ref], bool]:
    proc = run_git(["for-each-ref", f"--format={_REF_FORMAT}"], root, check=False,
                   no_fetch=True)
    if proc.returncode == 0:
        return _parse_refs(proc.stdout), True
    # Peeling fails on a ref to a missing tag object: list the refs without it.
    plain = run_git(["for-each-ref", "--format=%(objectname) %(refname)"], root,
                    check=False, no_fetch=True)
    refs = []
    for line in os.fsdecode(plain.stdout).splitlines():
        oid, _, name = line.partition(" ")
        if name:
            refs.append(Ref(name, oid, ""))
    return refs, False


def _parse_refs(out: bytes) -> list[Ref]:
    refs = []
    for line in os.fsdecode(out).splitlines():
        fields = line.split(" ", 4)
        if len(fields) != 5:
            continue
        oid, kind, peeled, peeled_type, name = fields
        refs.append(Ref(name, oid, kind, peeled or None, peeled_type or None))
    return refs


class Repository:
    """The run's repository, opened on first use: a scan that never asks git about the
    repository (a clean pre-commit run, a directory outside git) pays nothing for it."""

    def __init__(self, path: Path, known_pushed: Mapping[str, str] | None = None) -> None:
        self.path = path
        self._known = dict(known_pushed or {})  # remote-tracking name -> commit id
        self._snapshot: RepoSnapshot | None = None
        self._looked = False
        # every path the index changes against HEAD (git/index.py staged_changes),
        # once a staged scan has asked git: the hook then need not ask again
        self.staged_names: set[str] | None = None

    def snapshot(self) -> RepoSnapshot:
        """The snapshot, or NotARepositoryError (exit 2) outside a repository."""
        snap = self.find()
        if snap is None:
            return open_snapshot(self.path)  # raises the error that explains why
        return snap

    def find(self) -> RepoSnapshot | None:
        """The snapshot, or None outside a repository."""
        if not self._looked:
            self._looked = True
            if self.path.exists():
                self._snapshot = try_snapshot(self.path)
            if self._snapshot is not None:
                self._snapshot.known_pushed = [Ref(name, oid, "commit")
                                               for name, oid in sorted(self._known.items())]
        return self._snapshot
