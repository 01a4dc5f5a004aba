"""Where the commit-msg hook takes `git commit -v`'s cut (sources/hooks.verbose_cut),
and how it tells that git ran an editor (hooks/commitmsg.editor_was_used)."""

from __future__ import annotations

from psguard.hooks.commitmsg import editor_was_used
from psguard.sources.hooks import verbose_cut

SCISSORS = b"# ------------------------ >8 ------------------------\n"
DIFF = b"diff --git a/x b/x\n+x\n"
HASH = (b"#",)


def test_git_verbose_layout_is_cut_at_the_scissors_line() -> None:
    data = (b"subject\n\n# Please enter the commit message\n" + SCISSORS +
            b"# Do not modify or remove the line above.\n"
            b"# Everything below it will be ignored.\n" + DIFF)
    assert verbose_cut(data, HASH) == data.index(SCISSORS)
    assert verbose_cut(SCISSORS + DIFF, HASH) == 0  # git: a scissors line first cuts all


def test_no_cut_without_git_s_exact_line_or_a_diff_after_it() -> None:
    assert verbose_cut(b"subject\n" + DIFF, HASH) is None
    assert verbose_cut(b"subject\n" + SCISSORS + b"text\n" + DIFF, HASH) is None
    assert verbose_cut(b"subject\n" + SCISSORS + b"# only comments\n", HASH) is None
    assert verbose_cut(b"subject\n  " + SCISSORS + DIFF, HASH) is None  # not a line start
    assert verbose_cut(b"subject\n" + SCISSORS.replace(b">8", b"8<") + DIFF, HASH) is None
    assert verbose_cut(b"subject\n" + SCISSORS.rstrip(b"\n"), HASH) is None


def test_the_first_scissors_line_decides_as_in_git() -> None:
    """git cuts at the first one; when no diff follows it, nothing is left out."""
    data = b"subject\n" + SCISSORS + b"typed below\n" + SCISSORS + DIFF
    assert verbose_cut(data, HASH) is None


def test_comment_character_from_config() -> None:
    semi = SCISSORS.replace(b"#", b";", 1)
    assert verbose_cut(b"s\n" + semi + b"; note\n" + DIFF, (b";",)) == 2
    assert verbose_cut(b"s\n" + SCISSORS + DIFF, (b";",)) is None
    assert verbose_cut(b"s\n" + semi + DIFF, (b"#", b";")) == 2  # core.commentChar=auto


def test_git_says_no_editor_with_a_colon() -> None:
    assert not editor_was_used({"GIT_EDITOR": ":"})
    assert editor_was_used({"GIT_EDITOR": "vim"})
    assert editor_was_used({})  # git leaves the user's editor settings alone
