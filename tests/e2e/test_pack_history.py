"""The delta-aware pack reader finds exactly what full reconstruction finds.

Every test reads the same real repository twice, through `git cat-file` (each object
rebuilt whole by git and scanned whole) and through the pack reader (deltas on a
quiet base judged from what they insert and splice), and compares every candidate:
keys planted at splice points, across copies, in deltas of deltas, in offset and
reference deltas, in fetched (completed thin) packs and loose objects, with two
workers whose slices split delta chains, and on seeded random histories.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from psguard.engine.engine import Engine
from psguard.git import catfile, compiled
from psguard.git.packwalk import PackWalk, pack_indexes
from psguard.rules.loader import load_rules
from psguard.sources import parallel
from psguard.sources.objects import ObjectScanner
from psguard.sources.packscan import PackScan
from psguard.sources.parallel import ParallelScan
from psguard.testing import Repo, init_repo, make_key

P = "p"
S = "s-"  # a key's prefix is p + s-, written apart


def _filler(rng: random.Random, lines: int) -> list[str]:
    """Quiet text: no prefix, no needle."""
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta"]
    return [" ".join(rng.choice(words) for _ in range(8)) + f" {i}\n" for i in range(lines)]


def _found(root: Path, reader: str, *, workers: int = 1, max_size: int | None = None
           ) -> tuple[list[tuple[Any, ...]], int]:
    """Every candidate (all fields) of a history read, and the deltas skipped."""
    scanner = ObjectScanner(Engine(load_rules()), max_size=max_size)
    todo = catfile.list_objects(root, git_dir=root / ".git")
    par: ParallelScan
    if reader == "pack":
        par = PackScan(root, root / ".git", todo, scanner, workers)
    else:
        par = ParallelScan(root, todo, scanner, workers=workers, delta_order=True)
    cands, missing = par.run()
    assert not missing
    skipped = sum(p.skipped for p in par.plan) if isinstance(par, PackScan) else 0
    rows = [(c.rule, c.secret, c.confidence, c.origin.blob, c.origin.commit,
             c.origin.kind, c.origin.decoded_from, c.line, c.column, c.offset,
             c.masked_line, c.end, c.more) for c in cands]
    return sorted(rows, key=repr), skipped


def _same(root: Path, **kw: Any) -> tuple[list[tuple[Any, ...]], int]:
    want, _ = _found(root, "catfile", **kw)
    got, skipped = _found(root, "pack", **kw)
    assert got == want
    return want, skipped


def _repack(repo: Repo, offset_deltas: bool, depth: int = 50) -> None:
    repo.git("-c", f"repack.useDeltaBaseOffset={str(offset_deltas).lower()}", "repack",
             "-a", "-d", "-f", "-q", f"--depth={depth}", "--window=50")


def _splice_versions(rng: random.Random) -> list[tuple[str, str]]:
    """(name, text) pairs: a quiet base, then versions whose key is made where the
    delta joins two copies of the base or an insert and a copy."""
    a = "".join(_filler(rng, 300))
    c = "".join(_filler(rng, 300))
    mid = "".join(_filler(rng, 40))
    k1, k2, k3, k4 = (make_key()[3:] for _ in range(4))
    base = a + "x = " + P + mid + S + k1 + "\n" + c  # p ... s-BODY: no key yet
    out = [("base", base)]
    out.append(("copy|copy at p|s-", a + "x = " + P + S + k1 + "\n" + c))
    base2 = a + "y = " + P + "s" + mid + "-" + k2 + "\n" + c
    out += [("base2", base2), ("copy|copy at ps|-", a + "y = " + P + "s-" + k2 + "\n" + c)]
    # the prefix inserted right before a body the base holds
    base3 = a + "z = " + k3 + "\n" + c
    out += [("base3", base3), ("insert|copy", a + "z = " + P + S + k3 + "\n" + c)]
    # a body split by the middle: half a key (quiet to the Hyperscan gate) then the rest
    base4 = a + "w = " + P + S + k4[:6] + mid + k4[6:] + "\n" + c
    out += [("base4", base4), ("copy|copy in the body", a + "w = " + P + S + k4 + "\n" + c)]
    # quiet edits of the quiet base: judged from their deltas alone
    out += [("quiet edit", base.replace("alpha", "ALPHA", 3)), ("quiet tail", base + "end\n")]
    return out


@pytest.mark.parametrize("offset_deltas", [True, False], ids=["ofs-delta", "ref-delta"])
@pytest.mark.parametrize("gate", ["hyperscan", "python"])
@pytest.mark.parametrize("loop", ["compiled", "python"])
def test_keys_planted_at_splices(repo: Repo, offset_deltas: bool, gate: str, loop: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _loop(loop, monkeypatch)
    if gate == "python":
        monkeypatch.setenv("PSGUARD_PREFILTER", "python")
    rng = random.Random(15)
    versions = _splice_versions(rng)
    for name, text in versions:  # each a new version of the same file
        repo.write("settings.py", text)
        repo.commit(name)
    _repack(repo, offset_deltas)
    found, skipped = _same(repo.path)
    assert len({row[1] for row in found}) == 4  # every planted key, by both readers
    assert skipped > 0  # and the pack reader did judge deltas by what they brought
    # the versions with keys are stored as deltas: the splices are real
    kinds = repo.git("cat-file", "--batch-all-objects", "--batch-check=%(objectname) "
                     "%(objecttype) %(deltabase)").splitlines()
    deltas = {line.split()[0] for line in kinds if not line.endswith("0" * 40)}
    assert {row[3] for row in found} <= deltas


def test_deltas_of_deltas(repo: Repo) -> None:
    """A long chain of small edits; keys come and go deep in it."""
    rng = random.Random(7)
    lines = _filler(rng, 800)
    keys = [make_key() for _ in range(6)]
    planted = 0
    for step in range(30):
        at = rng.randrange(len(lines))
        lines.insert(at, f"edit {step}\n")
        if step % 5 == 2:  # a key, gone again two versions later
            key = keys[step // 5]
            cut = rng.randrange(1, len(key))
            lines[at:at + 1] = [f"k = {key[:cut]}", f"{key[cut:]}\n"]  # one line
            planted = at
        elif step % 5 == 4:
            del lines[planted:planted + 2]
        repo.write("app/config.txt", "".join(lines))
        repo.commit(f"step {step}")
    _repack(repo, True, depth=50)
    found, skipped = _same(repo.path)
    assert len({row[1] for row in found}) == 6 and skipped > 0


def test_fetched_pack_loose_objects_and_two_workers(tmp_path: Path, git_home: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A fetch keeps its (completed thin) pack: reference deltas on bases appended at
    its end, objects in both packs; loose objects after it; two workers whose slices
    cut through delta chains."""
    monkeypatch.setattr(parallel, "_PARALLEL_MIN_BYTES", 0)  # one threshold, both readers
    origin = init_repo(tmp_path / "origin", git_home)
    rng = random.Random(3)
    lines = _filler(rng, 1500)

    def edits(repo: Repo, steps: int, tag: str) -> None:
        for step in range(steps):
            at = rng.randrange(len(lines))
            lines.insert(at, f"{tag} {step} = " + (make_key() if step % 4 == 1 else "no")
                         + "\n")
            repo.write("data.txt", "".join(lines))
            repo.commit(f"{tag} {step}")

    edits(origin, 12, "first")
    clone = tmp_path / "clone"
    origin.git("clone", "-q", "--no-local", str(origin.path), str(clone))
    edits(origin, 12, "second")
    mirror = Repo(clone, git_home)
    mirror.git("-c", "transfer.unpackLimit=1", "-c", "fetch.unpackLimit=1", "fetch", "-q",
               "origin", "+refs/heads/*:refs/remotes/origin/*")
    assert len(list((clone / ".git" / "objects" / "pack").glob("*.idx"))) == 2
    assert _ref_deltas_on_later_bases(clone) > 0  # the thin pack, completed at its end
    lines.append("loose " + make_key() + "\n")
    mirror.write("data.txt", "".join(lines))
    mirror.commit("loose")
    found, _ = _same(clone, workers=2)
    assert len({row[1] for row in found}) == 7


def _ref_deltas_on_later_bases(root: Path) -> int:
    count = 0
    for idx in pack_indexes(root / ".git"):
        walk = PackWalk(idx, 0)
        for pos in range(walk.n):
            entry = walk.reader.entry(walk.offs[pos])
            count += entry.kind == 7 and entry.base_at > walk.offs[pos]
        walk.close()
    return count


@pytest.mark.parametrize("loop", ["compiled", "python"])
@pytest.mark.parametrize("seed", range(6))
def test_random_histories(repo: Repo, seed: int, loop: str,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded random histories: files edited at random, keys inserted, split over
    edits, deleted; random delta kind and depth; some blobs above max_file_size.
    Through the compiled inner loop and through the pure-Python one."""
    _loop(loop, monkeypatch)
    rng = random.Random(seed)
    files = {f"f{i}.txt": _filler(rng, rng.randrange(50, 400)) for i in range(3)}
    for step in range(rng.randrange(8, 16)):
        for name in rng.sample(sorted(files), rng.randrange(1, 3)):
            lines = files[name]
            for _ in range(rng.randrange(1, 5)):
                at = rng.randrange(len(lines))
                roll = rng.random()
                if roll < 0.15:
                    key = make_key()
                    cut = rng.randrange(len(key) + 1)
                    lines.insert(at, f"{key[:cut]}")  # joined with the next line
                    lines.insert(at + 1, f"{key[cut:]} = value\n")
                elif roll < 0.3 and len(lines) > 20:
                    del lines[at:at + rng.randrange(1, 4)]  # may rejoin split keys
                elif roll < 0.4:
                    lines.insert(at, P + rng.choice(["", "s", "s-"]))
                else:
                    lines.insert(at, f"step {step} {rng.random()}\n")
            repo.write(name, "".join(lines))
        repo.commit(f"step {step}")
    _repack(repo, rng.random() < 0.5, depth=rng.choice([1, 5, 50]))
    max_size = rng.choice([None, 8000])
    _same(repo.path, max_size=max_size)


def _loop(loop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack walk's inner loop for this test (the workers are forked: they keep it)."""
    if loop == "python":
        monkeypatch.setattr(compiled, "apply_delta_fresh", None)
        monkeypatch.setattr(compiled, "pack_headers", None)
    elif not compiled.built():
        pytest.skip("the compiled loop is not built here (.ci/run requires it: "
                    "test_the_compiled_loop_is_built_where_ci_requires_it)")


def _report(run: Any) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = run.json()["findings"]
    return findings


def test_switch_and_fallback_through_the_cli(tmp_path: Path, git_home: Path,
                                             psguard: Any) -> None:
    """PSGUARD_HISTORY_READER picks the reader; a repository the pack reader does not
    read (here: alternates) is read through cat-file, saying so, with the same
    findings."""
    origin = init_repo(tmp_path / "origin", git_home)
    rng = random.Random(11)
    lines = _filler(rng, 300)
    for step in range(6):
        lines.insert(rng.randrange(len(lines)), f"v{step} = {make_key()}\n"
                     if step % 2 else f"v{step} = none\n")
        origin.write("conf.txt", "".join(lines))
        origin.commit(f"step {step}")
    _repack(origin, True)
    args = ("scan", "--history", "--no-cache", "--format", "json")
    by_reader = {}
    for reader in ("catfile", "pack"):
        result = psguard(*args, str(origin.path), env={"PSGUARD_HISTORY_READER": reader})
        assert result.code == 1 and "cat-file" not in result.stderr
        by_reader[reader] = _report(result)
    assert len(by_reader["pack"]) == 3 and by_reader["pack"] == by_reader["catfile"]

    shared = tmp_path / "shared"  # objects borrowed through objects/info/alternates
    origin.git("clone", "-q", "--shared", str(origin.path), str(shared))
    result = psguard(*args, str(shared), env={"PSGUARD_HISTORY_READER": "pack"})
    assert result.code == 1
    assert "psguard: history read through git cat-file (alternates)" in result.stderr
    assert len(_report(result)) == 3
