"""The index against HEAD: which files a commit would add or change, and blob contents.

One `diff-index --cached` on the common path (HEAD exists), `ls-files -s` on an unborn
branch; the blobs read in-process when loose (git/loose.py), else by one `cat-file
--batch`. The names of every staged change (deletions too) for the pre-commit hook
when the framework also passes file names.
"""

from __future__ import annotations

import os
from pathlib import Path

from psguard.errors import NotARepositoryError
from psguard.git.loose import objects_dir, read_loose
from psguard.git.runner import run_git

_GITLINK = b"160000"


def _not_a_work_tree(cwd: Path, path: Path) -> NotARepositoryError:
    inside = run_git(["rev-parse", "--git-dir"], cwd, check=False).returncode == 0
    if inside:
        return NotARepositoryError(f"{path}: --staged needs a work tree "
                                   "(this is a bare repository)")
    return NotARepositoryError(f"{path}: not a git repository "
                               "(run inside a repository or pass its path)")


def staged_changes(path: Path, submodules: list[str] | None = None,
                   deleted: list[str] | None = None, every: set[str] | None = None
                   ) -> list[tuple[str, str, str]]:
    """(path from the top, HEAD blob or '', staged blob) for each added or modified
    file under PATH. One git call on the common path (HEAD exists). Staged submodule
    updates (gitlinks) are appended to `submodules`: their content is another repo;
    staged deletions to `deleted`; every path git listed (any change) to `every`, what
    staged_paths would answer, without asking git again."""
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
        return _index_entries(cwd, pathspec, every)  # unborn branch: the whole index is new
    out: list[tuple[str, str, str]] = []
    tokens = proc.stdout.split(b"\0")
    for i in range(0, len(tokens) - 1, 2):
        meta, name = tokens[i], tokens[i + 1]
        if every is not None:
            every.add(os.fsdecode(name))
        parts = meta.lstrip(b":").split(b" ")
        if len(parts) < 5:
            continue
        _old_mode, new_mode, old, new, status = parts[:5]
        if status[:1] == b"D" and deleted is not None:
            deleted.append(os.fsdecode(name))
        if status[:1] not in (b"A", b"M", b"T"):
            continue  # deletions and unmerged entries add nothing to scan
        if new_mode == _GITLINK:
            if submodules is not None:
                submodules.append(os.fsdecode(name))
            continue
        head_blob = "" if set(old) == {ord("0")} else old.decode()
        out.append((os.fsdecode(name), head_blob, new.decode()))
    return out


def staged_paths(path: Path) -> set[str]:
    """The paths (from the top) of every staged change, deletions included; none when
    git cannot tell (the caller then treats every file as not staged)."""
    proc = run_git(["diff", "--cached", "--name-only", "-z", "--no-renames"], path,
                   check=False)
    # surrogateescape, as the framework's arguments decode: names compare equal
    return {name for name in proc.stdout.decode("utf-8", "surrogateescape").split("\0")
            if name}


def _index_entries(cwd: Path, pathspec: list[str], every: set[str] | None
                   ) -> list[tuple[str, str, str]]:
    proc = run_git(["ls-files", "-s", "-z", "--full-name", *pathspec], cwd)
    out = []
    for entry in proc.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        if every is not None:
            every.add(os.fsdecode(path))
        mode, oid, stage = meta.split(b" ")
        if mode == _GITLINK or stage != b"0":
            continue
        out.append((os.fsdecode(path), "", oid.decode()))
    return out


def read_blobs(top: Path, oids: list[str]) -> dict[str, bytes]:
    """Blob contents by id: the loose ones read here (git/loose.py: each checked
    against its id), the others in one cat-file call."""
    out: dict[str, bytes] = {}
    rest: list[str] = []
    objects = objects_dir(str(top)) if oids else None
    for oid in dict.fromkeys(oids):
        data = read_loose(objects, oid) if objects else None
        if data is None:
            rest.append(oid)
        else:
            out[oid] = data
    if rest:
        out.update(read_named(top, rest))
    return out


def read_named(top: Path, names: list[str], *, check: bool = True) -> dict[str, bytes]:
    """Contents of objects named like a blob id, `:path` (the index) or `HEAD:path`,
    by the name asked for, in one `cat-file --batch`; what git lacks is left out."""
    names = [n for n in names if "\n" not in n]  # one name a line
    if not names:
        return {}
    proc = run_git(["cat-file", "--batch"], top,
                   input=os.fsencode("\n".join(names) + "\n"), check=check, no_fetch=True)
    data = proc.stdout
    out: dict[str, bytes] = {}
    pos = 0
    for name in names:  # git answers every name, in order
        eol = data.find(b"\n", pos)
        if eol < 0:
            break
        header = data[pos:eol].split(b" ")
        pos = eol + 1
        if len(header) != 3:
            continue  # missing
        size = int(header[2])
        out[name] = data[pos:pos + size]
        pos += size + 1
    return out


# Every diff `git commit -v` can show below its scissors line: the staged changes
# (against HEAD; against HEAD's first parent when amending) and, with -vv, the
# unstaged ones. Whole files (all context), so every line -v shows is in them, whatever
# diff.context says; no external diff or textconv program runs.
_VERBOSE_DIFFS: tuple[list[str], ...] = (["--cached"], ["--cached", "HEAD^"], [])


def verbose_diffs(top: Path) -> list[bytes]:
    """What `git commit -v` (and -vv) may have written below the scissors line. Run in
    a commit-msg hook, git's GIT_INDEX_FILE (`commit -a`, `commit PATH`) is the index."""
    out = []
    for extra in _VERBOSE_DIFFS:
        proc = run_git(["diff", "--no-color", "--no-ext-diff", "--no-textconv",
                        "--unified=2147483647", *extra, "--"], top, check=False)
        if proc.returncode == 0:
            out.append(proc.stdout)
    return out
