"""The labelled corpus (psguard.testing.corpus) through the CLI at default settings:
every key in every form is found, and nothing else is.

The corpus is drawn from a fresh seed each run; a failure prints the seed, and
PSGUARD_CORPUS_SEED=<seed> reproduces it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections import defaultdict
from pathlib import Path

from psguard.testing import run_psguard
from psguard.testing.corpus import build_corpus, write_corpus


def test_corpus_recall_is_total_and_there_are_no_false_positives(tmp_path: Path) -> None:
    seed = int(os.environ.get("PSGUARD_CORPUS_SEED") or secrets.randbits(32))
    samples = build_corpus(seed)
    root = tmp_path / "corpus"
    write_corpus(root, samples)

    run = run_psguard("scan", str(root), "--format", "json")
    assert run.code == 1, f"seed {seed}: {run.stderr}"
    report = run.json()
    assert report["scan"]["complete"], report["scan"]["problems"]

    found: dict[str, set[str]] = defaultdict(set)
    for finding in report["findings"]:
        for loc in finding["locations"]:
            found[loc["path"]].add(finding["secret"]["sha256"])

    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    missed = [s.path for s in samples if {digest(k) for k in s.keys} - found[s.path]]
    expected = {s.path: {digest(k) for k in s.keys} for s in samples}
    false_pos = [p for p, got in found.items() if got - expected.get(p, set())]
    assert (missed, false_pos) == ([], []), f"seed {seed}"

    forms = {s.form for s in samples}
    assert len({s.form for s in samples if s.keys}) >= 30 and len(forms) >= 50
    # Reports never carry a key in clear.
    assert not any(k in run.stdout for s in samples for k in s.keys)
