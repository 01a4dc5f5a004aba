"""What git says about the commits and files a report's keys sit in: the facts exposure
is classified from (stages/classify.py), asked once for every finding of a scan.

Refs, remotes, HEAD and the kind of repository come from the run's RepoSnapshot. Which
refs hold a commit (published, tag-only, off-branch, in the primary remote ref, which
tags and notes refs) is answered for every asked-about commit by one walk: `rev-list
--all --parents`, parents first, carries a bit per asked-about commit from each commit
to its children, so the tip of each ref holds the bits of the asked-about commits it
reaches (git/ancestry.py). A second process reads the commits'
parents, authors and dates. Commits the walk never meets (older stash entries, amended
commits) are reachable from no ref; one `cat-file --batch-check` tells whether they
exist at all.

In a damaged repository (the walk stops at a missing commit, or a ref names a missing
object), the questions are asked one set at a time with `rev-list … --not …`, as before
the walk existed, so the answers there stay what they were.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from psguard.git.ancestry import Holders, holders
from psguard.git.headers import iso_date
from psguard.git.index import read_named
from psguard.git.locate import refs_containing
from psguard.git.runner import run_git
from psguard.git.snapshot import RepoSnapshot
from psguard.models import Record

_CHUNK = 200  # commits per `rev-list … --not …` (fallback only)
_SYMREF_MAX = 4096


class Reach(Record):
    """What git says about the commits asked about, and about the repository."""

    __slots__ = ("remote", "remote_refs", "no_remotes", "local_only", "notes_refs", "head",
                 "primary",
                 "published", "unpublished", "tag_only", "off_branch", "stash_of",
                 "in_primary", "parents", "meta", "stamp", "missing", "containing",
                 "tag_oids")

    def __init__(self, *, remote: str = "origin", remote_refs: list[str] | None = None,
                 notes_refs: list[str] | None = None, head: str | None = None,
                 primary: str | None = None, remote_configured: bool = True) -> None:
        self.remote = remote  # the remote to name in advice: origin, else the first one
        self.remote_refs: list[str] = remote_refs or []  # without `<remote>/HEAD`
        # A remote configured but no remote-tracking refs (a CI checkout, a mirror) or a
        # bare repository others push to: then every ref but the stash publishes.
        self.no_remotes = not self.remote_refs and remote_configured
        # No remote at all in a work tree: a local repository, nothing pushed from here.
        self.local_only = not self.remote_refs and not remote_configured
        self.notes_refs: list[str] = notes_refs or []
        self.head = head  # HEAD's commit; None on an unborn branch
        self.primary = primary  # the remote's default branch ref (refs/remotes/origin/main)
        self.published: set[str] = set()
        self.unpublished: set[str] = set()
        self.tag_only: set[str] = set()  # reachable from tags, not branches nor remotes
        self.off_branch: set[str] = set()  # unpublished, on no branch nor HEAD
        self.stash_of: dict[str, str] = {}  # commit -> stash@{n}
        self.in_primary: set[str] = set()  # published via the primary remote ref
        self.parents: dict[str, list[str]] = {}
        # commit -> (author, date); None where a malformed header leaves it unknown
        self.meta: dict[str, tuple[str | None, str | None]] = {}
        self.stamp: dict[str, int] = {}  # commit -> author time (epoch)
        self.missing: set[str] = set()  # asked about, but no such object
        # commit -> every ref holding it, for the commits whose refs a report names:
        # tag-only commits, notes commits, published commits outside the primary ref.
        self.containing: dict[str, list[str]] = {}
        self.tag_oids: dict[str, str] = {}  # tag name -> the object its ref names here

    def refs_containing(self, commit: str, prefix: str) -> list[str]:
        """The refs under prefix (`refs/tags`) whose history holds commit."""
        return [r for r in self.containing.get(commit, []) if r.startswith(prefix + "/")]


class PathVersions(Record):
    """The index's and every commit's version of some files (paths from the top)."""

    __slots__ = ("index", "versions")

    def __init__(self, index: dict[str, bytes] | None = None,
                 versions: dict[str, list[tuple[str, bytes]]] | None = None) -> None:
        self.index: dict[str, bytes] = index or {}  # path -> content in the index
        # path -> (commit, content) for each commit (any ref, any stash) that changed it
        self.versions: dict[str, list[tuple[str, bytes]]] = versions or {}


class ReachReader:
    """Asks git about one repository, through its snapshot."""

    def __init__(self, snapshot: RepoSnapshot) -> None:
        self.snap = snapshot
        self.root = snapshot.root
        remotes = snapshot.remotes
        self.remote = "origin" if "origin" in remotes or not remotes else remotes[0]
        self._stashes: dict[str, str] | None = None

    def stashes(self) -> dict[str, str]:
        """Every commit a stash entry is made of (work tree, index, untracked) -> stash@{n}."""
        if self._stashes is not None:
            return self._stashes
        out: dict[str, str] = {}
        self._stashes = out
        if self.snap.stash is None:
            return out
        proc = run_git(["log", "-g", "--format=%H %P", "refs/stash"], self.root, check=False)
        for n, line in enumerate(_lines(proc.stdout)):
            ids = line.split()
            if not ids:
                continue
            out.setdefault(ids[0], f"stash@{{{n}}}")
            for extra in ids[2:]:  # the index and untracked-files commits
                out.setdefault(extra, f"stash@{{{n}}}")
        return out

    # --- files ---------------------------------------------------------------------

    def path_versions(self, paths: list[str]) -> PathVersions:
        """The index's version of each path and every committed one (see path_history)."""
        index = self._read([f":{p}" for p in paths])
        history = self._path_history(paths)
        blobs = self._read(sorted({b for _, _, b in history}))
        versions: dict[str, list[tuple[str, bytes]]] = {}
        for commit, path, blob in history:
            versions.setdefault(path, []).append((commit, blobs.get(blob, b"")))
        return PathVersions({p: index[f":{p}"] for p in paths if f":{p}" in index}, versions)

    def _read(self, names: list[str]) -> dict[str, bytes]:
        """Contents of objects named like `:path` or a blob id."""
        return read_named(self.root, names, check=False)

    def _path_history(self, paths: list[str]) -> list[tuple[str, str, str]]:
        """(commit, path, new blob) for each commit (any ref) that changed one of paths.

        One history walk for all paths (pathspecs are literal, from the top level).
        """
        out: list[tuple[str, str, str]] = []
        # Older stashes (stash@{1}…) live only in the stash's reflog: name them too.
        tips = sorted({c for c, name in self.stashes().items() if name != "stash@{0}"})
        for i in range(0, len(paths), 500):
            specs = [f":(top,literal){p}" for p in paths[i:i + 500]]
            # Merges are diffed against their first parent: that catches stash commits
            # (a merge of HEAD and the index) and keys added while resolving a merge.
            proc = run_git(["log", "--all", "-z", "--format=%x01%H", "--raw", "--no-abbrev",
                            "--no-renames", "--diff-merges=first-parent", *tips, "--",
                            *specs],
                           self.root, check=False, no_fetch=True)
            out.extend(_parse_raw(proc.stdout))
        return out

    # --- commits -------------------------------------------------------------------

    def reach(self, commits: set[str], notes: set[str] | None = None) -> Reach:
        """Facts about commits (those holding keys) and notes (notes commits holding
        keys: only which notes refs hold them is asked)."""
        snap = self.snap
        r = Reach(remote=self.remote, remote_refs=snap.remote_refs,
                  notes_refs=snap.ref_names("refs/notes/"), head=snap.head,
                  remote_configured=bool(snap.remotes) or snap.bare)
        r.tag_oids = {ref.name.removeprefix("refs/tags/"): ref.oid for ref in snap.refs
                      if ref.name.startswith("refs/tags/")}
        notes = notes or set()
        if not commits and not notes:
            return r
        masks = self._walk(commits | notes) if snap.refs_complete else None
        seen = set() if masks is None else {c for c in commits if masks.walked(c)}
        unseen = sorted(commits - seen)
        types = self._object_types(unseen) if unseen else {}
        real = sorted(seen | {c for c in unseen if types.get(c) == "commit"})
        r.missing = {c for c in unseen if c not in types}
        if real:
            r.stash_of = self.stashes()
            if not r.no_remotes:
                r.primary = self._primary()
            if masks is not None:
                masks.classify(r, real)
            else:
                self._classify_by_rev_lists(r, real)
            self._read_meta(r, real)
        wanted = r.tag_only | (r.published - r.in_primary) | notes
        if masks is not None:
            r.containing = {c: masks.refs_holding([c]) for c in wanted}
        else:  # the walk failed: ask git one question at a time
            r.containing = {c: refs_containing(self.root, {c}) for c in wanted}
        return r

    def _walk(self, asked: set[str]) -> _Masks | None:
        found = holders(self.snap, asked)  # the run's one walk of the commit graph
        if found is None:  # a missing commit: the walk stopped early
            return None
        return _Masks(found.bit, found.tips, found.head, found.reached)

    def _object_types(self, names: list[str]) -> dict[str, str]:
        proc = run_git(["cat-file", "--batch-check=%(objecttype)"], self.root,
                       input=("\n".join(names) + "\n").encode(), check=False)
        out: dict[str, str] = {}
        for name, line in zip(names, proc.stdout.decode(errors="replace").splitlines(),
                              strict=False):
            if not line.endswith("missing") and " " not in line:
                out[name] = line
        return out

    def _read_meta(self, r: Reach, real: list[str]) -> None:
        # The date from the raw author time and offset (%ad with --date=raw), formatted
        # by headers.iso_date: git's own %aI of a malformed header is no date at all.
        proc = run_git(["log", "--no-walk=unsorted", "--stdin", "--date=raw",
                        "--format=%H %P%x00%an <%ae>%x00%at%x00%ad"], self.root,
                       input=("\n".join(real) + "\n").encode(), check=False)
        for line in _lines(proc.stdout):
            ids, _, rest = line.partition("\0")
            parts = ids.split()
            if not parts:
                continue
            r.parents[parts[0]] = parts[1:]
            author, _, rest = rest.partition("\0")
            stamp, _, raw_date = rest.partition("\0")
            when = int(stamp) if stamp.isdigit() and len(stamp) <= 20 else None
            tz = raw_date.split()[-1].encode() if raw_date.split() else b""
            # " <>": no author line at all
            r.meta[parts[0]] = (None if author.strip() == "<>" else author,
                                iso_date(when, tz))
            r.stamp[parts[0]] = when or 0

    def _primary(self) -> str | None:
        """The remote's default branch (<remote>/HEAD), else its main or master, else any."""
        remote_refs = self.snap.remote_refs
        if not remote_refs:
            return None
        base = f"refs/remotes/{self.remote}/"
        target = self._symref_target(base + "HEAD")
        if target in remote_refs:
            return target
        for name in (base + "main", base + "master"):
            if name in remote_refs:
                return name
        return remote_refs[0]

    def _symref_target(self, name: str) -> str | None:
        """What the symbolic ref name points to; None when it is no symbolic ref."""
        if not any(ref.name == name for ref in self.snap.refs):
            return None  # absent, or dangling (then its target is no remote ref either)
        # A symbolic ref is always a loose file ("ref: <target>"): read it rather than
        # start `git symbolic-ref`. Anything else (a symlink, another ref storage)
        # asks git.
        text = _read_small_regular_file(self.snap.common_dir / name)
        if text is not None and text.startswith("ref: "):
            return text[5:].strip()
        if text is not None:
            return None  # a plain ref: `git symbolic-ref -q` would say so too
        proc = run_git(["symbolic-ref", "-q", name], self.root, check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def _classify_by_rev_lists(self, r: Reach, real: list[str]) -> None:
        """The reachability sets from `rev-list … --not …` (damaged repositories only)."""
        published_args = (["--exclude=refs/stash", "--all"] if r.no_remotes
                          else ["--remotes", *(k.oid for k in self.snap.known_pushed)])
        unpublished = self._rev_list(real, published_args)
        r.unpublished = {c for c in real if c in unpublished}
        r.published = {c for c in real if c not in unpublished}
        if r.published and r.primary:
            outside = self._rev_list(sorted(r.published), [r.primary])
            r.in_primary = {c for c in r.published if c not in outside}
        if self.snap.ref_names("refs/tags/"):
            tag_only = self._rev_list(["--tags"], ["--branches", "--remotes"])
            r.tag_only = {c for c in real if c in tag_only}
        if r.unpublished:
            heads = ["--branches", "HEAD"] if r.head else ["--branches"]
            on_branch = self._rev_list(heads, published_args)
            r.off_branch = {c for c in r.unpublished if c not in on_branch}

    def _rev_list(self, positive: list[str], negative: list[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(positive), _CHUNK):
            chunk = positive[i:i + _CHUNK]
            proc = run_git(["rev-list", *chunk, "--not", *negative], self.root, check=False)
            if proc.returncode == 0:
                out.update(_lines(proc.stdout))
        return out


class _Masks(Holders):
    """The walk's answer, with the set algebra classification needs."""

    def walked(self, commit: str) -> bool:
        """Whether the walk met commit (so some ref, or HEAD, reaches it)."""
        return bool(self.reached.get(commit, 0) & self.bit[commit])

    def union(self, *prefixes: str, but: str | None = None) -> int:
        """The commits the refs under prefixes hold (all but one ref, `but`)."""
        mask = 0
        for name, m in self.tips:
            if name.startswith(prefixes) and name != but:
                mask |= m
        return mask

    def of(self, ref: str) -> int:
        return next((m for name, m in self.tips if name == ref), 0)

    def classify(self, r: Reach, real: list[str]) -> None:
        """The same sets `rev-list` gives: published = --remotes, or with no remote refs
        --exclude=refs/stash --all (every ref and HEAD); tag-only = --tags --not
        --branches --remotes; off-branch = unpublished and not in --branches HEAD."""
        if r.no_remotes:
            # --all also holds what no listed ref does: other worktrees' HEADs.
            listed = self.union("refs/") | self.head
            elsewhere = sum(b for c, b in self.bit.items() if self.walked(c)) & ~listed
            published = self.union("refs/", but="refs/stash") | self.head | elsewhere
        else:
            published = self.union("refs/remotes/")
        primary = self.of(r.primary) if r.primary else 0
        tags = self.union("refs/tags/") & ~self.union("refs/heads/", "refs/remotes/")
        on_branch = self.union("refs/heads/") | self.head
        for c in real:
            b = self.bit[c]
            if published & b:
                r.published.add(c)
                if primary & b:
                    r.in_primary.add(c)
            else:
                r.unpublished.add(c)
                if not on_branch & b:
                    r.off_branch.add(c)
            if tags & b:
                r.tag_only.add(c)


def _read_small_regular_file(path: Path) -> str | None:
    """The text of a small regular file; None for a symlink, a FIFO, a device or an
    absent file (never followed, never blocked on: the repository is not trusted)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, _SYMREF_MAX).decode(errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def _parse_raw(data: bytes) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    commit = None
    tokens = data.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        if tok.startswith(b"\x01"):
            commit = tok[1:].decode()
        elif tok.startswith(b":") and i + 1 < len(tokens):
            fields = tok[1:].split(b" ")
            path = os.fsdecode(tokens[i + 1])
            if commit and len(fields) >= 4 and fields[3].strip(b"0"):  # not a deletion
                out.append((commit, path, fields[3].decode()))
            i += 1  # the path
        i += 1
    return out


def _lines(data: bytes) -> list[str]:
    # Only "\n" ends a line: str.splitlines() also splits at \x1c, \x85 and others,
    # which an author's name may hold.
    return [line for line in os.fsdecode(data).split("\n") if line]
