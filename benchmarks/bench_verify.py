"""Verification under load: 2,000 occurrences of 100 unique keys, 100 ms per request.

    python benchmarks/bench_verify.py [--concurrency 16] [--latency 0.1]

Builds a temporary working tree holding 100 run-time keys 20 times each (2,000
occurrences in 200 files), starts the local fake Poolside API (psguard.testing.poolside_fake)
with the given latency per request, and runs `psguard scan --verify` as a user would
(a subprocess, its own config and cache directories, --no-cache so every run really
asks). It checks that each endpoint received exactly 100 requests (one per unique key),
and prints the wall times:

1. one endpoint (half the keys live, half revoked);
2. two endpoints (every key unknown to the first, known to the second): 100 each;
3. the same scan without --verify, to show what verification adds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from psguard.testing import make_key
from psguard.testing.poolside_fake import FakePoolside

UNIQUE = 100
OCCURRENCES = 2000


def build_tree(root: Path, keys: list[str]) -> None:
    per_file = 10
    for i in range(OCCURRENCES // per_file):
        lines = []
        for j in range(per_file):
            n = i * per_file + j
            lines.append(f"POOLSIDE_API_KEY_{n}={keys[n % len(keys)]}\n")
        path = root / f"svc{i // 20}" / f"config{i}.env"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="utf-8")


def run_scan(root: Path, env: dict[str, str], *extra: str) -> tuple[float, int, str]:
    """Wall time of the whole process; the scan's own time is in the returned text."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "psguard", "scan", str(root), "--format",
                           "json", "--no-cache", *extra], capture_output=True, text=True,
                          env=env)
    wall = time.perf_counter() - started
    try:
        inner = f"{json.loads(proc.stdout)['scan']['stats']['seconds']:.2f} s in psguard"
    except (ValueError, KeyError):
        inner = proc.stdout[-2000:] + proc.stderr
    return wall, proc.returncode, inner


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    args = ap.parse_args()

    keys = [make_key() for _ in range(UNIQUE)]
    ok = True
    with tempfile.TemporaryDirectory(prefix="psguard-bench-verify-") as tmp:
        tmpdir = Path(tmp)
        tree = tmpdir / "tree"
        build_tree(tree, keys)
        cfg = tmpdir / "config" / "psguard" / "config.toml"
        cfg.parent.mkdir(parents=True)
        cfg.write_text(f"[verify]\nconcurrency = {args.concurrency}\n", encoding="utf-8")
        env = dict(os.environ, XDG_CONFIG_HOME=str(tmpdir / "config"),
                   XDG_CACHE_HOME=str(tmpdir / "cache"), NO_COLOR="1")
        env.pop("PSGUARD_ENDPOINTS", None)
        print(f"{OCCURRENCES} occurrences of {UNIQUE} unique keys in 200 files; "
              f"{args.latency * 1000:.0f} ms per request; {args.concurrency} concurrent "
              "requests")

        base, code, inner = run_scan(tree, env)
        print(f"scan without --verify:               {base:6.2f} s (exit {code}; {inner})")

        with FakePoolside(latency=args.latency) as api:
            api.know(*keys[: UNIQUE // 2])
            wall, code, inner = run_scan(tree, env, "--verify", "--endpoint", api.url)
            n = api.count()
            print(f"scan --verify, one endpoint:          {wall:6.2f} s (exit {code}; "
                  f"{inner}); requests: {n}")
            if n != UNIQUE or code != 1:
                ok = False

        with FakePoolside(latency=args.latency) as first, \
                FakePoolside(latency=args.latency) as second:
            second.know(*keys)
            wall, code, inner = run_scan(tree, env, "--verify", "--endpoint", first.url,
                                         "--endpoint", second.url)
            counts = first.count(), second.count()
            print(f"scan --verify, two endpoints:         {wall:6.2f} s (exit {code}; "
                  f"{inner}); requests: {counts[0]} + {counts[1]}")
            if counts != (UNIQUE, UNIQUE) or code != 1:
                ok = False

        # Verification alone, in-process (no interpreter start-up, no scanning).
        from psguard.verify.client import Verifier
        from psguard.verify.endpoints import VerifySettings

        with FakePoolside(latency=args.latency) as api:
            api.know(*keys)
            verifier = Verifier([api.url], VerifySettings(concurrency=args.concurrency))
            started = time.perf_counter()
            results = verifier.verify(keys * (OCCURRENCES // UNIQUE))
            wall = time.perf_counter() - started
            live = sum(r.status == "live" for r in results.values())
            print(f"verification alone (in-process):     {wall:6.2f} s; requests: "
                  f"{api.count()}; live: {live}")
            ok = ok and api.count() == UNIQUE and live == UNIQUE
    print("OK: exactly one request per unique key and endpoint" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
