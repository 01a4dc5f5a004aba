"""Seconds per MB for content that repeats one key, at growing sizes: it must stay flat.

    python benchmarks/scaling_repeats.py [--sizes 0.25,0.5,1,2,4] [--timeout 600]

Two layouts (psguard.testing.repeats): every copy of the key on one line, and one copy
a line. Each goes through `psguard scan FILE --format json` and through the pre-commit
hook (`psguard install`, then a real `git commit` of the staged file, which the hook
blocks). A per-MB figure that grows with the size means super-linear work per match.
A run that exceeds --timeout is printed as such. No assertions: run on demand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from psguard.testing import GIT_ENV, make_key
from psguard.testing.repeats import LAYOUTS, repeated_keys

MB = 1024 * 1024
ENV = {**os.environ, **GIT_ENV, "NO_COLOR": "1"}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # like a user's install: bytecode is cached


def timed(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str]) -> float | None:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 1:  # the key must be found (scan) and block (hook)
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}: "
                         f"{proc.stderr.decode(errors='replace')[-500:]}")
    return time.perf_counter() - start


def scan_file(tmp: Path, data: bytes, timeout: float) -> float | None:
    target = tmp / "scan" / "big.log"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(data)
    return timed([sys.executable, "-m", "psguard", "scan", str(target), "--format", "json"],
                 tmp, timeout, ENV)


def hook_commit(tmp: Path, data: bytes, timeout: float) -> float | None:
    repo = tmp / "repo"
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {**ENV, "HOME": str(home)}
    if not repo.exists():
        repo.mkdir()
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
        subprocess.run([sys.executable, "-m", "psguard", "install", str(repo)], env=env,
                       check=True, capture_output=True)
    (repo / "server.log").write_bytes(data)
    subprocess.run(["git", "add", "server.log"], cwd=repo, env=env, check=True)
    return timed(["git", "commit", "-q", "-m", "add log"], repo, timeout, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,0.5,1,2,4", help="MB, comma-separated")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    key = make_key()
    print(f"{'layout':<11} {'path':<6}" + "".join(f"{s:>9g} MB" for s in sizes))
    with tempfile.TemporaryDirectory(prefix="psguard-bench-repeats-") as tmp_name:
        tmp = Path(tmp_name)
        for layout in LAYOUTS:
            for name, run in (("scan", scan_file), ("hook", hook_commit)):
                cells = []
                for size in sizes:
                    data, _ = repeated_keys(key, int(size * MB), layout)
                    seconds = run(tmp, data, args.timeout)
                    cells.append(f"{'timeout':>12}" if seconds is None
                                 else f"{seconds / size:>8.2f} s/MB")
                    print(f"{layout:<11} {name:<6}" + "".join(cells), end="\r", flush=True)
                print(f"{layout:<11} {name:<6}" + "".join(cells))


if __name__ == "__main__":
    main()
