"""`psguard scan [PATH]` and `--stdin` end to end, as a user runs them."""

from __future__ import annotations

import os
from pathlib import Path

from psguard.testing import BASE62, BASE64URL, PREFIX, Repo, make_key, run_psguard


def write(root: Path, rel: str, content: str | bytes) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")


def reported(run_json: dict) -> dict[str, list[tuple[str, int | None]]]:
    """sha256 -> [(path, line)] for every finding in a JSON report."""
    return {f["secret"]["sha256"]: [(loc["path"], loc["line"]) for loc in f["locations"]]
            for f in run_json["findings"]}


def sha(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


def test_the_issue_examples_each_reported_once_and_nothing_else(tmp_path: Path) -> None:
    profile, docker, toml, md, edge, long_line = (make_key() for _ in range(6))
    lengths = {n: make_key(n, a) for n in (20, 33, 57, 80) for a in (BASE62, BASE64URL)}
    write(tmp_path, ".bashrc", f"alias ll='ls -l'\nexport POOLSIDE_API_KEY={profile}\n")
    write(tmp_path, "Dockerfile", f"FROM python:3.12\nENV POOLSIDE_API_KEY={docker}\n")
    write(tmp_path, "settings.toml", f'[poolside]\napi_key = "{toml}"\n')
    write(tmp_path, "docs/usage.md", f"Use it:\n\n```sh\ncurl -H 'Bearer {md}'\n```\n"
                                     f"Again: `{profile}`\n")
    write(tmp_path, "edge.txt", f"{edge} middle {edge}")
    write(tmp_path, "min.js", "var a=1;" * 25_000 + long_line + ";" + "b()" * 5_000)
    write(tmp_path, "lengths.env", "".join(f"K{n}={k}\n" for n, k in enumerate(lengths.values())))
    write(tmp_path, "noise/bootstrap.html",
          '<div class="ps-0 ps-1 ps-2 ps-3 ps-4 ps-5 ps-sm-2 ps-xl-auto">\n')
    write(tmp_path, "noise/names.yaml",
          "name: ps-worker-deployment-blue-green\nlicense: ps-or-later-exception-20240101\n"
          "cmd: ps -ef\nk1: ps-xxxxxxxxxxxxxxxxxxxxxxxx\nk2: ps-XXXXXXXXXXXXXXXX\n"
          "k3: ps-<api-key>\nk4: ps-{{ secrets.KEY }}\nk5: ps-$KEY\nk6: ps-…\n"
          "k7: ps-example-key\nk8: ps-aaaaaaaaaaaaaaaaaaaaaaaa\nk9: ps-0123456789abcdefghij\n")

    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 1, run.stderr
    found = reported(run.json())
    expected = {profile: [(".bashrc", 2), ("docs/usage.md", 6)],
                docker: [("Dockerfile", 2)], toml: [("settings.toml", 2)],
                md: [("docs/usage.md", 4)], edge: [("edge.txt", 1), ("edge.txt", 1)],
                long_line: [("min.js", 1)]}
    expected.update({k: [("lengths.env", i + 1)] for i, k in enumerate(lengths.values())})
    assert found == {sha(k): locs for k, locs in expected.items()}
    for key in expected:
        assert key not in run.stdout and key not in run.stderr


def test_text_report_is_redacted_unless_show_secrets(tmp_path: Path) -> None:
    key = make_key()
    write(tmp_path, "app/config.py", f'POOLSIDE_API_KEY = "{key}"\n')
    run = run_psguard("scan", str(tmp_path))
    assert run.code == 1
    assert "app/config.py:2" not in run.stdout and "app/config.py:1:21" in run.stdout
    assert f"{PREFIX}…{key[-4:]}" in run.stdout
    assert key not in run.stdout + run.stderr
    shown = run_psguard("scan", str(tmp_path), "--show-secrets", "--format", "json")
    assert shown.json()["findings"][0]["secret"]["value"] == key


def test_clean_tree_exits_zero(tmp_path: Path) -> None:
    write(tmp_path, "a.css", ".ps-3{padding-left:1rem}\n")
    run = run_psguard("scan", str(tmp_path))
    assert run.code == 0
    assert "no Poolside keys found" in run.stdout


def test_git_work_tree_scans_tracked_and_untracked_but_not_ignored(repo: Repo) -> None:
    tracked, untracked, ignored = make_key(), make_key(), make_key()
    repo.write(".gitignore", "secrets.local\nbuild/\n")
    repo.write("tracked.txt", f"k={tracked}\n")
    repo.commit("add tracked", ".gitignore", "tracked.txt")
    repo.write("new.txt", f"k={untracked}\n")
    repo.write("secrets.local", f"k={ignored}\n")
    repo.write("build/out.txt", f"k={ignored}\n")
    run = run_psguard("scan", str(repo.path), "--format", "json")
    paths = sorted(loc["path"] for f in run.json()["findings"] for loc in f["locations"])
    assert paths == ["new.txt", "tracked.txt"]


def test_git_subdirectory_scan_is_limited_to_it(repo: Repo) -> None:
    inside, outside = make_key(), make_key()
    repo.write("sub/a.txt", f"{inside}\n")
    repo.write("other/b.txt", f"{outside}\n")
    repo.commit("two files")
    run = run_psguard("scan", str(repo.path / "sub"), "--format", "json")
    assert reported(run.json()) == {sha(inside): [("a.txt", 1)]}


def test_plain_directory_honours_nested_gitignore_files(tmp_path: Path) -> None:
    keep, drop, negated = make_key(), make_key(), make_key()
    write(tmp_path, ".gitignore", "*.log\nvendor/\n")
    write(tmp_path, "pkg/.gitignore", "!keep.log\n")
    write(tmp_path, "a.log", drop)
    write(tmp_path, "vendor/lib.py", drop)
    write(tmp_path, "pkg/keep.log", negated)
    write(tmp_path, "pkg/mod.py", keep)
    write(tmp_path, ".git/config", drop)  # not a repository, but never scanned
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert set(reported(run.json())) == {sha(keep), sha(negated)}


def test_exclude_patterns_and_size_limit_from_config(tmp_path: Path) -> None:
    kept, excluded, big = make_key(), make_key(), make_key()
    write(tmp_path, ".psguard.toml", 'exclude = ["fixtures/", "*.snap"]\nmax_file_size = "1KB"\n')
    write(tmp_path, "fixtures/x.txt", excluded)
    write(tmp_path, "a.snap", excluded)
    write(tmp_path, "big.txt", big + "\n" + "z" * 2000)
    write(tmp_path, "ok.txt", kept)
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    report = run.json()
    # big.txt is above the limit: its first and last 500 bytes (half the limit each)
    # are scanned, which hold its key; the scan says it is incomplete.
    assert set(reported(report)) == {sha(kept), sha(big)}
    assert report["scan"]["problems"] == [
        {"kind": "too-large", "target": "big.txt",
         "detail": f"{len(big) + 2001} bytes is above max_file_size (1000); only its "
                   "first and last 500 bytes were scanned"}]
    assert report["scan"]["complete"] is False
    assert run.code == 1


def test_pyproject_tool_table_is_read(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname="x"\n[tool.psguard]\nexclude=["gen/"]\n')
    write(tmp_path, "gen/a.txt", make_key())
    assert run_psguard("scan", str(tmp_path)).code == 0


def test_subdirectory_scan_uses_the_repository_root_config(repo: Repo) -> None:
    """`psguard scan sub/` inside a repository reads the root's .psguard.toml, and its
    exclude patterns stay relative to the root."""
    kept, excluded = make_key(), make_key()
    write(repo.path, ".psguard.toml", 'exclude = ["app/fixtures/"]\n')
    write(repo.path, "app/fixtures/x.txt", excluded)
    write(repo.path, "app/fixtures2/y.txt", kept)  # not under the excluded directory
    repo.commit("add")
    for target, cwd in ((str(repo.path / "app"), None), (".", repo.path / "app")):
        run = run_psguard("scan", target, "--format", "json", cwd=cwd)
        assert set(reported(run.json())) == {sha(kept)}, (target, run.stderr)
        assert run.code == 1


def test_symlinks_are_not_followed_out_of_the_tree(tmp_path: Path) -> None:
    outside_key, inside_key = make_key(), make_key()
    write(tmp_path, "outside/secret.txt", outside_key)
    write(tmp_path, "tree/real.txt", inside_key)
    os.symlink(tmp_path / "outside" / "secret.txt", tmp_path / "tree" / "escape.txt")
    os.symlink(tmp_path / "outside", tmp_path / "tree" / "escape_dir")
    os.symlink(tmp_path / "tree" / "real.txt", tmp_path / "tree" / "alias.txt")
    os.mkfifo(tmp_path / "tree" / "pipe")  # opening it would hang the scan
    run = run_psguard("scan", str(tmp_path / "tree"), "--format", "json")
    assert reported(run.json()) == {sha(inside_key): [("alias.txt", 1), ("real.txt", 1)]}


def test_scan_a_single_file(tmp_path: Path) -> None:
    key = make_key()
    write(tmp_path, "one.txt", f"x\n{key}\n")
    run = run_psguard("scan", str(tmp_path / "one.txt"), "--format", "json")
    assert reported(run.json()) == {sha(key): [("one.txt", 2)]}


def test_stdin(tmp_path: Path) -> None:
    key = make_key()
    run = run_psguard("scan", "--stdin", "--format", "json", input=f"hello\n{key}\n")
    assert run.code == 1
    [finding] = run.json()["findings"]
    assert finding["locations"][0]["kind"] == "stdin"
    assert finding["locations"][0]["line"] == 2
    clean = run_psguard("scan", "--stdin", input="ps -ef\n")
    assert clean.code == 0


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path: Path) -> None:
    key = make_key()
    write(tmp_path, "src/a.txt", key)
    out = tmp_path / "report.json"
    run = run_psguard("scan", str(tmp_path / "src"), "--format", "json", "--output", str(out))
    assert run.code == 1 and run.stdout == ""
    import json

    report = json.loads(out.read_text())
    assert report["schema"] == "psguard/v1"
    assert report["scan"]["mode"] == "worktree" and report["scan"]["complete"] is True
    assert key not in out.read_text()


def test_json_report_has_the_documented_shape(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", make_key())
    report = run_psguard("scan", str(tmp_path), "--format", "json").json()
    assert set(report) >= {"schema", "tool", "scan", "findings"}
    assert set(report["scan"]) >= {"mode", "target", "complete", "problems", "stats"}
    assert set(report["scan"]["stats"]) >= {"blobs", "bytes", "commits", "seconds"}
    [f] = report["findings"]
    assert set(f) >= {"id", "rule", "confidence", "secret", "verification", "exposure",
                      "locations", "first_seen", "remediation"}
    assert set(f["secret"]) == {"redacted", "sha256"}
    assert f["verification"]["status"] == "not_checked"
    assert set(f["locations"][0]) >= {"kind", "path", "line", "column", "commit", "author",
                                      "date", "decoded_from"}


def test_min_confidence_flag(tmp_path: Path) -> None:
    # Random consonants: one character class, no context: low confidence.
    write(tmp_path, "a.txt", "v " + PREFIX + "qzvkwxjmpbrtyhdk")
    assert run_psguard("scan", str(tmp_path)).code == 0
    assert run_psguard("scan", str(tmp_path), "--min-confidence", "low").code == 1
