"""Recall and precision per form on the labelled corpus (psguard.testing.corpus), for psguard
and, side by side, for kingfisher and gitleaks with an equivalent single `ps-` rule
(benchmarks/peers.py: a whole `ps-` token of 16..256 body characters, entropy >= 3).

    python benchmarks/corpus_report.py [--seed N] [--rounds N] [--samples N]

The corpus is drawn `--rounds` times (default 5, seeds seed..seed+rounds-1), so each
form has several files with fresh keys. Per form it prints, for each tool,
`found/expected` keys for positive forms and the number of distinct false positives
(FP) for every form. Then the totals (recall, precision), and how often psguard's
filters would drop a uniformly random key body, by alphabet and length (Monte Carlo,
`--samples` draws each; the corpus redraws such bodies, so this is the part of recall
the corpus does not show).

Peers run with their decoders and archive extraction on (gitleaks:
`--max-archive-depth 4`, its base64 decoding is on by default; kingfisher extracts
archives and decodes base64 by default).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import secrets
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from psguard.testing.corpus import ALPHABETS, Sample, build_corpus, draw_body, write_corpus

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import find_tool, kingfisher_args, psguard_command, write_peer_rules  # noqa: E402


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def owner(samples: list[Sample], reported: str) -> str | None:
    """The sample file a reported path belongs to (archive members included)."""
    reported = reported.replace("\\", "/")
    best = None
    for s in samples:
        if (reported == s.path or reported.startswith(s.path + "!")
                or reported.startswith(s.path + "/")) and (best is None
                                                          or len(s.path) > len(best)):
            best = s.path
    return best


def run_psguard(root: Path) -> list[tuple[str, str]]:
    proc = subprocess.run([*psguard_command(), "scan", str(root), "--format", "json"],
                          capture_output=True, text=True)
    report = json.loads(proc.stdout)
    return [(loc["path"], f["secret"]["sha256"])
            for f in report["findings"] for loc in f["locations"]]


def run_gitleaks(tool: str, root: Path, rule: Path, out: Path) -> list[tuple[str, str]]:
    subprocess.run([tool, "dir", ".", "-c", str(rule), "--report-format", "json",
                    "--report-path", str(out), "--no-banner", "--exit-code", "0",
                    "--max-archive-depth", "4"], cwd=root, capture_output=True)
    rows = json.loads(out.read_text() or "[]")
    return [(r["File"].removeprefix("./"), digest(r["Secret"])) for r in rows]


def run_kingfisher(tool: str, root: Path, rule: Path, out: Path) -> list[tuple[str, str]]:
    subprocess.run([tool, "scan", ".", *kingfisher_args(rule), "--no-update-check",
                    "--no-dedup", "-o", str(out)], cwd=root, capture_output=True)
    data = json.loads(out.read_text() or "{}")
    return [(f["finding"]["path"].removeprefix("./"), digest(f["finding"]["snippet"]))
            for f in data.get("findings", [])]


def score(samples: list[Sample], hits: list[tuple[str, str]]
          ) -> dict[str, tuple[int, int, int]]:
    """form -> (keys found, keys expected, distinct false positives)."""
    expected = {s.path: {digest(k) for k in s.keys} for s in samples}
    found: dict[str, set[str]] = defaultdict(set)
    for path, sha in hits:
        who = owner(samples, path)
        if who is not None:
            found[who].add(sha)
    out: dict[str, tuple[int, int, int]] = {}
    for s in samples:
        tp, exp, fp = out.get(s.form, (0, 0, 0))
        got = found.get(s.path, set())
        tp += len(got & expected[s.path])
        exp += len(expected[s.path])
        fp += len(got - expected[s.path])
        out[s.form] = (tp, exp, fp)
    return out


def filter_miss_rates(samples: int, seed: int) -> None:
    from psguard.rules.filters import judge
    from psguard.rules.loader import load_rules

    rule = load_rules().rules[0]
    rng = random.Random(seed)
    lengths = (16, 20, 24, 32, 48, 64, 128)
    print(f"\nShare of uniformly random key bodies psguard does not report at default "
          f"settings ({samples} draws each; with a keyword nearby / without):")
    print(f"{'alphabet':<10}" + "".join(f"{n:>16}" for n in lengths))
    for name, alphabet in ALPHABETS.items():
        cells = []
        for n in lengths:
            near = bare = 0
            for _ in range(samples):
                body = draw_body(rng, alphabet, n)
                near += judge(rule, body, True) not in ("medium", "high")
                bare += judge(rule, body, False) not in ("medium", "high")
            cells.append(f"{near / samples:.2%}/{bare / samples:.2%}")
        print(f"{name:<10}" + "".join(f"{c:>16}" for c in cells))
    print("(hex bodies are reported only next to a keyword: hex_needs_context)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--samples", type=int, default=2000)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    samples = [replace(s, name=f"r{i}/{s.name}")
               for i in range(args.rounds) for s in build_corpus(seed + i)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "corpus"
        write_corpus(root, samples)
        kf_rule, gl_rule = write_peer_rules(work / "rules")
        results = {"psguard": score(samples, run_psguard(root))}
        for name, runner, rule in (("kingfisher", run_kingfisher, kf_rule),
                                   ("gitleaks", run_gitleaks, gl_rule)):
            tool = find_tool(name)
            if tool is None:
                print(f"{name}: not found; skipped", file=sys.stderr)
                continue
            results[name] = score(samples, runner(tool, root, rule, work / f"{name}.json"))

    tools = list(results)
    forms = list(dict.fromkeys(s.form for s in samples))
    labels = {s.form: s.label for s in samples}
    print(f"corpus seeds {seed}..{seed + args.rounds - 1}: {len(samples)} files, "
          f"{len(forms)} forms, "
          f"{sum(len(s.keys) for s in samples)} keys")
    print(f"{'form':<20} {'label':<9}" + "".join(f"{t:>22}" for t in tools))
    for form in forms:
        cells = []
        for t in tools:
            tp, exp, fp = results[t][form]
            cell = (f"{tp}/{exp} FP {fp}" if exp else f"FP {fp}")
            cells.append(f"{cell:>22}")
        print(f"{form:<20} {labels[form]:<9}" + "".join(cells))
    print(f"{'TOTAL':<30}" + "".join(f"{'':>22}" for _ in tools))
    for t in tools:
        tp = sum(v[0] for v in results[t].values())
        exp = sum(v[1] for v in results[t].values())
        fp = sum(v[2] for v in results[t].values())
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"  {t:<12} recall {tp}/{exp} = {tp / exp:.1%}   false positives {fp}   "
              f"precision {precision:.1%}")
    filter_miss_rates(args.samples, seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
