"""Files a configuration names (config files, rule files, the baseline, the ignore file)
are read only when they are regular files, and only up to a size cap: a repository
cannot make psguard hang on a FIFO, read /dev/zero until memory runs out, or paste its
text into a regex. Each refusal is one line on stderr and exit code 2.

The CLI runs with a subprocess timeout: it detects a hang, it is not a speed limit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from psguard.testing import make_key, run_psguard

HANG = 120  # seconds; a run that has not ended by then is stuck, not slow

CONFIG_CAP = 1024 * 1024  # README: config, rule and ignore files
BASELINE_CAP = 16 * 1024 * 1024


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def refused(tmp_path: Path, *args: str, stdin: bytes | None = None) -> str:
    run = run_psguard("scan", str(tmp_path / "repo"), *args, input=stdin, timeout=HANG)
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    return one_line_error(run.stderr)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A scanned directory with a key in it, so that every stage runs."""
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "app.env").write_text(f"POOLSIDE_API_KEY={make_key()}\n")
    return tmp_path


def fifo(path: Path) -> Path:
    os.mkfifo(path)  # nobody ever writes to it: opening it for reading would block
    return path


# -- what the repository's config names -------------------------------------------------


@pytest.mark.parametrize("key", ["rules", "baseline"])
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/stdin"])
def test_config_naming_a_device_is_refused(tree: Path, key: str, device: str) -> None:
    value = f'["{device}"]' if key == "rules" else f'"{device}"'
    (tree / "repo" / ".psguard.toml").write_text(f"{key} = {value}\n")
    # /dev/stdin: an endless stream (psguard must not read it as a baseline or rules)
    line = refused(tree, stdin=b"0" * (1 << 20))
    assert device in line and "not a regular file" in line


@pytest.mark.parametrize("key", ["rules", "baseline"])
def test_config_naming_a_fifo_is_refused_without_blocking(tree: Path, key: str) -> None:
    pipe = fifo(tree / "pipe")
    value = f'["{pipe}"]' if key == "rules" else f'"{pipe}"'
    (tree / "repo" / ".psguard.toml").write_text(f"{key} = {value}\n")
    line = refused(tree)
    assert str(pipe) in line and "not a regular file (a FIFO)" in line


@pytest.mark.parametrize("key", ["rules", "baseline"])
def test_config_naming_a_directory_is_refused(tree: Path, key: str) -> None:
    (tree / "dir").mkdir()
    value = f'["{tree / "dir"}"]' if key == "rules" else f'"{tree / "dir"}"'
    (tree / "repo" / ".psguard.toml").write_text(f"{key} = {value}\n")
    line = refused(tree)
    assert "not a regular file (a directory)" in line


def test_oversized_rule_file_is_refused(tree: Path) -> None:
    rules = tree / "rules.toml"
    rules.write_text('[[rule]]\nid = "x"\nprefix = "tok-"\n' + "#" * CONFIG_CAP + "\n")
    (tree / "repo" / ".psguard.toml").write_text(f'rules = ["{rules}"]\n')
    line = refused(tree)
    assert str(rules) in line and "larger than 1 MB" in line


def test_oversized_baseline_is_refused(tree: Path) -> None:
    baseline = tree / "baseline.json"
    with baseline.open("wb") as fh:
        fh.truncate(BASELINE_CAP + 1)  # sparse: costs no disk
    line = refused(tree, "--baseline", str(baseline))
    assert str(baseline) in line and "larger than 16 MB" in line


# -- the config file itself, and the files found at the repository root ----------------


def test_config_flag_naming_dev_zero_or_a_fifo_is_refused(tree: Path) -> None:
    line = refused(tree, "--config", "/dev/zero")
    assert "/dev/zero" in line and "not a regular file" in line
    line = refused(tree, "--config", str(fifo(tree / "cfg.toml")))
    assert "not a regular file (a FIFO)" in line


def test_baseline_flag_naming_a_fifo_is_refused(tree: Path) -> None:
    line = refused(tree, "--baseline", str(fifo(tree / "base.json")))
    assert "not a regular file (a FIFO)" in line


@pytest.mark.parametrize("name", [".psguard.toml", ".psguardignore"])
def test_repository_file_linked_to_dev_zero_is_refused(tree: Path, name: str) -> None:
    # A config file that exists but cannot be read must not be skipped as if absent.
    (tree / "repo" / name).symlink_to("/dev/zero")
    line = refused(tree)
    assert name in line and "not a regular file" in line


@pytest.mark.parametrize("name", [".psguard.toml", ".psguardignore"])
def test_repository_file_that_is_a_fifo_or_directory_is_refused(tree: Path, name: str) -> None:
    fifo(tree / "repo" / name)
    assert "not a regular file (a FIFO)" in refused(tree)
    os.unlink(tree / "repo" / name)
    (tree / "repo" / name).mkdir()
    assert "not a regular file (a directory)" in refused(tree)


def test_oversized_config_and_ignore_file_are_refused(tree: Path) -> None:
    (tree / "repo" / ".psguardignore").write_text("# padding\n" * (CONFIG_CAP // 10 + 1))
    assert "larger than 1 MB" in refused(tree)
    os.unlink(tree / "repo" / ".psguardignore")
    (tree / "repo" / ".psguard.toml").write_text("# padding\n" * (CONFIG_CAP // 10 + 1))
    assert "larger than 1 MB" in refused(tree)


def test_files_under_the_caps_still_work(tree: Path) -> None:
    rules = tree / "rules.toml"
    rules.write_text('[[rule]]\nid = "x"\nprefix = "tok-"\n' + "#" * (CONFIG_CAP - 100) + "\n")
    (tree / "repo" / ".psguard.toml").write_text(f'rules = ["{rules}"]\n')
    run = run_psguard("scan", str(tree / "repo"), "--format", "json", timeout=HANG)
    assert run.code == 1, run.stderr
    assert len(run.json()["findings"]) == 1


# -- no rule text pasted into a regex ---------------------------------------------------


def write_rule(tree: Path, body: str) -> None:
    (tree / "repo" / "rules.toml").write_text(
        f'[[rule]]\nid = "hostile"\nprefix = "tok-"\n{body}\n')
    (tree / "repo" / ".psguard.toml").write_text('rules = ["rules.toml"]\n')


def test_body_alphabet_with_regex_syntax_is_rejected(tree: Path) -> None:
    write_rule(tree, "body_alphabet = 'a-z]|(x+)+y['")
    line = refused(tree)
    assert "'body_alphabet'" in line and "']'" in line


def test_body_alphabet_that_escaped_its_class_cannot_hang_a_scan(tree: Path) -> None:
    # Before: the alphabet was pasted between brackets, so `a]|(a+)+b|[a` made the
    # candidate regex `tok\-[a]|(a+)+b|[a]{16,}`: exponential backtracking on a run of
    # a's; this 44-byte line never finished.
    write_rule(tree, "body_alphabet = 'a]|(a+)+b|[a'")
    line = "tok-" + "a" * 39 + "\n"
    assert len(line) == 44
    (tree / "repo" / "log.txt").write_text(line)
    assert "'body_alphabet'" in refused(tree)


def test_allow_pattern_that_backtracks_cannot_hang_a_scan(tree: Path) -> None:
    # Before: allow_patterns were Python regexes, run against each candidate's body;
    # this one backtracks exponentially on any random 40-character key body.
    write_rule(tree, "[rule.filters]\nallow_patterns = ['([A-Za-z0-9]+)+!']")
    (tree / "repo" / "tok.txt").write_text(f"tok-{make_key()[3:]}\n")
    assert "'allow_patterns'" in refused(tree)


@pytest.mark.parametrize("bounds", ["min_length = 1_000_000_000_000",
                                    "max_length = 1_000_000_000_000",
                                    "min_length = 0"])
def test_length_bounds_outside_their_range_are_rejected(tree: Path, bounds: str) -> None:
    write_rule(tree, bounds)
    line = refused(tree)
    assert "need 1 <= min_length <= max_length <= 4096" in line


def test_literal_alphabet_with_escapes_and_safe_allow_patterns_work(tree: Path) -> None:
    # The grammar still expresses what people write: ranges, single characters, an
    # escaped bracket; allow patterns of classes and counted repeats.
    write_rule(tree, "body_alphabet = 'a-f0-9.\\]'\nmin_length = 12\nmax_length = 40\n"
                     "[rule.filters]\nreject_word_like = false\n"
                     "allow_patterns = ['deadbeef[0-9]{4,}', '[a-f]+\\.x?']")
    (tree / "repo" / "t.txt").write_text("tok-3f9c0a1b.2c]3d4e\ntok-deadbeef90417263\n"
                                         "tok-cafebeadfaced.\n")
    run = run_psguard("scan", str(tree / "repo"), "--format", "json",
                      "--min-confidence", "low", timeout=HANG)
    assert run.code == 1, run.stderr
    found = {f["secret"]["redacted"] for f in run.json()["findings"] if f["rule"] == "hostile"}
    assert found == {"…3d4e"}
