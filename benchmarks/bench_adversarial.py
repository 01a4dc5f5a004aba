"""Scan time per MB for adversarial inputs, at growing sizes: it must stay flat (linear).

    python benchmarks/bench_adversarial.py [--sizes 1,2,4,8]

Inputs: plain source text, `ps-` repeated, near-keys (too short, too long, glued to a
longer token), base64-looking text, and one giant line. Prints seconds per MB for each
size; a per-MB figure that grows with size would mean super-linear behaviour.
"""

from __future__ import annotations

import argparse
import random
import string
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

from psguard.engine.engine import Engine
from psguard.models import Origin
from psguard.rules.loader import load_rules

MB = 1_000_000
B64 = (string.ascii_letters + string.digits + "+/").encode()


def plain_text(size: int) -> bytes:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    out = bytearray()
    for path in sorted(stdlib.glob("*.py")):
        out += path.read_bytes()
        if len(out) >= size:
            break
    while len(out) < size:
        out += out[: size - len(out)]
    return bytes(out[:size])


def repeated_prefix(size: int) -> bytes:
    return (b"ps-" * (size // 3 + 1))[:size]


def near_keys(size: int) -> bytes:
    rng = random.Random(1)
    alnum = (string.ascii_letters + string.digits).encode()
    parts = []
    total = 0
    while total < size:
        kind = rng.randrange(3)
        body = bytes(rng.choice(alnum) for _ in range((15, 300, 30)[kind]))
        piece = (b"x" if kind == 2 else b" ") + b"ps-" + body + b" "
        parts.append(piece)
        total += len(piece)
    return b"".join(parts)[:size]


def base64_like(size: int) -> bytes:
    rng = random.Random(2)
    return bytes(rng.choice(B64) for _ in range(size))


def giant_line(size: int) -> bytes:
    unit = b'a.className="ps-3 ps-md-4";var k="ps-0123";'
    return (unit * (size // len(unit) + 1))[:size]


INPUTS: dict[str, Callable[[int], bytes]] = {
    "plain text": plain_text,
    "ps- repeated": repeated_prefix,
    "near-keys": near_keys,
    "base64-looking": base64_like,
    "one giant line": giant_line,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8", help="sizes in MB")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    engine = Engine(load_rules())
    print(f"{'input':<16}" + "".join(f"{str(s) + ' MB s/MB':>14}" for s in sizes))
    for name, make in INPUTS.items():
        row = f"{name:<16}"
        for size in sizes:
            data = make(size * MB)
            start = time.perf_counter()
            engine.scan_bytes(data, Origin(kind="file", path=name))
            row += f"{(time.perf_counter() - start) / size:>14.4f}"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
