"""Working-tree scan: psguard vs kingfisher (--git-history none) vs gitleaks dir.

Builds a deterministic tree of at least 25 MB (Python's own library sources, minified
JavaScript and CSS full of Bootstrap `ps-` utilities, very long lines, a few planted keys
made at run time), then times each tool with an equivalent single `ps-` rule.

    python benchmarks/bench_worktree.py [--size-mb 30] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import secrets
import string
import sys
import sysconfig
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from peers import (
    Timing,
    find_tool,
    kingfisher_args,
    measure,
    print_table,
    psguard_command,
    user_env,
    write_peer_rules,
)

ALNUM = string.ascii_letters + string.digits


def planted_key() -> str:
    return "p" + "s-" + "".join(secrets.choice(ALNUM) for _ in range(40))


def minified_js(rng: random.Random, size: int) -> str:
    """One huge line of minified-looking JS with Bootstrap class strings inside."""
    parts: list[str] = []
    total = 0
    while total < size:
        n = rng.randint(0, 5)
        piece = (f'function {rng.choice("abcdefgh")}{rng.randint(0, 999)}(t,e)'
                 f'{{return t.className="ps-{n} pe-{n} ps-md-{n} ps-lg-auto",'
                 f'e&&e.map(function(x){{return x*{rng.randint(2, 99)}}})}};')
        parts.append(piece)
        total += len(piece)
    return "".join(parts)


def bootstrap_css(rng: random.Random, size: int) -> str:
    rules = []
    total = 0
    bps = ["", "sm-", "md-", "lg-", "xl-", "xxl-"]
    while total < size:
        rule = (f".ps-{rng.choice(bps)}{rng.randint(0, 5)}"
                f"{{padding-left:{rng.random():.4f}rem!important}}")
        rules.append(rule)
        total += len(rule)
    return "".join(rules)


def build_tree(root: Path, size_mb: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    target = size_mb * 1_000_000
    written = 0
    keys = [planted_key() for _ in range(5)]
    for src in sorted(stdlib.rglob("*.py")):
        if "site-packages" in src.parts or written > target * 0.6:
            break
        rel = src.relative_to(stdlib)
        data = src.read_bytes()
        out = root / "lib" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        written += len(data)
    for i in range(8):
        js = minified_js(rng, 1_500_000)
        if i < len(keys):
            cut = rng.randint(0, len(js))
            js = js[:cut] + f';var POOLSIDE_API_KEY="{keys[i]}";' + js[cut:]
        (root / "static").mkdir(parents=True, exist_ok=True)
        (root / "static" / f"bundle{i}.min.js").write_text(js)
        written += len(js)
    i = 0
    while written < target:
        css = bootstrap_css(rng, 1_000_000)
        (root / "static" / f"theme{i}.min.css").write_text(css)
        written += len(css)
        i += 1
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/psguard-bench"),
                        help="outside any git work tree, so nothing is ignored")
    args = parser.parse_args()

    tree = args.workdir / f"worktree-{args.size_mb}mb"
    if not tree.exists():
        build_tree(tree, args.size_mb)
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    print(f"tree: {tree} — {files} files, {size / 1e6:.1f} MB")
    kf_rule, gl_rule = write_peer_rules(args.workdir)

    rows: list[Timing] = [measure("psguard", [*psguard_command(), "scan", str(tree),
                                              "--format", "json"], runs=args.runs,
                                env=user_env())]
    kingfisher = find_tool("kingfisher")
    if kingfisher:
        rows.append(measure("kingfisher --git-history none",
                            [kingfisher, "scan", str(tree), "--git-history", "none",
                             *kingfisher_args(kf_rule)], runs=args.runs))
    else:
        print("kingfisher not found: skipped")
    # Never point gitleaks' report at /dev/null: it replaces the target with a regular file.
    gitleaks = find_tool("gitleaks")
    if gitleaks:
        rows.append(measure("gitleaks dir", [gitleaks, "dir", str(tree), "-c", str(gl_rule),
                                             "--no-banner", "--report-format", "json",
                                             "--report-path", str(args.workdir / "gitleaks.json")],
                            runs=max(1, args.runs // 2)))
    else:
        print("gitleaks not found: skipped")
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
