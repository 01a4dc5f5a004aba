"""psguard.git.loose: a loose object is read only when it is what its id names, and
the object store is found where git would look."""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path

import pytest

from psguard.git.loose import objects_dir, read_loose


def _store(objects: Path, body: bytes, *, kind: bytes = b"blob", name: str | None = None,
           raw: bytes | None = None) -> str:
    """A loose object as git writes it; under name (another id) when given."""
    full = kind + b" %d\0" % len(body) + body
    oid = hashlib.sha1(full).hexdigest()
    name = name or oid
    path = objects / name[:2] / name[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zlib.compress(full) if raw is None else raw)
    return oid


def test_a_loose_blob_is_read(tmp_path: Path) -> None:
    oid = _store(tmp_path, b"hello\n")
    assert read_loose(str(tmp_path), oid) == b"hello\n"
    assert read_loose(str(tmp_path), _store(tmp_path, b"")) == b""


def test_bytes_that_are_not_what_the_id_names_are_never_returned(tmp_path: Path) -> None:
    """A damaged or planted file: the caller asks git instead (None)."""
    real = b"API_KEY = 'a real secret would be here'\n"
    oid = hashlib.sha1(b"blob %d\0" % len(real) + real).hexdigest()
    _store(tmp_path, b"nothing to see\n", name=oid)  # other content under the id
    assert read_loose(str(tmp_path), oid) is None


@pytest.mark.parametrize("raw", [
    b"not zlib at all",
    zlib.compress(b"blob 99\0short"),  # the header's size is not the content's
    zlib.compress(b"blob"),  # no header end
    zlib.compress(b"blob 5\0hello")[:-3],  # truncated stream
    zlib.compress(b"weird 5\0hello"),
])
def test_a_damaged_object_is_left_to_git(tmp_path: Path, raw: bytes) -> None:
    oid = hashlib.sha1(b"blob 5\0hello").hexdigest()
    _store(tmp_path, b"hello", raw=raw)
    assert read_loose(str(tmp_path), oid) is None


def test_ids_that_are_not_sha1_and_missing_objects_are_left_to_git(tmp_path: Path) -> None:
    assert read_loose(str(tmp_path), "0" * 40) is None  # no such file
    assert read_loose(str(tmp_path), "a" * 64) is None  # SHA-256 repository
    assert read_loose(str(tmp_path), "../../etc/passwd".ljust(40, "0")) is None
    assert read_loose(str(tmp_path), "A" * 40) is None  # git's ids are lower case


def test_the_store_is_found_from_a_sub_directory_and_a_linked_work_tree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_DIR", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"):
        monkeypatch.delenv(name, raising=False)
    main = tmp_path / "main"
    (main / ".git" / "objects").mkdir(parents=True)
    (main / "src" / "pkg").mkdir(parents=True)
    found = objects_dir(str(main / "src" / "pkg"))
    assert found is not None and os.path.samefile(found, main / ".git" / "objects")
    # `git worktree add`: a .git file naming the work tree's own folder, whose
    # commondir names the main repository's
    own = main / ".git" / "worktrees" / "linked"
    own.mkdir(parents=True)
    (own / "commondir").write_text("../..\n")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / ".git").write_text(f"gitdir: {own}\n")
    found = objects_dir(str(linked))
    assert found is not None and os.path.samefile(found, main / ".git" / "objects")
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(tmp_path / "elsewhere"))
    assert objects_dir(str(linked)) == str(tmp_path / "elsewhere")


def test_no_repository_means_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_DIR", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"):
        monkeypatch.delenv(name, raising=False)
    if any((parent / ".git").exists() for parent in [tmp_path, *tmp_path.parents]):
        pytest.skip("the temporary directory is inside a repository")
    assert objects_dir(str(tmp_path)) is None
