"""The pre-commit hook's clean path: `psguard hook pre-commit` on a 10-file staged change.

Builds a throwaway repository (a few hundred committed files, then 10 modified or new
files staged), runs the hook as git would (a fresh `python -m psguard` process in the
work tree) a number of times and prints the median, min and max wall time. For
reference it also times `psguard scan --staged` (the same scan through the full CLI),
importing psguard.pipeline (the import cost every scan pays), `git diff --cached --quiet`
(the floor: one git process) and a bare `python -c pass` (interpreter start-up).
No assertions: run on demand.

    python benchmarks/bench_hook.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
       "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}


# Like a user's machine: compiled bytecode is cached (pip does this at install time).
# A PYTHONDONTWRITEBYTECODE=1 in the calling environment would make every run
# recompile psguard's sources, so it is dropped; the cache goes to a private prefix.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True)


def build(repo: Path, committed: int = 300, staged: int = 10) -> None:
    git(repo, "init", "-q", "-b", "main")
    for i in range(committed):
        sub = repo / f"pkg{i % 12}"
        sub.mkdir(exist_ok=True)
        (sub / f"mod{i}.py").write_text(
            "".join(f"def f{j}(x):\n    return x * {j}  # ps-3 spacing, ps-<your-key>\n"
                    for j in range(40)))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    for i in range(staged):
        target = repo / f"pkg{i % 12}" / (f"mod{i}.py" if i % 2 else f"new{i}.py")
        target.write_text(target.read_text() + "# edited\n" if target.exists()
                          else "import os\nKEY = os.environ['POOLSIDE_API_KEY']\n" * 50)
    git(repo, "add", ".")


def timed(cmd: list[str], cwd: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True)
        out.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): "
                             f"{proc.stderr.decode(errors='replace')}")
    return out


def line(name: str, times: list[float]) -> str:
    return (f"{name:<36} median {statistics.median(times) * 1000:7.1f} ms   "
            f"min {min(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="psguard-bench-hook-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        build(repo)
        hook = [sys.executable, "-m", "psguard", "hook", "pre-commit"]
        timed(hook, repo, 2)  # warm the page cache and compile the .pyc files
        timed([sys.executable, "-m", "psguard", "scan", "--staged"], repo, 1)
        results = {
            "psguard hook pre-commit (10 files)": timed(hook, repo, args.runs),
            "psguard scan --staged (same scan)": timed(
                [sys.executable, "-m", "psguard", "scan", "--staged"], repo, args.runs),
            "python -c 'import psguard.pipeline'": timed(
                [sys.executable, "-c", "import psguard.pipeline"], repo, args.runs),
            "git diff --cached --quiet (floor)": timed(["git", "diff", "--cached", "--quiet"],
                                                       repo, args.runs),
            "python -c pass (interpreter start)": timed([sys.executable, "-c", "pass"], repo,
                                                        args.runs),
        }
    print(f"{args.runs} runs each, {os.cpu_count()} cores")
    for name, times in results.items():
        print(line(name, times))


if __name__ == "__main__":
    main()
