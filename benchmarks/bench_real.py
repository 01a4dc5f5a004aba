"""Full-history audits of real repositories: psguard vs kingfisher vs gitleaks.

Each repository is a mirror clone (default: ~/bench/OWNER+NAME.git for sqlalchemy,
coreui, flask and trufflehog; a missing one is skipped, saying so). For each, in one
run and interleaved round by round, so that the machine's load falls on all alike:

- `psguard scan --history --no-cache REPO` for every --psguard NAME=SRC given (a
  psguard source tree run with PYTHONPATH=SRC: compare a branch with main in the same
  run); by default the psguard this Python imports; with --catfile-reader, each also
  with PSGUARD_HISTORY_READER=catfile (a row NAME-catfile: the cat-file readers, not
  the default delta-aware pack reader);
- `kingfisher scan REPO --git-history full` and `gitleaks git --log-opts=--all REPO`,
  each with one rule equivalent to psguard's (peers.py).

Prints wall time, CPU time (user + system of the tool and the children it waited
for), peak RSS of the whole process tree (sampled from /proc every 100 ms, so git
children and workers count) and each tool's time as a ratio of the first psguard's;
the load average before and after each repository. Generated histories
(gen_history.py) are for tests and scaling curves only: their content is far
smaller against their pack than a real history's.

    python benchmarks/bench_real.py [--repo PATH ...] [--psguard main=/tmp/main/src]
        [--rounds 1] [--no-gitleaks | --gitleaks-timeout 300] [--pack-reader]
    python benchmarks/bench_real.py --staged CLONE [--psguard ...] [--staged-runs 10]
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
    if name.endswith("-catfile"):
        env["PSGUARD_HISTORY_READER"] = "catfile"
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


def _native_hook(name: str, env: dict[str, str], work: Path) -> Path:
    """The pre-commit hook script this psguard's `psguard install` writes."""
    import subprocess

    code = "import sys; from psguard.hooks.installer import script; " \
           "sys.stdout.write(script('pre-commit', sys.executable))"
    hook = work / f"pre-commit-{name}"
    hook.write_text(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                   capture_output=True, text=True).stdout)
    hook.chmod(0o755)
    return hook


def _staged_commands(clone: Path, files: list[str], psguards: list[tuple[str, str | None]],
                     work: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each psguard three ways: `python -m psguard scan --staged`, the native hook (the
    script `psguard install` writes, run as git runs it) and the framework's entry
    (the `psguard` console script with the staged file names, under PRE_COMMIT=1,
    started from a shell so that each run is a new framework run and not a later
    batch of the first)."""
    cmds: dict[str, tuple[list[str], dict[str, str]]] = {}
    script = Path(sys.executable).parent / "psguard"
    for name, src in psguards:
        env = user_env()
        if src:
            env["PYTHONPATH"] = src
        cmds[f"psguard {name} --staged"] = (
            [sys.executable, "-m", "psguard", "scan", "--staged", str(clone)], env)
        cmds[f"psguard {name} native hook"] = ([str(_native_hook(name, env, work))], env)
        if script.exists():
            cmds[f"psguard {name} framework"] = (
                ["sh", "-c", '"$0" "$@"; exit $?', str(script), "hook", "pre-commit",
                 *files], {**env, "PRE_COMMIT": "1"})
    return cmds


def staged(clone: Path, psguards: list[tuple[str, str | None]], runs: int, work: Path) -> None:
    """The pre-commit path: a 10-file change staged in a clone (a work tree), then
    for each psguard its three ways in (_staged_commands), `kingfisher scan --staged`
    and a bare Python start, interleaved run by run, in the clone's top directory (as
    git runs hooks); medians. The change is undone after."""
    import subprocess

    kf_rule, _ = write_peer_rules(work)
    files = [f for f in subprocess.run(["git", "-C", str(clone), "ls-files", "*.py"],
                                       capture_output=True, text=True, check=True
                                       ).stdout.splitlines()][:10]
    for f in files:
        with open(clone / f, "a") as fh:
            fh.write("\n# a staged change\nVALUE = 42\n")
    subprocess.run(["git", "-C", str(clone), "add", "--", *files], check=True)
    cmds = _staged_commands(clone, files, psguards, work)
    kf = find_tool("kingfisher")
    if kf:
        cmds["kingfisher --staged"] = ([kf, "scan", str(clone), "--staged",
                                        *kingfisher_args(kf_rule)], user_env())
    cmds["python -c pass"] = ([sys.executable, "-c", "pass"], user_env())
    times: dict[str, list[float]] = {n: [] for n in cmds}
    codes: dict[str, set[int]] = {n: set() for n in cmds}
    try:
        for _ in range(runs):
            for name, (cmd, env) in cmds.items():
                r = run(name, cmd, cwd=clone, sample=False, env=env)
                times[name].append(r.seconds)
                codes[name].add(r.code)
    finally:
        subprocess.run(["git", "-C", str(clone), "reset", "-q", "--hard"], check=True)
    med = {n: statistics.median(t) for n, t in times.items()}
    print(f"staged scan of a 10-file change in {clone}, median of {runs}, interleaved:")
    kf_med = med.get("kingfisher --staged")
    bare = med["python -c pass"]
    for name, value in med.items():
        extra = ""
        if name.startswith("psguard"):
            extra = (f"  {value / kf_med:.2f}x kingfisher" if kf_med else "") + \
                f"  {value / bare:.1f}x a bare Python start"
        print(f"  {name:<32} {value * 1000:7.0f} ms  exit {sorted(codes[name])}{extra}")


def print_rows(rows: list[Run]) -> None:
    names = list(dict.fromkeys(r.name for r in rows))
    med = {n: statistics.median(r.seconds for r in rows if r.name == n) for n in names}
    peak = {n: max(r.tree_rss_mb for r in rows if r.name == n) for n in names}
    cpu = {n: statistics.median(r.cpu_s for r in rows if r.name == n) for n in names}
    base = med[names[0]]
    print(f"  {'tool':<20} {'wall s':>8} {'cpu s':>7} {'peak tree RSS MB':>17} {'exit':>5} "
          f"{'findings':>9} {'time / ' + names[0]:>22}")
    for n in names:
        last = [r for r in rows if r.name == n][-1]
        print(f"  {n:<20} {med[n]:>8.2f} {cpu[n]:>7.2f} {peak[n]:>17.0f} {last.code:>5} "
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
    ap.add_argument("--catfile-reader", action="store_true",
                    help="also run each psguard with PSGUARD_HISTORY_READER=catfile")
    ap.add_argument("--staged", type=Path, metavar="CLONE",
                    help="instead: the pre-commit path in CLONE (a work tree)")
    ap.add_argument("--staged-runs", type=int, default=10)
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
    if args.catfile_reader:
        psguards += [(f"{name}-catfile", src) for name, src in psguards]
    repos = args.repo or [Path.home() / "bench" / f"{m}.git" for m in MIRRORS]
    print(f"machine: {os.cpu_count()} cores; load average {_load()}", flush=True)
    if args.staged:
        with tempfile.TemporaryDirectory(prefix="psguard-real-") as tmp:
            staged(args.staged, psguards, args.staged_runs, Path(tmp))
        print(f"load average after {_load()}")
        return 0
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
