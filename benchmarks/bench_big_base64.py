"""A very large file of base64-looking text: bounded time and memory.

    python benchmarks/bench_big_base64.py [--megabytes 1000] [--layout wrapped|line]

Writes a file of random base64 (wrapped at 76 columns like `base64` output, or one
single line) with one encoded key near the end, then measures:

- `psguard scan --stdin` (the whole input is read into memory; decoding on), and
- `psguard scan FILE` with `max_file_size` raised above the file's size,

printing wall time, peak RSS (of the process and the children it waited for), and
whether the planted key was found with its `decoded_from`. The file is deleted
afterwards. The key is drawn at run time.

Note: the working-tree source reads whole files and skips files above
`max_file_size` (50 MB by default), so scanning a 1 GB file costs at least 1 GB of
memory; the decoders themselves add only bounded windows (DecodeLimits).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from peers import psguard_command

ALNUM = string.ascii_letters + string.digits


def write_file(path: Path, megabytes: float, layout: str) -> str:
    key = "p" + "s-" + "".join(secrets.choice(ALNUM) for _ in range(40))
    target = int(megabytes * 1e6)
    block = 57 * 1024 * 16  # raw bytes per write: a multiple of 57 (one 76-column line)
    written = 0
    with path.open("wb") as fh:
        while written < target * 0.9:
            raw = os.urandom(block)
            enc = base64.encodebytes(raw) if layout == "wrapped" else base64.b64encode(raw)
            fh.write(enc)
            written += len(enc)
        # The key, inside encoded text, then more filler (same layout).
        raw = os.urandom(57 * 10) + f" POOLSIDE_API_KEY={key} ".encode() + os.urandom(57 * 10)
        raw += os.urandom(-len(raw) % 57)
        tail = raw + os.urandom(int(target * 0.1) // 57 * 57)
        fh.write(base64.encodebytes(tail) if layout == "wrapped" else base64.b64encode(tail))
        if layout == "line":
            fh.write(b"\n")
    return key


def run(cmd: list[str], stdin: Path | None) -> tuple[float, float, str]:
    start = time.perf_counter()
    with (stdin.open("rb") if stdin else open(os.devnull, "rb")) as inp, \
            tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdin=inp, stdout=out, stderr=subprocess.DEVNULL)
        _, _status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


def describe(report_text: str, key_sha: str) -> str:
    try:
        report = json.loads(report_text)
    except json.JSONDecodeError:
        return "no JSON report"
    hits = [loc.get("decoded_from") for f in report["findings"]
            if f["secret"]["sha256"] == key_sha for loc in f["locations"]]
    problems = [p["detail"][:70] for p in report["scan"]["problems"]]
    return f"key found via {hits or 'NOT FOUND'}; problems: {problems or 'none'}"


def main() -> int:
    import hashlib

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megabytes", type=float, default=1000)
    ap.add_argument("--layout", choices=["wrapped", "line"], default="wrapped")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "big.b64"
        t0 = time.perf_counter()
        key = write_file(data, args.megabytes, args.layout)
        size = data.stat().st_size
        print(f"wrote {size / 1e6:.0f} MB ({args.layout}) in {time.perf_counter() - t0:.1f} s")
        sha = hashlib.sha256(key.encode()).hexdigest()
        config = work / "big.toml"
        config.write_text(f"max_file_size = {size + 1}\n")
        rows = [
            ("psguard scan --stdin", [*psguard_command(), "scan", "--stdin", "--format",
                                      "json"], data),
            ("psguard scan FILE", [*psguard_command(), "scan", str(data), "--config",
                                   str(config), "--format", "json"], None),
        ]
        for name, cmd, stdin in rows:
            seconds, rss, out = run(cmd, stdin)
            print(f"{name:<24} {seconds:8.1f} s  peak RSS {rss:8.0f} MB  "
                  f"{size / 1e6 / seconds:6.0f} MB/s  {describe(out, sha)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
