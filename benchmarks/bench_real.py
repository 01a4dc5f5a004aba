"""Full-history audits of real repositories: psguard vs kingfisher vs gitleaks.

Each repository is a mirror clone (default: ~/bench/OWNER+NAME.git for sqlalchemy,
coreui, flask and trufflehog; a missing one is skipped, saying so). For each, in one
run and interleaved round by round, so that the machine's load falls on all alike:

- `psguard scan --history --no-cache REPO` for every --psguard NAME=SRC given (a
  psguard source tree run with PYTHONPATH=SRC: compare a branch with main in the same
  run); by default the psguard this Python imports;
- `kingfisher scan REPO --git-history full` and `gitleaks git --log-opts=--all REPO`,
  each with one rule equivalent to psguard's (peers.py).

Prints wall time, peak RSS of the whole process tree (sampled from /proc every
100 ms, so git children and workers count) and each tool's time as a ratio of the
first psguard's; the load average before and after each repository. Generated
histories (gen_history.py) are for tests and scaling curves only: their content is
far smaller against their pack than a real history's.

    python benchmarks/bench_real.py [--repo PATH ...] [--psguard main=/tmp/main/src]
        [--rounds 1] [--no-gitleaks | --gitleaks-timeout 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_history import Run, count_json, run
from peers import find_tool, kingfisher_args, user_env, write_peer_rules

MIRRORS = ["sqlalchemy+sqlalchemy", "coreui+coreui", "pallets+flask",
           "trufflesecurity+trufflehog"]


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _psguard(name: str, src: str | None, repo: Path, out: Path) -> Run:
    env = user_env()
    if src:
        env["PYTHONPATH"] = src
    cmd = [sys.executable, "-m", "psguard", "scan", "--history", "--no-cache",
           "--format", "json", "--output", str(out), str(repo)]
    r = run(f"psguard {name}", cmd, env=env)
    r.findings = count_json(out, "psguard")
    return r


def _peers(repo: Path, work: Path, gitleaks: bool, timeout: float) -> list[Run]:
    kf_rule, gl_rule = write_peer_rules(work)
    rows = []
    kf = find_tool("kingfisher")
    if kf:
        out = work / "kingfisher.json"
        r = run("kingfisher", [kf, "scan", str(repo), "--git-history", "full",
                               *kingfisher_args(kf_rule), "--output", str(out)])
        r.findings = count_json(out, "kingfisher")
        rows.append(r)
    else:
        print("  kingfisher not found: skipped")
    gl = find_tool("gitleaks") if gitleaks else None
    if gl:
        out = work / "gitleaks.json"
        # gitleaks runs `git log -p` and matches every line: on coreui it took 1193 s
        # (20 min) under load; stopped after `timeout` (exit -9 in the table).
        r = run("gitleaks", [gl, "git", "--log-opts=--all", "-c", str(gl_rule), "--no-banner",
                             "--report-format", "json", "--report-path", str(out), str(repo)],
                timeout=timeout)
        r.findings = count_json(out, "gitleaks")
        rows.append(r)
    elif gitleaks:
        print("  gitleaks not found: skipped")
    return rows


def bench_repo(repo: Path, psguards: list[tuple[str, str | None]], rounds: int,
               gitleaks: bool, timeout: float, work: Path) -> list[Run]:
    rows: list[Run] = []
    for _ in range(rounds):
        for name, src in psguards:
            rows.append(_psguard(name, src, repo, work / f"psguard-{name}.json"))
        rows.extend(_peers(repo, work, gitleaks, timeout))
    return rows


def print_rows(rows: list[Run]) -> None:
    names = list(dict.fromkeys(r.name for r in rows))
    med = {n: statistics.median(r.seconds for r in rows if r.name == n) for n in names}
    peak = {n: max(r.tree_rss_mb for r in rows if r.name == n) for n in names}
    base = med[names[0]]
    print(f"  {'tool':<20} {'wall s':>8} {'peak tree RSS MB':>17} {'exit':>5} "
          f"{'findings':>9} {'time / ' + names[0]:>22}")
    for n in names:
        last = [r for r in rows if r.name == n][-1]
        print(f"  {n:<20} {med[n]:>8.2f} {peak[n]:>17.0f} {last.code:>5} "
              f"{last.findings!s:>9} {med[n] / base:>22.2f}")
    for n in names[1:]:
        print(f"  {names[0]} / {n}: {base / med[n]:.2f}x the time")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, action="append",
                    help="repository to audit (repeatable; default: the ~/bench mirrors)")
    ap.add_argument("--psguard", action="append", default=[], metavar="NAME=SRC",
                    help="a psguard source tree to measure (repeatable; first is the base)")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds (median shown)")
    ap.add_argument("--no-gitleaks", action="store_true", help="skip gitleaks (slowest)")
    ap.add_argument("--gitleaks-timeout", type=float, default=300,
                    help="stop gitleaks after this many seconds (default 300)")
    args = ap.parse_args()
    psguards: list[tuple[str, str | None]] = []
    for item in args.psguard:
        name, sep, src = item.partition("=")
        if not sep or not Path(src, "psguard").is_dir():
            print(f"error: --psguard {item}: expected NAME=SRC with SRC/psguard",
                  file=sys.stderr)
            return 2
        psguards.append((name, str(Path(src).resolve())))
    psguards = psguards or [("psguard", None)]
    repos = args.repo or [Path.home() / "bench" / f"{m}.git" for m in MIRRORS]
    print(f"machine: {os.cpu_count()} cores; load average {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="psguard-real-") as tmp:
        for repo in repos:
            if not (repo / "objects").is_dir() and not (repo / ".git").exists():
                print(f"{repo}: not present, skipped (mirror-clone it to measure it)")
                continue
            print(f"{repo}: load average before {_load()}", flush=True)
            rows = bench_repo(repo, psguards, args.rounds, not args.no_gitleaks,
                              args.gitleaks_timeout, Path(tmp))
            print_rows(rows)
            print(f"  load average after {_load()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
