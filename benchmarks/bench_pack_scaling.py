"""Scaling curve of the history readers: cost against pack size and expanded size.

Generates histories with gen_history.py at 1x, 2x, 4x and 8x a base number of
commits (same seed: each a longer run of the same history) and audits each with
`psguard scan --history --no-cache`, once through `git cat-file`
(PSGUARD_HISTORY_READER=catfile) and once through the delta-aware pack reader
(PSGUARD_HISTORY_READER=pack). Prints for each size the pack's size, the expanded
size of its blobs, commits and tags, and per reader wall time, CPU time (user +
system, children included), peak RSS of the process tree and findings (which must
agree), plus milliseconds per MB of pack and per MB expanded.

    python benchmarks/bench_pack_scaling.py [--commits 250] [--scales 1,2,4,8]
        [--keep DIR]
    python benchmarks/bench_pack_scaling.py --real ~/bench/sqlalchemy+sqlalchemy.git

With --real MIRROR, the histories are real: the first 1/8, 1/4, 1/2 and all of the
mirror's default branch (by first-parent commits), each fetched into a new
repository (one pack, as a clone has). A generated history grows its expanded size
about as fast as its pack; a real one grows it much faster (sqlalchemy's content is
about 40x its pack), which is what tells a reader that pays for the pack from one
that pays for the expanded size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_history import Run, count_json, run
from peers import user_env

READERS = ("catfile", "pack")


def _sizes(repo: Path) -> tuple[float, float]:
    """(pack MB, expanded MB of blobs, commits and tags)."""
    pack = sum(p.stat().st_size for p in (repo / ".git" / "objects" / "pack").glob("*.pack"))
    out = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch-all-objects",
                          "--batch-check=%(objecttype) %(objectsize)"],
                         capture_output=True, text=True, check=True).stdout
    expanded = sum(int(size) for kind, size in (line.split() for line in out.splitlines())
                   if kind != "tree")
    return pack / 1e6, expanded / 1e6


def _real_prefix(mirror: Path, repo: Path, part: int, parts: int) -> None:
    """A new repository holding the first part/parts of the mirror's default branch."""
    revs = subprocess.run(["git", "-C", str(mirror), "rev-list", "--first-parent",
                           "--reverse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.split()
    tip = revs[max(0, len(revs) * part // parts - 1)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "fetch", "-q", str(mirror),
                    f"{tip}:refs/heads/main"], check=True)


def _audit(repo: Path, reader: str, out: Path) -> Run:
    env = user_env()
    env["PSGUARD_HISTORY_READER"] = reader
    r = run(reader, [sys.executable, "-m", "psguard", "scan", "--history", "--no-cache",
                     "--format", "json", "--output", str(out), str(repo)], env=env)
    r.findings = count_json(out, "psguard")
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=250, help="commits at 1x")
    ap.add_argument("--scales", default="1,2,4,8")
    ap.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    ap.add_argument("--real", type=Path, metavar="MIRROR",
                    help="prefixes of a real repository's history instead (skipped, "
                         "saying so, when the mirror is absent)")
    args = ap.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    if args.real is not None and not args.real.is_dir():
        print(f"skipped: {args.real} is not there (README.md, 'Performance', says how "
              "to make the mirrors)", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="psguard-scaling-") as tmp:
        work = args.keep or Path(tmp)
        print(f"{'size':>5} {'pack MB':>8} {'expanded MB':>12}  reader   {'wall s':>7} "
              f"{'cpu s':>7} {'peak MB':>8} {'found':>6} {'ms/MB pack':>11} "
              f"{'ms/MB exp':>10}", flush=True)
        for scale in scales:
            repo = work / f"history-{scale}x"
            if args.real is not None and not repo.exists():
                _real_prefix(args.real, repo, scale, max(scales))
            elif not repo.exists():
                subprocess.run([sys.executable, str(Path(__file__).parent / "gen_history.py"),
                                str(repo), "--commits", str(args.commits * scale)],
                               check=True, stdout=subprocess.DEVNULL)
            pack, expanded = _sizes(repo)
            for reader in READERS:
                r = _audit(repo, reader, work / f"{scale}-{reader}.json")
                print(f"{scale:>4}x {pack:>8.1f} {expanded:>12.1f}  {reader:<8} "
                      f"{r.seconds:>7.2f} {r.cpu_s or 0:>7.2f} {r.tree_rss_mb:>8.0f} "
                      f"{r.findings!s:>6} {1000 * r.seconds / pack:>11.0f} "
                      f"{1000 * r.seconds / expanded:>10.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
