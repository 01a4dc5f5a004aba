"""The hooks' command lines read without argparse (commands/namespace.py) give exactly
the namespace argparse gives; every other command line is left to argparse."""

from __future__ import annotations

import pytest

from psguard.cli import parse
from psguard.commands.hook import prepare_argv
from psguard.commands.namespace import quick_parse

READ_QUICKLY = [
    ["scan", "--staged"],
    ["scan", "--staged", "."],
    ["scan", ".", "--staged"],
    ["scan", "--staged", "some/dir"],
    ["scan", "--staged", "https://example.invalid/repo.git"],  # _target says what is wrong
    ["scan", "--staged", "--quiet", "--no-color", "--exit-zero", "."],
    ["scan", "-q", "--staged", "--no-repo-config", "--show-secrets", "--verify"],
    ["scan", "--staged", "--no-cache", ""],
    ["hook", "pre-commit"],
    ["hook", "pre-commit", "--"],
    ["hook", "pre-commit", "--", "a.py", "b c.txt", "-h", "--show-secrets"],
    ["hook", "--no-repo-config", "--allow-incomplete", "pre-commit", "--", "x"],
    ["hook", "--show-secrets", "pre-commit"],
]

LEFT_TO_ARGPARSE = [
    ["scan"],
    ["scan", "."],
    ["scan", "--history"],
    ["scan", "--stage"],  # an abbreviation argparse accepts
    ["scan", "--staged", "--format", "json"],
    ["scan", "--staged", "-v"],
    ["scan", "--staged", "-q", "--verbose"],
    ["scan", "--staged", "a", "b"],
    ["scan", "--staged", "--", "a"],
    ["scan", "--staged", "--help"],
    ["hook", "pre-push", "origin", "url"],
    ["hook", "commit-msg", "--", "MSG"],
    ["hook", "--config", "c.toml", "pre-commit"],
    ["hook", "--fail-on", "live", "pre-commit", "--", "a"],
    ["hook", "pre-commit", "--", "a", "--", "b"],
    ["hook", "pre-commit", "a"],
    ["hook"],
    ["verify"],
    [],
]


@pytest.mark.parametrize("argv", READ_QUICKLY, ids=" ".join)
def test_quick_namespace_is_argparses(argv: list[str]) -> None:
    quick = quick_parse(argv)
    assert quick is not None
    assert vars(quick) == vars(parse(argv))


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=" ".join)
def test_other_command_lines_go_to_argparse(argv: list[str]) -> None:
    assert quick_parse(argv) is None


def test_framework_file_names_that_look_like_options_stay_file_names(tmp_path: object,
                                                                     monkeypatch: pytest.MonkeyPatch
                                                                     ) -> None:
    """As the framework calls it (prepare_argv first): a staged file named like an option
    is a file name in both readings."""
    monkeypatch.chdir(str(tmp_path))
    open("--show-secrets", "w").close()
    argv = prepare_argv(["hook", "pre-commit", "--show-secrets", "a.py"])
    quick = quick_parse(argv)
    assert quick is not None and vars(quick) == vars(parse(argv))
    assert quick.hook_args == ["--show-secrets", "a.py"] and not quick.show_secrets
