"""Org-wide audit benchmark: `psguard audit` on Dask with 1 and 2 workers, against
kingfisher and gitleaks run over the same repositories in a loop.

The set: the real mirror clones the history benchmarks use (~/bench/*.git, or --real
DIR...) plus generated histories (gen_history.py) up to --repos repositories. psguard
reads each repository in place with --no-cache (cold: nothing read before counts, and
no cache is written into the shared mirrors). Prints wall time, repositories per hour,
findings, and the 2-worker/1-worker scaling.

    python benchmarks/bench_audit.py --repos 50 [--work /tmp/psguard-bench-audit]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_history import generate
from peers import find_tool, kingfisher_args, psguard_command, user_env, write_peer_rules


def repositories(work: Path, real: list[Path], total: int, commits: int, files: int
                 ) -> list[Path]:
    """The real repositories, then generated ones (made once, kept in work/gen)."""
    out = [p for p in real if p.is_dir()]
    for i in range(max(0, total - len(out))):
        path = work / "gen" / f"repo-{i:02d}"
        if not (path / ".git").is_dir():
            generate(path, commits, files, 4, seed=i + 1, keys=2)
        out.append(path)
    return out


def timed(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env=user_env()).returncode
    return time.perf_counter() - start, code


def psguard_audit(repos: list[Path], workers: int, out: Path) -> tuple[float, int, int]:
    seconds, _ = timed([*psguard_command(), "audit", *map(str, repos), "--workers",
                           str(workers), "--no-cache", "--format", "json", "--output",
                           str(out)])
    report = json.loads(out.read_text())
    scanned = sum(r["status"] != "failed" for r in report["repositories"])
    return seconds, len(report["findings"]), scanned


def peer_loop(name: str, repos: list[Path], work: Path) -> tuple[float, int] | None:
    """The peer over every repository, one after the other: seconds, findings."""
    kf_rule, gl_rule = write_peer_rules(work)
    tool = find_tool(name)
    if tool is None:
        print(f"{name}: not found, skipped")
        return None
    found: set[str] = set()
    total = 0.0
    for i, repo in enumerate(repos):
        out = work / f"{name}-{i}.json"
        if name == "kingfisher":
            cmd = [tool, "scan", str(repo), *kingfisher_args(kf_rule), "--output", str(out)]
        else:
            cmd = [tool, "git", "--log-opts=--all", "-c", str(gl_rule), "--no-banner",
                   "--report-format", "json", "--report-path", str(out), str(repo)]
        seconds, _ = timed(cmd)
        total += seconds
        found |= _secrets(out, name)
    return total, len(found)


def _secrets(path: Path, name: str) -> set[str]:
    """Unique secrets a peer reported (hashed here: never printed)."""
    import hashlib

    try:
        text = path.read_text()
    except OSError:
        return set()
    values: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("Secret", "snippet", "matched_content") and isinstance(v, str) \
                        and "ps-" in v:
                    values.add(hashlib.sha256(v.encode()).hexdigest())
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    try:
        walk(json.loads(text))
    except ValueError:
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                walk(json.loads(line))
    return values


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repos", type=int, default=50)
    ap.add_argument("--real", type=Path, nargs="*",
                    default=sorted((Path.home() / "bench").glob("*.git")))
    ap.add_argument("--work", type=Path, default=Path("/tmp/psguard-bench-audit"))
    ap.add_argument("--commits", type=int, default=300, help="per generated repository")
    ap.add_argument("--files", type=int, default=300, help="per generated repository")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    repos = repositories(args.work, args.real, args.repos, args.commits, args.files)
    print(f"{len(repos)} repositories ({sum(1 for r in repos if r in args.real)} real)")
    rows: list[tuple[str, float, int, int]] = []
    for workers in (1, 2):
        seconds, findings, scanned = psguard_audit(repos, workers,
                                                   args.work / f"psguard-{workers}.json")
        rows.append((f"psguard audit --workers {workers}", seconds, findings, scanned))
    for peer in ("kingfisher", "gitleaks"):
        got = peer_loop(peer, repos, args.work)
        if got is not None:
            rows.append((f"{peer} (loop)", got[0], got[1], len(repos)))
    print(f"{'run':<28} {'seconds':>9} {'repos/hour':>11} {'keys':>5} {'scanned':>8}")
    for name, seconds, findings, scanned in rows:
        print(f"{name:<28} {seconds:>9.1f} {3600 * len(repos) / seconds:>11.0f} "
              f"{findings:>5} {scanned:>8}")
    one, two = rows[0][1], rows[1][1]
    print(f"scaling: 2 workers take {two / one:.2f}x the time of 1 ({one / two:.2f}x faster)")
    for name, seconds, _, _ in rows[2:]:
        print(f"{name}: psguard (2 workers) takes {two / seconds:.2f}x its time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
