"""psguard.git.packread against git itself: every object of real packs (offset and
reference deltas, deep chains, large and binary files) reads back byte for byte as
`git cat-file --batch` gives it."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from psguard.git.packread import PackReader, Unsupported, apply_delta, open_packs
from psguard.testing import Repo


def _history(repo: Repo, seed: int) -> None:
    rng = random.Random(seed)
    lines = [f"line {i} {rng.random()}\n" for i in range(400)]
    blob = bytearray(rng.randbytes(70_000))
    for step in range(25):
        for _ in range(rng.randrange(1, 6)):  # inserts, deletions, edits
            at = rng.randrange(len(lines))
            choice = rng.random()
            if choice < 0.4:
                lines.insert(at, f"new {step} {rng.random()}\n")
            elif choice < 0.7 and len(lines) > 10:
                del lines[at]
            else:
                lines[at] = f"changed {step}\n"
        blob[rng.randrange(len(blob))] ^= 0xFF
        blob += rng.randbytes(rng.randrange(100))
        repo.write("text.txt", "".join(lines))
        repo.write("data.bin", bytes(blob))
        repo.write(f"small/{step % 4}.txt", f"version {step}\n" * (step + 1))
        repo.commit(f"step {step}")


def _git_objects(repo: Repo) -> dict[str, tuple[str, bytes]]:
    ids = repo.git("cat-file", "--batch-all-objects", "--batch-check=%(objectname)").split()
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=repo.path, env=repo.env,
                         input="".join(i + "\n" for i in ids).encode(), capture_output=True,
                         check=True).stdout
    objects: dict[str, tuple[str, bytes]] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        oid, kind, size = out[pos:end].decode().split()
        start = end + 1
        objects[oid] = (kind, out[start:start + int(size)])
        pos = start + int(size) + 1
    return objects


@pytest.mark.parametrize("offset_deltas", [True, False])
def test_every_object_reads_as_git_reads_it(repo: Repo, offset_deltas: bool) -> None:
    _history(repo, 5)
    repo.git("-c", f"repack.useDeltaBaseOffset={str(offset_deltas).lower()}",
             "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=50")
    want = _git_objects(repo)
    readers = open_packs(repo.path / ".git")
    assert len(readers) == 1
    with readers[0] as reader:
        kinds = {reader.entry(int(reader.offsets[i])).kind for i in range(reader.n)}
        assert (6 if offset_deltas else 7) in kinds  # the delta kind under test is there
        got = {oid: reader.read(oid) for oid in reader.ids()}
    assert got == want


def test_a_corrupt_delta_is_refused_not_misread() -> None:
    base = b"hello world\n"
    # sizes 12 -> 5, then copy 5 bytes from offset 20: past the base's end
    with pytest.raises(Unsupported):
        apply_delta(base, bytes([12, 5, 0x91, 20, 5]))
    assert apply_delta(base, bytes([12, 5, 0x91, 6, 5])) == b"world"


def test_a_pack_it_cannot_read_is_unsupported(tmp_path: Path) -> None:
    idx = tmp_path / "pack-x.idx"
    idx.write_bytes(b"\xfftOc\x00\x00\x00\x01" + bytes(2000))
    (tmp_path / "pack-x.pack").write_bytes(b"PACK")
    with pytest.raises(Unsupported):
        PackReader(idx)
