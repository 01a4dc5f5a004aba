"""Issue 18's leak forms, as real files built at run time (sqlite3, pickle, hand-built
msgpack and protobuf, `git format-patch`, percent and quoted-printable escapes, two
layers of base64, xz, bzip2, `\\uXXXX` .properties, hex, a Word document), scanned
through the CLI; and harmless generated names in the same containers, which stay
silent. Keys are fresh each run, at several lengths."""

from __future__ import annotations

import hashlib
import random
import secrets
from pathlib import Path

import pytest

from psguard.testing import Repo, make_key, run_psguard
from psguard.testing.leakforms import (
    POSITIVE,
    found_by_path,
    negative_names_in_containers,
    write_forms,
)
from psguard.testing.lookalikes import GENERATORS, P


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _found(root: Path) -> dict[str, set[str]]:
    run = run_psguard("scan", str(root), "--format", "json")
    assert run.code in (0, 1), run.stderr
    return found_by_path(run.json())


@pytest.mark.parametrize("length", [24, 40, 64])
def test_every_new_form_is_found_exactly(tmp_path: Path, length: int) -> None:
    expected = write_forms(tmp_path, POSITIVE.values(), length)
    found = _found(tmp_path)
    missed = [n for n, d in expected.items() if d not in found.get(n, set())]
    extra = [n for n, got in found.items() if got - {expected.get(n)}]
    assert (missed, extra) == ([], [])


def test_diff_markers_in_a_committed_patch(repo: Repo, tmp_path: Path) -> None:
    """`-ps-…` (a removed line) and `+ps-…` (an added one) at the start of a patch line."""
    old, new = make_key(), make_key()
    repo.write("keys.txt", old + "\n")
    repo.commit("add")
    repo.write("keys.txt", new + "\n")
    repo.commit("rotate")
    patch = repo.git("format-patch", "-1", "--stdout")
    assert f"\n-{old}\n" in patch and f"\n+{new}\n" in patch
    out = tmp_path / "patches"
    out.mkdir()
    (out / "rotate.patch").write_text(patch)
    found = _found(out)
    assert found == {"rotate.patch": {_digest(old), _digest(new)}}


def test_glued_prefixes_stay_non_matches_in_text_and_binary(tmp_path: Path) -> None:
    body = make_key(32)[3:]
    text = "".join(f"{w}{P}-{body}\n" for w in ("maps", "gaps", "foo-", "x", "a_"))
    (tmp_path / "glued.txt").write_text(text)
    (tmp_path / "glued.bin").write_bytes(b"\0\0" + text.replace("\n", "\0").encode())
    (tmp_path / "dashes.md").write_text(f"--{P}-{body}\n x-{P}-{body}\n")
    assert _found(tmp_path) == {}


def test_generated_names_stay_silent_in_office_documents_base64_and_xz(tmp_path: Path
                                                                      ) -> None:
    seed = secrets.randbits(32)
    rng = random.Random(seed)
    names = [gen(rng) for gen in GENERATORS.values() for _ in range(40)]
    for name, data in negative_names_in_containers(names).items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "build.css").write_text("\n".join(f".{n}{{}}" for n in names))
    assert _found(tmp_path) == {}, f"seed {seed}"
