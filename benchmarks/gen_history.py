"""Generate a large synthetic git history, deterministically, with `git fast-import`.

Source text comes from the files that ship with Python's standard library. Each
commit edits a few files the way people do (replace, insert or delete a run of
lines; now and then add, delete or rename a file), so successive versions of a
file differ a little and git stores them as delta chains. Every so often a side
branch is made, worked on and merged back (sometimes with an edit in the merge
itself); every few hundred commits a tag. A few Poolside-shaped keys are planted at
run time (never stored in this file) and later removed again.

    python benchmarks/gen_history.py OUT_DIR --commits 2000 [--files 1500]
        [--edits 4] [--seed 1] [--keys 3] [--repack | --fast-import-layout]

The pack is laid out as a clone would receive it (`git repack -ad` after the
import), unless --fast-import-layout keeps fast-import's own pack.

The same flags and seed give the same history (commit ids included), apart from
the planted keys, which are random each run.
"""

from __future__ import annotations

import argparse
import random
import secrets
import string
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
EPOCH = 1_600_000_000


def planted_key() -> str:
    return "p" + "s-" + "".join(secrets.choice(ALNUM) for _ in range(40))


def stdlib_sources(limit: int, rng: random.Random) -> list[tuple[str, bytes]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*")
                   if p.suffix in (".py", ".txt", ".rst", ".cfg", ".toml", ".json")
                   and p.is_file() and "site-packages" not in p.parts
                   and "__pycache__" not in p.parts)
    out: list[tuple[str, bytes]] = []
    for p in files:
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if not data or b"\0" in data[:8000] or len(data) > 400_000:
            continue
        out.append((p.relative_to(root).as_posix(), data))
    rng.shuffle(out)
    return out[:limit]


class Stream:
    """Writes a fast-import stream to git fast-import's stdin."""

    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(repo), "fast-import", "--quiet",
                                      "--depth=50", "--active-branches=20"],
                                     stdin=subprocess.PIPE)
        assert self.proc.stdin is not None
        self.out = self.proc.stdin
        self.mark = 0

    def data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def commit(self, ref: str, when: int, message: str, parent: int | None,
               merge: int | None, changes: list[tuple[str, bytes | None]]) -> int:
        self.mark += 1
        w = self.out.write
        w(f"commit {ref}\nmark :{self.mark}\n".encode())
        who = "Bench Author <bench@example.invalid>"
        w(f"author {who} {when} +0000\ncommitter {who} {when} +0000\n".encode())
        self.data(message.encode())
        if parent is not None:
            w(f"from :{parent}\n".encode())
        if merge is not None:
            w(f"merge :{merge}\n".encode())
        for path, content in changes:
            if content is None:
                w(f"D {path}\n".encode())
            else:
                w(f"M 100644 inline {path}\n".encode())
                self.data(content)
        w(b"\n")
        return self.mark

    def tag_ref(self, ref: str, mark: int) -> None:
        self.out.write(f"reset {ref}\nfrom :{mark}\n\n".encode())

    def close(self) -> None:
        self.out.close()
        if self.proc.wait() != 0:
            raise SystemExit("git fast-import failed")


def edit(rng: random.Random, data: bytes, donors: list[tuple[str, bytes]],
         base_size: int) -> bytes:
    lines = data.split(b"\n")
    donor = rng.choice(donors)[1].split(b"\n")
    n = rng.randint(1, 25)
    at = rng.randint(0, len(lines))
    start = rng.randint(0, max(0, len(donor) - n))
    piece = donor[start:start + n]
    op = rng.random()
    if op < 0.45 or len(data) > 2 * base_size:  # replace a run
        lines[at:at + rng.randint(1, n)] = piece
    elif op < 0.85:  # insert
        lines[at:at] = piece
    else:  # delete
        del lines[at:at + n]
    return b"\n".join(lines)


def random_changes(rng: random.Random, cur: dict[str, bytes],
                   donors: list[tuple[str, bytes]], base_size: dict[str, int],
                   edits: int) -> dict[str, bytes | None]:
    """One commit's edits, adds, deletes and renames, applied to cur."""
    changes: dict[str, bytes | None] = {}
    for _ in range(rng.randint(1, edits * 2 - 1)):
        path = rng.choice(list(cur)) if rng.random() < 0.9 or not cur else None
        r = rng.random()
        if path is None or r < 0.03:  # add a file
            src, data = rng.choice(donors)
            path = f"src/{rng.randint(0, 99)}/{src}"
            cur[path] = data
            base_size[path] = max(len(data), 2000)
        elif r < 0.05 and len(cur) > 50:  # delete
            del cur[path]
            changes[path] = None
            continue
        elif r < 0.07 and len(cur) > 50:  # rename
            data = cur.pop(path)
            changes[path] = None
            path = path.replace("src/", f"src/moved{rng.randint(0, 9)}/", 1)
            cur[path] = data
            base_size[path] = base_size.get(path, 2000)
        else:
            cur[path] = edit(rng, cur[path], donors, base_size.get(path, 2000))
        changes[path] = cur[path]
    return changes


def merge_changes(rng: random.Random, state: dict[str, bytes], side: dict[str, bytes],
                  side_changed: set[str], donors: list[tuple[str, bytes]],
                  base_size: dict[str, int]) -> dict[str, bytes | None]:
    """Merge a side branch into state: its versions win; sometimes an extra edit."""
    merged: dict[str, bytes | None] = {}
    for path in sorted(side_changed):
        sdata = side.get(path)
        if state.get(path) != sdata:
            merged[path] = sdata
            if sdata is None:
                state.pop(path, None)
            else:
                state[path] = sdata
    if rng.random() < 0.3 and state:
        path = rng.choice(list(state))
        state[path] = edit(rng, state[path], donors, base_size.get(path, 2000))
        merged[path] = state[path]
    return merged


def generate(out: Path, commits: int, files: int, edits: int, seed: int, keys: int) -> dict[
        str, int]:
    rng = random.Random(seed)
    sources = stdlib_sources(files * 2, rng)
    if len(sources) < 10:
        raise SystemExit("not enough standard-library text found")
    initial = sources[:files]
    donors = sources
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    stream = Stream(out)

    state: dict[str, bytes] = {f"src/{p}": d for p, d in initial}
    base_size = {p: max(len(d), 2000) for p, d in state.items()}
    when = EPOCH
    head = stream.commit("refs/heads/main", when, "initial import", None, None,
                         sorted(state.items()))
    key_commits = set(rng.sample(range(10, max(11, commits - 10)), min(keys, commits // 20)))
    planted: dict[str, int] = {}
    side: tuple[int, dict[str, bytes], int, str] | None = None  # tip, state, started, name
    side_changed: set[str] = set()
    stats = {"commits": 1, "merges": 0, "tags": 0, "keys": 0}
    i = 1
    while i < commits:
        when += rng.randint(60, 7200)
        # maybe fork a side branch, or merge the current one back
        if side is None and rng.random() < 0.01:
            side = (head, dict(state), i, f"refs/heads/topic-{i}")
            side_changed = set()
        on_side = side is not None and rng.random() < 0.5
        cur = side[1] if side is not None and on_side else state
        changes = random_changes(rng, cur, donors, base_size, edits)
        if i in key_commits:
            path = f"config/settings-{i}.env"
            key = planted_key()
            cur[path] = f"# deploy settings\nPOOLSIDE_API_KEY={key}\n".encode()
            changes[path] = cur[path]
            planted[path] = i
            stats["keys"] += 1
        for path, at in list(planted.items()):  # remove planted keys 50 commits later
            if i - at == 50 and path in cur:
                del cur[path]
                changes[path] = None
                del planted[path]
        message = f"change {i}: edit {len(changes)} file(s)\n"
        if side is not None and on_side:
            tip = stream.commit(side[3], when, message, side[0], None, sorted(changes.items()))
            side_changed.update(changes)
            side = (tip, cur, side[2], side[3])
        else:
            head = stream.commit("refs/heads/main", when, message, head, None,
                                 sorted(changes.items()))
        i += 1
        stats["commits"] += 1
        if side is not None and i - side[2] > 30 and i < commits:
            merged = merge_changes(rng, state, side[1], side_changed, donors, base_size)
            when += 60
            head = stream.commit("refs/heads/main", when, f"merge {side[3]}\n", head, side[0],
                                 sorted(merged.items()))
            if rng.random() < 0.3:
                stream.tag_ref(side[3], side[0])  # keep some merged branches around
            side = None
            i += 1
            stats["commits"] += 1
            stats["merges"] += 1
        if i % 500 == 0:
            stream.tag_ref(f"refs/tags/v{i // 500}", head)
            stats["tags"] += 1
    if side is not None:
        stream.tag_ref(side[3], side[0])  # an unmerged branch
    stream.close()
    subprocess.run(["git", "-C", str(out), "reset", "-q", "--hard", "main"], check=True)
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--files", type=int, default=1500, help="files in the first commit")
    ap.add_argument("--edits", type=int, default=4, help="average files changed per commit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keys", type=int, default=3, help="keys planted (and later removed)")
    ap.add_argument("--repack", action="store_true",
                    help="git repack -adf afterwards (deeper delta chains, slow)")
    ap.add_argument("--fast-import-layout", action="store_true",
                    help="keep fast-import's pack as it is (commits and trees scattered "
                         "among the blobs) instead of the layout a clone receives")
    args = ap.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        print(f"{args.out} exists and is not empty", file=sys.stderr)
        return 2
    started = time.perf_counter()
    stats = generate(args.out, args.commits, args.files, args.edits, args.seed, args.keys)
    if args.repack:
        subprocess.run(["git", "-C", str(args.out), "repack", "-adf", "-q", "--depth=50",
                        "--window=10"], check=True)
    elif not args.fast_import_layout:
        # What a clone receives: pack-objects order (commits and trees together, then
        # blobs), fast-import's deltas reused. Audits usually run on clones.
        subprocess.run(["git", "-C", str(args.out), "repack", "-ad", "-q"], check=True)
    subprocess.run(["git", "-C", str(args.out), "commit-graph", "write", "--reachable"],
                   check=True, capture_output=True)
    sizes = subprocess.run(["git", "-C", str(args.out), "count-objects", "-vH"], check=True,
                           capture_output=True, text=True).stdout.split("\n")
    print(f"generated {args.out}: {stats} in {time.perf_counter() - started:.1f} s; "
          + "; ".join(s for s in sizes if s.startswith(("size-pack", "count"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
