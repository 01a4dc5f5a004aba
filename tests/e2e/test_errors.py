"""Bad input gets one clear line on stderr and the documented exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.testing import make_key, run_psguard


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_unknown_flag() -> None:
    run = run_psguard("scan", "--no-such-flag")
    assert run.code == 2
    assert "unrecognized arguments: --no-such-flag" in one_line_error(run.stderr)


def test_unknown_command_and_bad_choice() -> None:
    assert run_psguard("frobnicate").code == 2
    run = run_psguard("scan", "--format", "yaml")
    assert run.code == 2 and "invalid choice" in one_line_error(run.stderr)


def test_conflicting_modes() -> None:
    run = run_psguard("scan", "--stdin", "--staged")
    assert run.code == 2 and "not allowed with" in one_line_error(run.stderr)


def test_missing_path(tmp_path: Path) -> None:
    run = run_psguard("scan", str(tmp_path / "nope"))
    assert run.code == 2 and "no such file or directory" in one_line_error(run.stderr)


@pytest.mark.parametrize(("content", "message"), [
    ("exclude = 'x'\n", "'exclude' must be a list"),
    ("excludes = ['x']\n", "unknown key 'excludes'"),
    ("min_confidence = 'extreme'\n", "'min_confidence' must be low, medium or high"),
    ("max_file_size = 'lots'\n", "'max_file_size' must be a positive number"),
    ("exclude = [\n", "not valid TOML"),
])
def test_broken_config_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / ".psguard.toml").write_text(content)
    run = run_psguard("scan", str(tmp_path))
    assert run.code == 2
    assert message in one_line_error(run.stderr)


def test_config_flag_names_a_missing_file(tmp_path: Path) -> None:
    run = run_psguard("scan", str(tmp_path), "--config", str(tmp_path / "missing.toml"))
    assert run.code == 2 and "cannot read config" in one_line_error(run.stderr)


@pytest.mark.parametrize(("rule_text", "message"), [
    ('[[rule]]\nid = "x"\nprefix = "tok-"\nbody_alphabet = "Z-A"\n',
     "'body_alphabet' 'Z-A': range 'Z-A' is reversed"),
    ('[[rule]]\nid = "x"\nprefix = "tok-"\n[rule.filters]\nallow_patterns = ["("]\n',
     "'allow_patterns' '(': groups and alternation ('(') are not supported"),
    ('[[rule]\nid = "x"\n', "not valid TOML"),
    ('[[rule]]\nid = "x"\n', "missing required key 'prefix'"),
    ('[[rule]]\nid = "x"\nprefix = "tok-"\nmin_length = "ten"\n', "must be an integer"),
    ('[[rule]]\nid = "poolside-api-key"\nprefix = "tok-"\n', "defined twice"),
])
def test_broken_rule_file_is_a_clear_error(tmp_path: Path, rule_text: str, message: str) -> None:
    (tmp_path / "rules.toml").write_text(rule_text)
    (tmp_path / ".psguard.toml").write_text('rules = ["rules.toml"]\n')
    run = run_psguard("scan", str(tmp_path))
    assert run.code == 2
    assert message in one_line_error(run.stderr)


def test_user_rule_files_add_rules(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text(
        '[[rule]]\nid = "internal-token"\ndescription = "Our gateway token"\n'
        'prefix = "gw-"\nmin_length = 24\nmax_length = 64\nkeywords = ["gateway"]\n')
    (tmp_path / ".psguard.toml").write_text('rules = ["rules.toml"]\n')
    body = make_key(30)[3:]
    (tmp_path / "a.txt").write_text(f"gateway=gw-{body}\n")
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 1
    assert [f["rule"] for f in run.json()["findings"]] == ["internal-token"]


def test_unwritable_output(tmp_path: Path) -> None:
    run = run_psguard("scan", str(tmp_path), "--output", str(tmp_path / "no" / "dir" / "r.json"))
    assert run.code == 2 and "--output" in one_line_error(run.stderr)
