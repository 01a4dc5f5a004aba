"""How far each finding's key has travelled: working-tree, staged, local or pushed.

A finding's exposure is the furthest place any of its copies has reached:

- ``working-tree``: only in files on disk that git has not been given (or outside git);
- ``staged``: in the index, not in any commit;
- ``local``: in commits that no remote-tracking ref (``refs/remotes/*``) reaches;
- ``pushed``: in a commit reachable from a remote-tracking ref, or, in a repository with
  no remote-tracking refs at all (a CI checkout, a mirror), from any ref but the stash.
- ``None`` (JSON ``null``): the scan read standard input; psguard cannot know where the
  text came from, so it claims nothing.

A working-tree or staged scan only reads files, but the same key often sits in the
committed version of the file too. So for every file that holds a key, this module also
looks at the index and at every commit that changed that path (any ref), and the
exposure is the furthest of them: a key in ``config.py`` that was pushed last week and is
still in the file today is ``pushed``, not ``working-tree``. (A key that was committed
under a different path is found by ``psguard scan --history``, not here.)

Keys that no branch holds get ``exposure_detail.only_in``: ``stash`` (stashes are never
pushed), ``tag`` (tags are not tracked per remote, so psguard cannot tell whether the tag
was pushed; the finding says how to check) or ``note`` (notes refs are pushed only on
request). Such keys are ``local`` unless a remote-tracking ref reaches them.

Only the git binary is used (with psguard's safe options); nothing here runs when a scan
found nothing, so clean hook runs pay nothing for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from psguard.git.locate import refs_containing_each
from psguard.git.runner import GitError, find_toplevel, run_git
from psguard.models import EXPOSURE_ORDER, Candidate, ExposureDetail, Finding, Record

_ZERO = "0" * 40
_MAX_PATHS = 200  # file paths traced through history per scan


def _commit_of(c: Candidate) -> str | None:
    return c.origin.commit


class _Reach(Record):
    """What git says about a set of commits."""

    __slots__ = ("published", "unpublished", "tag_only", "off_branch", "stash_of",
                 "in_primary", "parents", "meta", "stamp", "missing")

    def __init__(self) -> None:
        self.published: set[str] = set()
        self.unpublished: set[str] = set()
        self.tag_only: set[str] = set()
        self.off_branch: set[str] = set()  # unpublished, on no branch nor HEAD
        self.stash_of: dict[str, str] = {}  # commit -> stash@{n}
        self.in_primary: set[str] = set()  # published via the main remote ref
        self.parents: dict[str, list[str]] = {}
        self.meta: dict[str, tuple[str, str]] = {}  # commit -> (author, date)
        self.stamp: dict[str, int] = {}  # commit -> author time (epoch)
        self.missing: set[str] = set()


class RepoView:
    """A repository's refs, remotes and reachability, read once per scan."""

    def __init__(self, root: Path) -> None:
        self.root = root
        refs = _lines(run_git(["for-each-ref", "--format=%(refname)"], root).stdout)
        self.refs = refs
        self.remote_refs = [r for r in refs
                            if r.startswith("refs/remotes/") and not r.endswith("/HEAD")]
        self.no_remotes = not self.remote_refs
        remotes = _lines(run_git(["remote"], root).stdout)
        self.remote = "origin" if "origin" in remotes or not remotes else remotes[0]
        self.notes_refs = [r for r in refs if r.startswith("refs/notes/")]
        self.tag_refs = [r for r in refs if r.startswith("refs/tags/")]
        head = run_git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], root, check=False)
        self.head = head.stdout.decode().strip() if head.returncode == 0 else None
        self._askable: set[str] = set()  # commits refs_containing may be asked about
        self._containing: dict[str, list[str]] | None = None
        self._stashes: dict[str, str] | None = None
        self._primary: list[str | None] = []  # memo: [] until computed

    @property
    def published_args(self) -> list[str]:
        if self.no_remotes:
            return ["--exclude=refs/stash", "--all"]
        return ["--remotes"]

    def rev_list(self, positive: list[str], negative: list[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(positive), 200):
            chunk = positive[i:i + 200]
            proc = run_git(["rev-list", *chunk, "--not", *negative], self.root, check=False)
            if proc.returncode == 0:
                out.update(_lines(proc.stdout))
        return out

    def reach(self, commits: set[str]) -> _Reach:
        r = _Reach()
        if not commits:
            return r
        types = self.object_types(commits)
        real = sorted(c for c in commits if types.get(c) == "commit")
        r.missing = {c for c in commits if types.get(c) is None}
        if not real:
            return r
        unpublished = self.rev_list(real, self.published_args)
        r.unpublished = {c for c in real if c in unpublished}
        r.published = {c for c in real if c not in unpublished}
        primary = self.primary_remote_ref()
        if r.published and primary:
            outside = self.rev_list(sorted(r.published), [primary])
            r.in_primary = {c for c in r.published if c not in outside}
        if self.tag_refs:
            tag_only = self.rev_list(["--tags"], ["--branches", "--remotes"])
            r.tag_only = {c for c in real if c in tag_only}
        r.stash_of = self.stashes()
        if r.unpublished:
            heads = ["--branches", "HEAD"] if self.head else ["--branches"]
            on_branch = self.rev_list(heads, self.published_args)
            r.off_branch = {c for c in r.unpublished if c not in on_branch}
        for line in _lines(run_git(["log", "--no-walk=unsorted", "--stdin",
                                    "--format=%H %P%x00%an <%ae>%x00%aI%x00%at"], self.root,
                                   input=("\n".join(real) + "\n").encode(),
                                   check=False).stdout):
            ids, _, rest = line.partition("\0")
            parts = ids.split()
            if not parts:
                continue
            r.parents[parts[0]] = parts[1:]
            author, _, rest = rest.partition("\0")
            date, _, stamp = rest.partition("\0")
            r.meta[parts[0]] = (author, date)
            r.stamp[parts[0]] = int(stamp) if stamp.isdigit() else 0
        return r

    def primary_remote_ref(self) -> str | None:
        """The remote's default branch (origin/HEAD), else its main or master, else any."""
        if not self._primary:
            self._primary.append(self._find_primary())
        return self._primary[0]

    def _find_primary(self) -> str | None:
        if self.no_remotes:
            return None
        base = f"refs/remotes/{self.remote}/"
        proc = run_git(["symbolic-ref", "-q", base + "HEAD"], self.root, check=False)
        target = proc.stdout.decode().strip()
        if proc.returncode == 0 and target in self.remote_refs:
            return target
        for name in (base + "main", base + "master"):
            if name in self.remote_refs:
                return name
        return self.remote_refs[0]

    def object_types(self, names: Iterable[str]) -> dict[str, str]:
        names = list(names)
        proc = run_git(["cat-file", "--batch-check=%(objecttype)"], self.root,
                       input=("\n".join(names) + "\n").encode(), check=False)
        out: dict[str, str] = {}
        for name, line in zip(names, proc.stdout.decode(errors="replace").splitlines(),
                              strict=False):
            if not line.endswith("missing") and " " not in line:
                out[name] = line
        return out

    def stashes(self) -> dict[str, str]:
        """Every commit a stash entry is made of (work tree, index, untracked) -> stash@{n}."""
        if self._stashes is not None:
            return self._stashes
        out: dict[str, str] = {}
        self._stashes = out
        if "refs/stash" not in self.refs:
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

    def expect_questions(self, commits: Iterable[str]) -> None:
        """Commits refs_containing may be asked about: all answered by one walk, at the
        first question (a walk per question costs 0.2-0.3 s on a large repository)."""
        self._askable.update(commits)

    def refs_containing(self, commit: str, pattern: str) -> list[str]:
        """The refs under pattern (`refs/tags`) whose history holds commit."""
        if self._containing is None:  # the first question answers every expected one
            self._containing = {}
            self._answer(self._askable | {commit})
        elif commit not in self._containing:
            self._answer({commit})
        return [r for r in self._containing[commit] if r.startswith(pattern + "/")]

    def _answer(self, commits: set[str]) -> None:
        asked = sorted(commits)
        answers = refs_containing_each(self.root, [{c} for c in asked])
        assert self._containing is not None
        self._containing.update(zip(asked, answers, strict=True))

    def read(self, names: list[str]) -> dict[str, bytes]:
        """Contents of objects named like `HEAD:path`, `:path` or a blob id."""
        safe = [n for n in names if "\n" not in n]
        if not safe:
            return {}
        proc = run_git(["cat-file", "--batch"], self.root,
                       input=os.fsencode("\n".join(safe) + "\n"), check=False)
        data = proc.stdout
        out: dict[str, bytes] = {}
        pos = 0
        for name in safe:
            nl = data.find(b"\n", pos)
            if nl < 0:
                break
            header = data[pos:nl].split(b" ")
            pos = nl + 1
            if len(header) != 3:
                continue
            size = int(header[2])
            out[name] = data[pos:pos + size]
            pos += size + 1
        return out

    def path_history(self, paths: list[str]) -> list[tuple[str, str, str]]:
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
                           self.root, check=False)
            out.extend(_parse_raw(proc.stdout))
        return out


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
            if commit and len(fields) >= 4 and fields[3].decode() != _ZERO:
                out.append((commit, path, fields[3].decode()))
            i += 1  # the path
        i += 1
    return out


def _lines(data: bytes) -> list[str]:
    return [line for line in os.fsdecode(data).splitlines() if line]


def assess(findings: list[Finding], *, mode: str, root: Path | None) -> None:
    """Set exposure, exposure_detail, first_seen and notes on every finding."""
    if not findings:
        return
    if mode == "stdin":
        for f in findings:
            f.exposure = None
        return
    base = root if root is not None and root.is_dir() else (
        root.parent if root is not None else Path("."))
    top = find_toplevel(base)
    if top is None and mode not in ("worktree", "staged"):
        # A bare repository (a mirror, a server-side hook): git works, no work tree.
        bare = run_git(["rev-parse", "--is-bare-repository"], base, check=False)
        if bare.returncode == 0 and bare.stdout.strip() == b"true":
            top = base
    if top is None:
        for f in findings:
            f.exposure = "working-tree"  # files outside git: not committed anywhere
        return
    try:
        _assess_in_repo(findings, mode, top, root)
    except GitError as exc:  # exposure is advice: never fail a scan over it
        for f in findings:
            f.notes.append(f"exposure could not be traced in git: {exc}")


def _rel_to_top(top: Path, root: Path | None, path: str) -> str:
    """A location path (relative to the scanned directory) as a path from the top level."""
    if root is None:
        return path
    base = root if root.is_dir() else root.parent
    try:
        rel = os.path.relpath(os.path.join(os.path.realpath(base), path), os.path.realpath(top))
    except ValueError:
        return path
    return rel.replace(os.sep, "/")


def _assess_in_repo(findings: list[Finding], mode: str, top: Path, root: Path | None) -> None:
    view = RepoView(top)
    # 1. Files (work tree, or the index in staged scans): trace each path through history.
    file_secrets: dict[str, set[str]] = {}
    for f in findings:
        for c in f.candidates:
            rel = _loc_path(c, top, root)
            if _is_file_location(c, mode) and rel:
                file_secrets.setdefault(rel, set()).add(f.secret)
    held_by: dict[str, set[str]] = {}  # secret -> commits holding it (traced paths)
    staged: dict[str, set[str]] = {}  # secret -> paths whose index version holds it
    untraced = 0
    if file_secrets:
        paths = sorted(file_secrets)
        traced, untraced = paths[:_MAX_PATHS], max(0, len(paths) - _MAX_PATHS)
        index = view.read([f":{p}" for p in traced])
        for p in traced:
            for s in file_secrets[p]:
                if s.encode() in index.get(f":{p}", b""):
                    staged.setdefault(s, set()).add(p)
        history = view.path_history(traced)
        blobs = view.read(sorted({b for _, _, b in history}))
        for commit, path, blob in history:
            data = blobs.get(blob, b"")
            for s in file_secrets.get(path, ()):
                if s.encode() in data:
                    held_by.setdefault(s, set()).add(commit)
    # 2. Reachability of every commit that holds a key.
    all_commits: set[str] = set()
    for f in findings:
        all_commits.update(c.origin.commit for c in f.candidates
                           if c.origin.commit and c.origin.kind not in ("tag-message", "note"))
        all_commits.update(held_by.get(f.secret, ()))
    reach = view.reach(all_commits)
    view.expect_questions(all_commits)
    view.expect_questions(c.origin.commit for f in findings for c in f.candidates
                          if c.origin.kind == "note" and c.origin.commit)
    for f in findings:
        _assess_one(f, mode, view, reach, held_by.get(f.secret, set()),
                    staged.get(f.secret, set()), top, root)
        if untraced:
            f.notes.append(f"{untraced} file path(s) were not traced through history "
                           "(too many); run psguard scan --history for the full picture")


def _loc_path(c: Candidate, top: Path, root: Path | None) -> str | None:
    """Work-tree paths are relative to the scanned directory; git paths to the top."""
    if not c.origin.path:
        return None
    if c.origin.kind == "file":
        return _rel_to_top(top, root, c.origin.path)
    return c.origin.path


def _is_file_location(c: Candidate, mode: str) -> bool:
    if c.origin.kind == "file":
        return True
    return mode == "staged" and c.origin.kind == "blob" and not c.origin.commit


def _assess_one(f: Finding, mode: str, view: RepoView, reach: _Reach, held: set[str],
                staged_paths: set[str], top: Path, root: Path | None) -> None:
    d = ExposureDetail(remote=view.remote, repo_dir=top.name)
    level = "working-tree"
    places: list[str] = []  # where each copy is, for only_in: branch | stash | tag | note
    commits: set[str] = set(held)

    def bump(to: str) -> None:
        nonlocal level
        if EXPOSURE_ORDER[to] > EXPOSURE_ORDER[level]:
            level = to

    for c in f.candidates:
        o = c.origin
        if _is_file_location(c, mode):
            rel = _loc_path(c, top, root)
            if rel and rel not in d.paths:
                d.paths.append(rel)
            if mode == "staged" or (rel in staged_paths):
                bump("staged")
                if rel and rel not in d.staged_paths:
                    d.staged_paths.append(rel)
            places.append("branch")
        elif o.kind == "tag-message":
            # The history source gives the tag's ref as path and its target as commit.
            name = (o.path or "").removeprefix("refs/tags/")
            if name and name not in d.tags:
                d.tags.append(name)
            bump("pushed" if view.no_remotes else "local")
            places.append("tag")
        elif o.kind == "note":
            # path: the annotated object's id inside the notes tree (maybe fanned out
            # as ab/cdef…); commit: the notes commit that holds it.
            refs = view.refs_containing(o.commit, "refs/notes") if o.commit else []
            for ref in refs or view.notes_refs[:1] or ["refs/notes/commits"]:
                if ref not in d.notes_refs:
                    d.notes_refs.append(ref)
            target = (o.path or "").replace("/", "")
            if target and target not in d.note_targets:
                d.note_targets.append(target)
            pushed_note = view.no_remotes or any(
                r.startswith("refs/remotes/") and "notes" in r for r in view.remote_refs)
            bump("pushed" if pushed_note else "local")
            places.append("note")
        elif o.kind == "blob" and not o.commit:
            # In the object store but in no commit any ref or reflog reaches (dropped
            # stashes, `git add` then unstaged, pruned branches): never pushed from here.
            bump("local")
            places.append("unreachable")
        elif o.commit:
            commits.add(o.commit)
            if o.path and o.kind in ("blob", "stash") and o.path not in d.paths:
                d.paths.append(o.path)
            if o.kind == "stash" or (o.commit in reach.stash_of
                                     and o.commit not in reach.published):
                places.append("stash")
            elif o.commit in reach.tag_only:
                places.append("tag")
            elif o.commit in reach.off_branch:
                places.append("reflog")
            else:
                places.append("branch")
        else:
            places.append("branch")
    for commit in commits:
        if commit in reach.published:
            bump("pushed")
        elif commit in reach.unpublished:
            bump("local")
        if commit in reach.stash_of and commit not in reach.published:
            stash = reach.stash_of[commit]
            if stash not in d.stashes:
                d.stashes.append(stash)
            if commit in held:
                places.append("stash")
        elif commit in held:
            places.append("tag" if commit in reach.tag_only else
                          "reflog" if commit in reach.off_branch else "branch")
        if commit in reach.tag_only:
            for ref in view.refs_containing(commit, "refs/tags"):
                name = ref.removeprefix("refs/tags/")
                if name not in d.tags:
                    d.tags.append(name)
    # Oldest first by author time: the first appearance of the key.
    dated = sorted((reach.stamp.get(c, 0), c) for c in commits if c in reach.meta)
    d.commits = [c for _, c in dated]
    d.local_commits = [c for c in d.commits if c in reach.unpublished
                       and c not in reach.stash_of and c not in reach.tag_only
                       and c not in reach.off_branch]
    d.root_commits = [c for c in d.local_commits if not reach.parents.get(c)]
    if view.head and view.head in commits:
        d.head = view.head
    kinds = {p for p in places}
    if kinds and "branch" not in kinds:
        d.only_in = sorted(kinds)
    pushed = [c for c in d.commits if c in reach.published]
    if pushed:
        if view.no_remotes:
            d.published_by = "no-remotes"
        else:
            primary = view.primary_remote_ref()
            first = next((c for c in pushed if c in reach.in_primary), None)
            if first and primary:
                d.published_by = primary.removeprefix("refs/remotes/")
            else:
                refs = view.refs_containing(pushed[0], "refs/remotes")
                d.published_by = (refs[0].removeprefix("refs/remotes/") if refs
                                  else "a remote-tracking ref")
    elif level == "pushed" and view.no_remotes:
        d.published_by = "no-remotes"
    f.exposure = level
    f.exposure_detail = d
    if dated and (f.first_seen is None or not f.first_seen.get("commit")):
        first = dated[0][1]
        author, date = reach.meta[first]
        f.first_seen = {"commit": first, "author": author, "date": date}
    _add_notes(f, d, mode, view, held)


def _add_notes(f: Finding, d: ExposureDetail, mode: str, view: RepoView,
               held: set[str]) -> None:
    if mode in ("worktree", "staged") and held and f.exposure in ("local", "pushed"):
        f.notes.append(f"the committed version of {', '.join(d.paths) or 'this file'} "
                       f"also holds this key, so it has travelled beyond the "
                       f"{'index' if mode == 'staged' else 'working tree'}")
    if d.published_by == "no-remotes" and f.exposure == "pushed":
        f.notes.append("this repository has no remote-tracking refs (a CI checkout or a "
                       "mirror?): every commit is treated as published")
    if "stash" in d.only_in and len(d.only_in) == 1:
        f.notes.append(f"only in a stash ({', '.join(d.stashes) or 'refs/stash'}): "
                       "stashes are never pushed, but they keep the key in .git")
    if "tag" in d.only_in:
        f.notes.append(f"only reachable from tag(s) {', '.join(d.tags) or '?'}, not from "
                       "any branch: tags are pushed separately, so psguard cannot tell "
                       "whether a remote has them")
    if d.only_in and set(d.only_in) <= {"reflog", "unreachable"}:
        f.notes.append("only in objects no branch, tag or stash holds any more (amended, "
                       "rebased, reset or dropped): they stay in .git until git prunes them")
    if "note" in d.only_in:
        f.notes.append(f"only in git notes ({', '.join(d.notes_refs)}): notes are pushed "
                       "only when someone pushes the notes ref")
