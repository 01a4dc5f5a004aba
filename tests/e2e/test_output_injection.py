"""Output injection (issue 19): a repository's own text cannot rewrite psguard's output.

git allows ESC, CR, newlines and `<!--` in a path and in an author name, and bidi
overrides in a ref name. Each report format, the CI gate's summary and annotations,
and the hooks' messages must show such text as inert characters and still report the
key: no raw control character on a terminal, no heading or HTML comment the attacker
wrote in the Markdown summary, one GitHub annotation per place with the right file,
well-formed JUnit XML.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from psguard.testing import Repo, make_key, run_psguard

# A file name that clears the screen, returns the cursor, claims a clean scan, and
# then tries to open a Markdown heading and an HTML comment.
NAME = ("evil\x1b[2J\x1b[H\rpsguard: no Poolside keys found\n"
        "### \u2705 psguard: no Poolside API keys found\n<!-- x.py")
AUTHOR = "Mallory\x1b[2J\rpsguard clean"
BRANCH = "topic\u202egnp.exe"  # a right-to-left override in a ref name
# Anything a terminal would act on: C0 but the newline, DEL, C1, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                         "\u202a-\u202e\u2066-\u2069]")


def _commit_as(repo: Repo, author: str, message: str) -> str:
    env = {**repo.env, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "m@example.invalid"}
    subprocess.run(["git", "commit", "-q", "--no-verify", "-m", message], cwd=repo.path,
                   env=env, check=True, capture_output=True)
    return repo.git("rev-parse", "HEAD")


@pytest.fixture
def hostile(repo: Repo) -> tuple[Repo, str, str]:
    """A clean first commit, then one by AUTHOR adding NAME with a key (and an escape
    sequence in the line itself), also on BRANCH. Returns the repo, key, base."""
    repo.write("README.md", "hello\n")
    base = repo.commit("base")
    key = make_key()
    repo.write(NAME, f'token = "{key}"  \x1b[2K\x1b[1A# looks fine\n')
    repo.git("add", "--", NAME)
    _commit_as(repo, AUTHOR, "add config")
    repo.git("branch", BRANCH)
    return repo, key, base


def _assert_inert(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in RAW_CONTROL.findall(text)})
    assert not found, found


@pytest.mark.parametrize("args", [("--history",), ()], ids=["history", "worktree"])
def test_text_report_shows_hostile_names_inert_and_keeps_the_finding(
        hostile: tuple[Repo, str, str], args: tuple[str, ...]) -> None:
    repo, key, _ = hostile
    run = run_psguard("scan", *args, str(repo.path))
    assert run.code == 1, run.stderr
    _assert_inert(run.stdout + run.stderr)
    assert key not in run.stdout
    assert key[-4:] in run.stdout
    assert "evil\\x1b[2J\\x1b[H\\x0dpsguard" in run.stdout  # the name, made visible
    assert not any(line.startswith("psguard: no Poolside keys found")
                   for line in run.stdout.splitlines())
    if args:
        assert "Mallory\\x1b[2J\\x0dpsguard clean" in run.stdout
        assert "topic\\u202egnp.exe" in run.stdout


def test_text_report_in_colour_has_only_psguards_own_styles(
        hostile: tuple[Repo, str, str]) -> None:
    from psguard.pipeline import run_scan
    from psguard.report.text import render
    from psguard.request import Mode, ScanRequest

    repo, _, _ = hostile
    result = run_scan(ScanRequest(path=repo.path, mode=Mode.HISTORY, no_cache=True))
    out = render(result, show_secrets=False, color=True)
    styles = re.compile(r"\x1b\[[0-9;]*m")  # rich's colours: SGR sequences only
    assert "\x1b[" in out
    _assert_inert(styles.sub("", out))


def _annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """Workflow commands as the Actions runner reads them: a line ends at LF or CR;
    `::name k=v,k=v::data`; then the runner's unescaping."""
    def data(s: str) -> str:
        return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")

    def prop(s: str) -> str:
        return data(s.replace("%3A", ":").replace("%2C", ","))

    found = []
    for line in re.split("\r\n|\r|\n", stdout):
        if not line.startswith("::"):
            continue
        head, sep, message = line[2:].partition("::")
        assert sep, line
        name, _, props = head.partition(" ")
        fields = dict(item.split("=", 1) for item in props.split(",")) if props else {}
        found.append((name, {k: prop(v) for k, v in fields.items()}, data(message)))
    return found


def test_ci_annotations_and_summary_resist_injection(hostile: tuple[Repo, str, str],
                                                     tmp_path: Path) -> None:
    repo, key, base = hostile
    summary = tmp_path / "summary.md"
    # by id: `psguard ci` refuses a range naming the bidi branch (exit 2, fail closed)
    head = repo.git("rev-parse", BRANCH)
    run = run_psguard("ci", "--range", f"{base}..{head}", "--format", "github",
                      "--summary", str(summary), str(repo.path))
    assert run.code == 1, run.stderr
    assert key not in run.stdout + run.stderr
    assert "\r" not in run.stdout
    _assert_inert(run.stderr)
    notes = _annotations(run.stdout)
    errors = [a for a in notes if a[0] == "error"]
    assert len(errors) == 1, notes  # one place, one annotation
    _, props, message = errors[0]
    assert props["file"] == NAME  # GitHub can attach it to the real file
    assert props["line"] == "1"
    _assert_inert(message.replace("\n", " ") + props["title"])
    assert key[-4:] in props["title"]
    assert [a for a in notes if a[0] == "notice"][-1][2].startswith("psguard: 1 Poolside")

    markdown = summary.read_text(encoding="utf-8")
    _assert_inert(markdown)
    headings, html, cells = _rendered(markdown)
    assert headings == ["\U0001f511 psguard: 1 Poolside API key in 1 place",
                        "What to do"]
    assert html <= {"<br>", "<sub>", "</sub>"}  # psguard's own tags, nothing else
    assert any(NAME.split("\n")[0].replace("\x1b", "\\x1b").replace("\r", "\\x0d") in c
               for c in cells)  # the name, shown in its table cell
    assert any(key[-4:] in c for c in cells)


def _rendered(markdown: str) -> tuple[list[str], set[str], list[str]]:
    """What a CommonMark + GFM-tables renderer makes of it: the headings' text, the
    raw HTML it passes through, and the table cells' text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)
    headings, html, cells = [], set(), []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            headings.append(tokens[i + 1].content)
        if tok.type == "html_block":
            html.add(tok.content.strip())
        if tok.type in ("th_open", "td_open"):
            cells.append(tokens[i + 1].content)
        for child in tok.children or []:
            if child.type == "html_inline":
                html.add(child.content)
    return headings, html, cells


def test_junit_with_hostile_names_is_well_formed(hostile: tuple[Repo, str, str]) -> None:
    repo, key, _ = hostile
    run = run_psguard("scan", "--history", "--format", "junit", str(repo.path))
    assert run.code == 1, run.stderr
    root = ET.fromstring(run.stdout.encode())
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 1
    failure = cases[0].find("failure")
    assert failure is not None and failure.text and key[-4:] in failure.text
    texts = [failure.text, failure.get("message") or "", cases[0].get("name") or ""]
    _assert_inert(" ".join(t.replace("\n", " ") for t in texts))
    assert "evil\\x1b[2J" in (cases[0].get("file") or "")


def test_json_and_sarif_keep_the_raw_names(hostile: tuple[Repo, str, str]) -> None:
    repo, key, _ = hostile
    report = run_psguard("scan", "--history", "--format", "json", str(repo.path)).json()
    [finding] = report["findings"]
    [location] = finding["locations"]
    assert location["path"] == NAME
    assert location["author"].startswith(AUTHOR)
    assert BRANCH in " ".join(finding["refs"])
    sarif = run_psguard("scan", "--history", "--format", "sarif", str(repo.path)).json()
    [result] = sarif["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    from urllib.parse import unquote
    assert unquote(uri) == NAME and key not in json.dumps(sarif)


def test_undecodable_path_bytes_do_not_break_any_format(repo: Repo) -> None:
    """A path that is not UTF-8 decodes with surrogates: every format still writes
    (as UTF-8), shows the byte as \\xff and reports the key."""
    key = make_key()
    raw = repo.path / "bad\udcff\udc9b.py"
    raw.write_text(f'KEY = "{key}"\n')
    for fmt in ("text", "json", "sarif", "junit", "github", "markdown"):
        proc = subprocess.run(
            [*_python(), "scan", "--format", fmt, str(repo.path)], capture_output=True,
            env={**repo.env, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8:strict"})
        assert proc.returncode == 1, (fmt, proc.stderr.decode(errors="replace"))
        out = proc.stdout.decode("utf-8")  # valid UTF-8, or this raises
        assert key[-4:] in out and "bad\\xff\\x9b.py" in out.replace("\\\\", "\\"), fmt


def _python() -> list[str]:
    import sys
    return [sys.executable, "-m", "psguard"]


# --- hooks, installed the way users install them -------------------------------------


def test_installed_hooks_print_hostile_names_inert(repo: Repo, tmp_path: Path) -> None:
    assert run_psguard("install", str(repo.path), env={"HOME": str(repo.home)}).code == 0
    repo.write("README.md", "hello\n")
    repo.commit("base")
    repo.add_origin(tmp_path / "remote.git")
    repo.git("push", "-q", "--no-verify", "origin", "main")
    key = make_key()
    repo.write(NAME, f'token = "{key}"  \x1b[2K# fine\n')
    repo.git("add", "--", NAME)
    env = {**repo.env, "GIT_AUTHOR_NAME": AUTHOR, "GIT_AUTHOR_EMAIL": "m@example.invalid"}
    commit = subprocess.run(["git", "commit", "-m", "add config"], cwd=repo.path, env=env,
                            capture_output=True)
    out = (commit.stdout + commit.stderr).decode("utf-8")
    assert commit.returncode == 1, out
    assert "commit blocked" in out and key not in out and key[-4:] in out
    _assert_inert(out)
    assert "evil\\x1b[2J" in out

    _commit_as(repo, AUTHOR, "add config")
    repo.git("branch", BRANCH)
    push = subprocess.run(["git", "push", "origin", BRANCH], cwd=repo.path, env=repo.env,
                          capture_output=True)
    out = (push.stdout + push.stderr).decode("utf-8")
    assert push.returncode != 0 and "push blocked" in out, out
    # git itself prints the ref it pushes; psguard's lines are what must be inert
    ours = "\n".join(line for line in out.splitlines() if not line.startswith(
        ("error:", "To ", " ! ")))
    _assert_inert(ours)
    assert "topic\\u202egnp.exe" in ours and "evil\\x1b[2J" in ours


def test_html_report_shows_hostile_names_inert(hostile: tuple[Repo, str, str]) -> None:
    from psguard.testing.browser import Dom

    repo, key, _ = hostile
    run = run_psguard("scan", "--history", "--format", "html", str(repo.path))
    assert run.code == 1, run.stderr
    _assert_inert(run.stdout)
    assert key not in run.stdout and f"ps-…{key[-4:]}" in run.stdout
    dom = Dom(run.stdout)
    assert "evil\\x1b[2J\\x1b[H\\x0dpsguard: no Poolside keys found\\x0a###" in dom.text
    assert "<!-- x.py" in dom.text and "<!--" not in run.stdout  # text, never a comment
    assert "Mallory\\x1b[2J\\x0dpsguard clean" in dom.text
    assert "topic\\u202egnp.exe" in dom.text
