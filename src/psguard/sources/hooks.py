"""Scan sources the hooks need beyond `psguard scan`'s: a list of rev-list arguments
(pre-push: the commits not yet on the remote) and a commit message file.

app.SOURCES names them, so every later stage (grouping, suppression, exposure,
verification) runs exactly as for `psguard scan`.
"""

from __future__ import annotations

from pathlib import Path

from psguard.models import Origin
from psguard.pipeline import ScanOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from psguard.pipeline import ScanContext

SCISSORS = b"------------------------ >8 ------------------------"


class RevsOptions(ScanOptions):
    """mode "revs": what `git rev-list REVS` adds, e.g. [tip, "--not", remote tips]."""

    __slots__ = ("revs",)

    def __init__(self, *, revs: list[str] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.revs: list[str] = revs or []


class MessageOptions(ScanOptions):
    """mode "commit-msg": a commit message file as git hands it to the commit-msg hook."""

    __slots__ = ("message_file",)

    def __init__(self, *, message_file: Path | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.message_file = message_file


class FilesOptions(ScanOptions):
    """mode "files": these work-tree files (paths relative to `path`), e.g. the file
    names the pre-commit framework passes with `pre-commit run --all-files`."""

    __slots__ = ("files",)

    def __init__(self, *, files: list[str] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.files: list[str] = files or []


def scan_named_files(ctx: ScanContext) -> None:
    from psguard.sources.worktree import read_files

    assert isinstance(ctx.options, FilesOptions)
    files = ctx.config.not_excluded(ctx.options.files, ctx.root)
    for chunk in read_files(ctx.root, files, ctx.config.max_file_size,
                            ctx.result.problems):
        ctx.result.stats.files += 1
        ctx.result.stats.bytes += len(chunk.data)
        ctx.candidates.extend(ctx.engine.scan(chunk, ctx.result.problems))


def scan_revs(ctx: ScanContext) -> None:
    from psguard.sources.history import repo_facts
    from psguard.sources.revrange import scan_revs

    assert isinstance(ctx.options, RevsOptions)
    facts = repo_facts(ctx.root)
    ctx.result.target = str(facts.root)
    ctx.result.mode = "range"  # to reports: what a set of commits adds
    scan_revs(ctx, facts.root, ctx.options.revs)


def message_text(data: bytes, comment_char: bytes = b"#") -> bytes:
    """The part of a message file git will commit: without the `git commit -v` diff
    below the scissors line and without comment lines. Lines are kept (blanked) so
    line numbers match the file."""
    out = []
    for line in data.split(b"\n"):
        stripped = line.lstrip()
        if stripped.startswith(comment_char) and SCISSORS in line:
            break
        out.append(b"" if stripped.startswith(comment_char) else line)
    return b"\n".join(out)


def _comment_char(root: Path) -> bytes:
    from psguard.git.runner import run_git

    proc = run_git(["config", "--get", "core.commentChar"], root, check=False)
    value = proc.stdout.strip()
    return value[:1] if proc.returncode == 0 and value and value != b"auto" else b"#"


def scan_message(ctx: ScanContext) -> None:
    from psguard.errors import UsageError

    assert isinstance(ctx.options, MessageOptions)
    path = ctx.options.message_file
    if path is None:
        raise UsageError("commit-msg: no message file given")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"commit-msg: cannot read {path}: {exc.strerror}") from None
    ctx.result.stats.files = 1
    ctx.result.stats.bytes = len(data)
    if not ctx.engine.may_match(data):
        return
    text = message_text(data, _comment_char(ctx.root))
    ctx.candidates.extend(ctx.engine.scan_bytes(
        text, Origin(kind="commit-message", path=path.name)))
