"""Which refs hold which commits, from the run's one walk of the commit graph.

`for-each-ref --contains` walks history once per question (0.2-0.3 s each on a
27,000-commit repository; a report with many keys asks many). Here the snapshot's
commit graph, parents first, carries a bit per commit asked about from each commit to
its children; a ref holds the commits whose bits its tip has.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from psguard.git.snapshot import RepoSnapshot


class Holders:
    """For a set of asked-about commits: each commit's bit, and the bits each ref's tip
    and HEAD hold."""

    __slots__ = ("bit", "tips", "head", "reached")

    def __init__(self, bit: dict[str, int], tips: list[tuple[str, int]], head: int,
                 reached: dict[str, int]) -> None:
        self.bit = bit
        self.tips = tips  # (ref name, bits of the asked commits its history holds)
        self.head = head
        self.reached = reached  # asked commit -> bits of the asked commits it holds

    def refs_holding(self, commits: Iterable[str]) -> list[str]:
        want = 0
        for c in commits:
            want |= self.bit.get(c, 0)
        return [name for name, mask in self.tips if mask & want]


def holders(snapshot: RepoSnapshot, asked: Iterable[str]) -> Holders | None:
    """None when the graph could not be walked or the refs not all read (then ask git
    one question at a time)."""
    graph = snapshot.commit_graph() if snapshot.refs_complete else None
    if graph is None:
        return None
    targets = sorted(set(asked))
    bit = {c.encode(): 1 << i for i, c in enumerate(targets)}
    reached: dict[bytes, int] = {}  # commit -> bits of the asked-about commits it holds
    for line in graph.split(b"\n"):
        ids = line.split(b" ")
        mask = bit.get(ids[0], 0)
        for parent in ids[1:]:
            mask |= reached.get(parent, 0)
        if mask:
            reached[ids[0]] = mask
    tips = []
    for ref in [*snapshot.refs, *snapshot.known_pushed]:
        tip = ref.commit  # through one annotated tag
        # reports show odd (non-UTF-8) ref names as \xNN, as they show paths
        name = os.fsencode(ref.name).decode("utf-8", errors="backslashreplace")
        tips.append((name, reached.get(tip.encode(), 0) if tip else 0))
    head = reached.get(snapshot.head.encode(), 0) if snapshot.head else 0
    return Holders({c: bit[c.encode()] for c in targets}, tips, head,
                   {c: reached.get(c.encode(), 0) for c in targets})
