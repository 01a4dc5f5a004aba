"""The compiled pack loops (psguard.git.compiled) give what their Python twins give,
on packs that git wrote: offset and reference deltas, several packs, a damaged one.
The apply-delta loop's own comparison is in test_git_packwalk.py."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from psguard.git import compiled
from psguard.git.packlist import list_pack_objects
from psguard.testing import Repo


@pytest.fixture(autouse=True)
def _needs_the_build() -> None:
    if not compiled.built():
        pytest.skip("the compiled loops are not built here (.ci/run requires them: "
                    "test_the_compiled_loop_is_built_where_ci_requires_it)")


def _history(repo: Repo, seed: int, commits: int = 25) -> None:
    rng = random.Random(seed)
    lines = [f"line {i} {rng.random()}\n" for i in range(200)]
    for step in range(commits):
        lines.insert(rng.randrange(len(lines)), f"step {step}\n")
        repo.write("a.txt", "".join(lines))
        repo.write(f"d/{step % 3}.txt", "".join(lines[step:]))
        repo.commit(f"step {step}")


def _both(git_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    fast = list_pack_objects(git_dir)
    with monkeypatch.context() as m:
        m.setattr(compiled, "pack_headers", None)
        slow = list_pack_objects(git_dir)
    return fast, slow


@pytest.mark.parametrize("offset_deltas", [True, False], ids=["ofs-delta", "ref-delta"])
def test_the_listing_is_the_same_through_either_loop(
        repo: Repo, offset_deltas: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    _history(repo, 3)
    repo.git("-c", f"repack.useDeltaBaseOffset={str(offset_deltas).lower()}", "repack",
             "-a", "-d", "-f", "-q", "--depth=20")
    _history(repo, 4, commits=5)
    repo.git("repack", "-q")  # a second pack, of the new objects
    fast, slow = _both(repo.path / ".git", monkeypatch)
    assert fast is not None and fast == slow
    assert len(fast) > 60  # type: ignore[arg-type]


def test_a_damaged_pack_is_refused_by_either_loop(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers pointing past the pack, or an unknown type, give no listing (git is
    asked instead) through both loops, never a wrong one."""
    _history(repo, 5)
    repo.git("repack", "-a", "-d", "-q")
    [pack] = (repo.path / ".git" / "objects" / "pack").glob("*.pack")
    data = bytearray(pack.read_bytes())
    pack.chmod(0o644)
    rng = random.Random(6)
    for _ in range(30):
        damaged = bytearray(data)
        at = rng.randrange(12, len(damaged) - 20)
        damaged[at:at + 4] = rng.randbytes(4)
        pack.write_bytes(bytes(damaged))
        fast, slow = _both(repo.path / ".git", monkeypatch)
        assert fast == slow
