"""Commits whose headers git would not write (issue 19, row 6): an out-of-range or
non-numeric timestamp, a bad timezone, a missing author or date, a name that is not
UTF-8 or holds control characters. Each is built by hand with `git hash-object
--literally` and a branch points at it; the key in its message and the key in its tree
are still found, in every report format, for history and range scans and through the
pre-push hook; the malformed header is a warning naming the commit (every byte was read,
so the scan is complete), never a crash.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from psguard.testing import Repo, git_run, make_key, output, run_psguard

GOOD = b"A U Thor <author@example.invalid> 1700000000 +0000"

# (case, author line or None, committer line, what the warning says or None)
CASES = [
    ("out-of-range", b"author A <a@x.invalid> 99999999999999999999 +0000",
     b"committer A <a@x.invalid> 99999999999999999999 +0000", "out of range"),
    ("past-year-9999", b"author A <a@x.invalid> 253402300800 +0000",
     b"committer " + GOOD, "out of range"),
    ("not-a-number", b"author A <a@x.invalid> soon +0000", b"committer " + GOOD,
     "not a number"),
    ("negative", b"author A <a@x.invalid> -5 +0000", b"committer " + GOOD, "not a number"),
    ("bad-timezone", b"author A <a@x.invalid> 1700000000 +9999",
     b"committer A <a@x.invalid> 1700000000 zz", "timezone"),
    ("no-author", None, b"committer " + GOOD, "no author"),
    ("no-date", b"author A <a@x.invalid>", b"committer A", "no date"),
    ("not-utf-8", b"author \xff\xfe Name <\xff@x.invalid> 1700000000 +0000",
     b"committer " + GOOD, "UTF-8"),
    # an `encoding` header naming a codec that raises UnicodeError, not a decode error
    ("encoding-undefined", b"author \xff Name <a@x.invalid> 1700000000 +0000",
     b"committer " + GOOD + b"\nencoding undefined", "UTF-8"),
    ("encoding-punycode", b"author \xe9 <a@x.invalid> 1700000000 +0000",
     b"committer " + GOOD + b"\nencoding punycode", "UTF-8"),
    # git writes this without complaint; it must not confuse where the blob is found
    ("control-characters", b"author A\x01B\x02C <a@x.invalid> 1700000000 +0000",
     b"committer " + GOOD, None),
]
IDS = [c[0] for c in CASES]
FORMATS = ["text", "json", "sarif", "markdown", "github", "junit"]


class Built:
    def __init__(self, commit: str, in_message: str, in_tree: str) -> None:
        self.commit = commit
        self.in_message = in_message
        self.in_tree = in_tree


def hash_object(repo: Repo, kind: str, body: bytes) -> str:
    proc = subprocess.run(["git", "hash-object", "-t", kind, "-w", "--literally", "--stdin"],
                          cwd=repo.path, env=repo.env, input=body, capture_output=True,
                          check=True)
    return proc.stdout.decode().strip()


def build(repo: Repo, author: bytes | None, committer: bytes, branch: str = "odd") -> Built:
    """A commit on top of main with this header, adding secret.env (a key) and with a
    key in its message; branch points at it."""
    repo.write("README.md", "hello\n")
    parent = repo.commit("root")
    in_message, in_tree = make_key(), make_key()
    blob = hash_object(repo, "blob", f"POOLSIDE_API_KEY={in_tree}\n".encode())
    entries = repo.git("ls-tree", "main") + f"\n100644 blob {blob}\tsecret.env\n"
    tree = repo.git("mktree", input=entries)
    head = [b"tree " + tree.encode(), b"parent " + parent.encode()]
    head += [author] if author is not None else []
    head += [committer]
    body = b"\n".join(head) + f"\n\nrotate the key\n\nold one: {in_message}\n".encode()
    commit = hash_object(repo, "commit", body)
    repo.git("update-ref", f"refs/heads/{branch}", commit)
    return Built(commit, in_message, in_tree)


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_json(report: dict, built: Built, warning: str | None) -> None:
    assert report["scan"]["complete"] is True
    by_key = {f["secret"]["sha256"]: f for f in report["findings"]}
    message = by_key[sha(built.in_message)]
    tree = by_key[sha(built.in_tree)]
    assert [(loc["kind"], loc["commit"]) for loc in message["locations"]] == [
        ("commit-message", built.commit)]
    assert ("secret.env", built.commit) in [(loc["path"], loc["commit"])
                                            for loc in tree["locations"]]
    for f in (message, tree):
        for loc in f["locations"]:
            assert loc["date"] is None or loc["date"][:4].isdigit(), loc
    warnings = [p for p in report["scan"]["problems"] if built.commit in p["target"]]
    if warning is None:
        assert warnings == []
    else:
        assert len(warnings) == 1, report["scan"]["problems"]
        assert warnings[0]["kind"] == "warning"
        assert warning in warnings[0]["detail"]


@pytest.mark.parametrize(("case", "author", "committer", "warning"), CASES, ids=IDS)
def test_history_scan_reports_the_keys_in_every_format(
        repo: Repo, case: str, author: bytes | None, committer: bytes,
        warning: str | None) -> None:
    built = build(repo, author, committer)
    for fmt in FORMATS:
        run = run_psguard("scan", "--history", "--no-cache", "--format", fmt, ".",
                          cwd=repo.path)
        assert run.code == 1, (fmt, run.stderr)
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr
        text = run.stdout
        assert built.in_message not in text and built.in_tree not in text
        if fmt == "json":
            check_json(run.json(), built, warning)
            continue
        assert built.in_message[-4:] in text and built.in_tree[-4:] in text, fmt
        if fmt == "sarif":
            sarif = json.loads(text)
            invocation = sarif["runs"][0]["invocations"][0]
            assert invocation["executionSuccessful"] is True
            notes = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
            assert any(built.commit in n for n in notes) == (warning is not None)
        elif fmt == "junit":
            ET.fromstring(text)  # well-formed XML, whatever the header held
        elif fmt in ("text", "markdown", "github") and warning is not None:
            assert built.commit in text, fmt


@pytest.mark.parametrize(("case", "author", "committer", "warning"), CASES, ids=IDS)
def test_range_scan_reports_both_keys_and_the_warning(
        repo: Repo, case: str, author: bytes | None, committer: bytes,
        warning: str | None) -> None:
    built = build(repo, author, committer)
    run = run_psguard("scan", "--range", "main..odd", "--format", "json", ".", cwd=repo.path)
    assert run.code == 1, run.stderr
    check_json(run.json(), built, warning)


def test_bad_timezone_keeps_the_instant_in_utc(repo: Repo) -> None:
    _, author, committer, _ = CASES[IDS.index("bad-timezone")]
    built = build(repo, author, committer)
    run = run_psguard("scan", "--history", "--format", "json", ".", cwd=repo.path)
    dates = {loc["date"] for f in run.json()["findings"] for loc in f["locations"]}
    assert dates == {"2023-11-14T22:13:20+00:00"}, dates
    assert built.commit


@pytest.mark.parametrize(("case", "author", "committer", "warning"), CASES, ids=IDS)
def test_pre_push_blocks_the_malformed_commit(
        repo: Repo, tmp_path: Path, case: str, author: bytes | None, committer: bytes,
        warning: str | None) -> None:
    built = build(repo, author, committer)
    repo.add_origin(tmp_path / "remote.git")
    assert git_run(repo, "push", "-q", "origin", "main").returncode == 0
    assert run_psguard("install", str(repo.path), env={"HOME": str(repo.home)}).code == 0
    proc = git_run(repo, "push", "origin", "odd")
    out = output(proc)
    assert proc.returncode != 0, out
    assert "push blocked" in out and "Traceback" not in out
    assert built.in_message not in out and built.in_message[-4:] in out
    assert built.in_tree not in out and built.in_tree[-4:] in out
    assert git_run(repo, "ls-remote", "--heads", "origin", "odd").stdout == ""


def test_a_tag_with_a_malformed_tagger_line(repo: Repo) -> None:
    repo.write("README.md", "hello\n")
    target = repo.commit("root")
    key = make_key()
    body = (f"object {target}\ntype commit\ntag odd\n".encode()
            + b"tagger T <t@x.invalid> 99999999999999999999 +0000\n\n"
            + f"release notes: {key}\n".encode())
    tag = hash_object(repo, "tag", body)
    repo.git("update-ref", "refs/tags/odd", tag)
    run = run_psguard("scan", "--history", "--format", "json", ".", cwd=repo.path)
    assert run.code == 1, run.stderr
    report = run.json()
    [finding] = report["findings"]
    assert finding["secret"]["sha256"] == sha(key)
    [loc] = finding["locations"]
    assert (loc["kind"], loc["path"], loc["date"]) == ("tag-message", "refs/tags/odd", None)
    assert report["scan"]["complete"] is True
    [warning] = [p for p in report["scan"]["problems"] if tag in p["target"]]
    assert warning["target"] == f"tag {tag}"
    assert "tagger timestamp 99999999999999999999 is out of range" in warning["detail"]


READABLE = {"bad-timezone", "not-utf-8", "control-characters", "encoding-undefined",
            "encoding-punycode"}  # the instant is known


@pytest.mark.parametrize(("case", "author", "committer", "warning"), CASES, ids=IDS)
def test_work_tree_scan_dates_the_first_commit_defensively(
        repo: Repo, case: str, author: bytes | None, committer: bytes,
        warning: str | None) -> None:
    """A work-tree scan asks git who committed the file (exposure): the date it gives
    is a real date or none, never git's placeholder or a clamped 1970."""
    built = build(repo, author, committer)
    repo.git("checkout", "-q", "odd")
    run = run_psguard("scan", "--format", "json", ".", cwd=repo.path)
    assert run.code == 1, run.stderr
    [finding] = [f for f in run.json()["findings"] if f["secret"]["sha256"] == sha(built.in_tree)]
    first = finding["first_seen"]
    assert first["commit"] == built.commit
    expected = "2023-11-14T22:13:20+00:00" if case in READABLE else None
    assert first["date"] == expected
