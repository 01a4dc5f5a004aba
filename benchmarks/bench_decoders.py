"""Per-chunk cost of the decoders on ordinary source text.

    python benchmarks/bench_decoders.py [--megabytes 50] [--runs 3] [DIR ...]

Reads up to --megabytes of text files (default: the Python standard library of the
running interpreter) into memory, one chunk per file, and times Engine.scan_bytes
over all chunks with decoding off and on (alternating runs, median reported). Also
counts the chunks whose decoder gate opened (something looked encoded) and what
was decoded. This is the overhead a history scan pays per blob.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

from psguard.decoders.base import Budget
from psguard.engine.engine import Engine
from psguard.models import Origin
from psguard.rules.loader import load_rules

SUFFIXES = {".py", ".txt", ".rst", ".json", ".toml", ".cfg", ".c", ".h", ".html", ".css",
            ".js", ".md", ".yaml", ".yml", ".xml", ".sh"}


def load_chunks(dirs: list[Path], limit: int) -> list[tuple[str, bytes]]:
    chunks: list[tuple[str, bytes]] = []
    total = 0
    for d in dirs:
        for path in sorted(d.rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            chunks.append((str(path), data))
            total += len(data)
            if total >= limit:
                return chunks
    return chunks


def time_engine(engine: Engine, chunks: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    for name, data in chunks:
        engine.scan_bytes(data, Origin(kind="blob", path=name))
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megabytes", type=float, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("dirs", nargs="*", type=Path)
    args = ap.parse_args()
    dirs = args.dirs or [Path(sysconfig.get_paths()["stdlib"])]
    chunks = load_chunks(dirs, int(args.megabytes * 1e6))
    size = sum(len(d) for _, d in chunks)
    rules = load_rules()
    plain, decoding = Engine(rules, decode=False), Engine(rules, decode=True)

    off: list[float] = []
    on: list[float] = []
    for _ in range(args.runs):
        off.append(time_engine(plain, chunks))
        on.append(time_engine(decoding, chunks))
    t_off, t_on = statistics.median(off), statistics.median(on)

    gate = Counter()
    assert decoding.nested is not None
    for _name, data in chunks:
        if decoding.nested.may_match(data):
            gate["gate opened"] += 1
            for dec in decoding.nested.decode(data, Origin(kind="blob"), 0,
                                              Budget(decoding.nested.limits)):
                gate[dec.label.split(":")[0]] += 1
    print(f"{len(chunks)} chunks, {size / 1e6:.1f} MB from {', '.join(map(str, dirs))}")
    print(f"decode off: {t_off:.3f} s   decode on: {t_on:.3f} s   "
          f"overhead {t_on - t_off:+.3f} s ({(t_on / t_off - 1) * 100:+.1f}%), "
          f"{(t_on - t_off) / len(chunks) * 1e6:+.1f} µs per chunk, "
          f"{size / 1e6 / t_on:.0f} MB/s with decoding")
    print("runs off:", " ".join(f"{t:.3f}" for t in off), " on:", " ".join(f"{t:.3f}" for t in on))
    print("decoder gate:", dict(gate) or "never opened")
    return 0


if __name__ == "__main__":
    sys.exit(main())
