"""The commit-msg hook follows git's message cleanup, not a guess (issue 19, row 5).

The hook cannot see git's command line, so it blocks on every line git might keep:
with `-m`/`-F` (no editor) git's default cleanup is `whitespace`, which keeps `#`
lines, and so does `commit.cleanup=verbatim`. Only below git's own scissors line,
written by `git commit -v` with an editor, is text dropped, and there only keys the
repository's own content shows (what the verbose diff displays; the pre-commit hook
judges that content). Every test runs real `git commit` with psguard's hooks installed
through the pre-commit framework and through `psguard install`; where the hook blocks,
committing with --no-verify shows that git would indeed have kept the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.testing import Repo, git_run, make_key, output, run_psguard

SCISSORS = "# ------------------------ >8 ------------------------"


@pytest.fixture(params=["framework", "psguard-install"])
def hooked(request: pytest.FixtureRequest, repo: Repo) -> Repo:
    """A repository with psguard's hooks, installed one way or the other."""
    if request.param == "framework":
        fw_repo: Repo = request.getfixturevalue("fw_repo")
        return fw_repo
    run = run_psguard("install", str(repo.path), env={"HOME": str(repo.home)})
    assert run.code == 0, run.stderr
    repo.commit("root")
    return repo


def editor(tmp_path: Path, body: str) -> dict[str, str]:
    """GIT_EDITOR set to a script that runs `body` (shell) on the message file "$1"."""
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\nset -e\n{body}\n")
    script.chmod(0o755)
    return {"GIT_EDITOR": str(script)}


def writes(tmp_path: Path, message: str) -> dict[str, str]:
    """An editor that replaces the message with `message`."""
    source = tmp_path / "message.txt"
    source.write_text(message)
    return editor(tmp_path, f'cat "{source}" > "$1"')


def head_subject(repo: Repo) -> str:
    return repo.git("log", "-1", "--format=%s")


def assert_blocked(repo: Repo, proc_out: tuple[int, str], key: str, before: str) -> None:
    code, out = proc_out
    assert code == 1, out
    assert "commit message holds a Poolside API key" in out
    assert key not in out and key[-4:] in out
    assert head_subject(repo) == before


def commit(repo: Repo, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = git_run(repo, "commit", *args, env=env)
    return proc.returncode, output(proc)


def git_keeps(repo: Repo, key: str, *args: str, env: dict[str, str] | None = None) -> None:
    """The same commit without hooks: git's own cleanup keeps the key in the message."""
    code, out = commit(repo, "--no-verify", *args, env=env)
    assert code == 0, out
    assert key in repo.git("log", "-1", "--format=%B")


def test_dash_m_keeps_hash_lines_so_a_key_there_blocks(hooked: Repo) -> None:
    key = make_key()
    before = head_subject(hooked)
    args = ("--allow-empty", "-m", f"#42 rotate key {key}")
    assert_blocked(hooked, commit(hooked, *args), key, before)
    git_keeps(hooked, key, *args)


def test_dash_m_with_a_scissors_line_keeps_what_is_below(hooked: Repo) -> None:
    key = make_key()
    before = head_subject(hooked)
    message = f"tidy up\n{SCISSORS}\ndiff --git a/x b/x\n+KEY={key}\n"
    args = ("--allow-empty", "-m", message)
    assert_blocked(hooked, commit(hooked, *args), key, before)
    git_keeps(hooked, key, *args)


def test_an_edited_message_with_a_fake_scissors_line_blocks(hooked: Repo,
                                                            tmp_path: Path) -> None:
    """With an editor but without -v, git cuts nothing at a scissors line: a key below
    one that no file in the repository holds is committed, so it blocks."""
    key = make_key()
    before = head_subject(hooked)
    env = writes(tmp_path, f"tidy up\n\n{SCISSORS}\n# Do not modify or remove the line "
                           f"above.\ndiff --git a/x b/x\n+KEY={key}\n")
    assert_blocked(hooked, commit(hooked, "--allow-empty", env=env), key, before)
    git_keeps(hooked, key, "--allow-empty", env=env)


def test_cleanup_verbatim_keeps_comment_lines_so_a_key_there_blocks(hooked: Repo,
                                                                   tmp_path: Path) -> None:
    key = make_key()
    hooked.git("config", "commit.cleanup", "verbatim")
    before = head_subject(hooked)
    env = writes(tmp_path, f"rotate the key\n\n# old one was {key}\n")
    assert_blocked(hooked, commit(hooked, "--allow-empty", env=env), key, before)
    git_keeps(hooked, key, "--allow-empty", env=env)


@pytest.mark.parametrize("how", [("-v",), ("-a", "-vv")])
def test_verbose_diff_of_keys_already_committed_does_not_block(
        hooked: Repo, tmp_path: Path, how: tuple[str, ...]) -> None:
    """`git commit -v` shows the staged diff below git's scissors line and cuts it
    from the message. A diff that shows keys HEAD already holds (one kept as context,
    one being removed) is no key in the message: the commit goes through, and its
    message holds neither key. (Removing a leaked key with -v must not be blocked.)
    `-a` commits through a temporary index; `-vv` adds the unstaged diff."""
    kept, removed = make_key(), make_key()
    hooked.write("settings.env", f"A=1\nKEPT={kept}\nREMOVED={removed}\n")
    hooked.git("add", "settings.env")
    code, out = commit(hooked, "--no-verify", "-q", "-m", "settings")
    assert code == 0, out
    hooked.write("settings.env", f"A=2\nKEPT={kept}\n")
    if "-a" not in how:
        hooked.git("add", "settings.env")
    env = editor(tmp_path, 'printf "drop the old key\\n" | cat - "$1" > "$1.new"\n'
                           'mv "$1.new" "$1"')
    code, out = commit(hooked, *how, env=env)
    assert code == 0, out
    assert head_subject(hooked) == "drop the old key"
    message = hooked.git("log", "-1", "--format=%B")
    assert kept not in message and removed not in message and "diff --git" not in message


def test_verbose_diff_of_a_staged_key_is_left_to_the_pre_commit_hook(fw_repo: Repo,
                                                                    tmp_path: Path) -> None:
    """With the pre-commit hook skipped on purpose (SKIP=psguard), the key `commit -v`
    shows in the staged diff is not in the message either: commit-msg does not block."""
    key = make_key()
    fw_repo.write("deploy.sh", f"export POOLSIDE_API_KEY={key}\n")
    fw_repo.git("add", "deploy.sh")
    env = editor(tmp_path, 'printf "deploy script\\n" | cat - "$1" > "$1.new"\n'
                           'mv "$1.new" "$1"')
    code, out = commit(fw_repo, "-v", env=env)
    assert code == 1 and "commit blocked" in out and "deploy.sh" in out  # pre-commit
    code, out = commit(fw_repo, "-v", env={**env, "SKIP": "psguard"})
    assert code == 0, out
    assert key not in fw_repo.git("log", "-1", "--format=%B")
