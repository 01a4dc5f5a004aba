"""Every report writer under a fuzzer, under CPU-time and memory bounds.

Findings are built as the pipeline leaves them, with hostile text wherever a repository
supplies text (paths, archive member names, authors, ref and tag names, previews, problem
targets and details, the scan target). Whatever that text is, each writer:
- never prints the raw key;
- keeps its format well formed (JSON, SARIF and JUnit parse; a GitHub workflow command
  stays one line; Markdown keeps the block structure psguard wrote; HTML the elements
  psguard wrote, no more);
- shows nothing a terminal would act on (text and hook output);
- keeps raw values where the format is data (JSON).
The search runs in a child process bounded in CPU time and memory.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from psguard.models import (
    Candidate,
    ExposureDetail,
    Finding,
    Origin,
    Problem,
    ScanResult,
    Verification,
    redact,
)
from psguard.report import FORMATS, render
from psguard.stages.remediation import steps
from psguard.testing.bounded import run_bounded
from psguard.testing.strategies import HOSTILE_TEXT, key_from_seed

COMMIT = "c0ffee" * 6 + "abcd"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                     "\u202a-\u202e\u2066-\u2069]")
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
GITHUB_COMMANDS = {"error", "warning", "notice"}


class Texts:
    """The repository-supplied strings of one generated scan."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def benign(self) -> Texts:
        """The same scan with every supplied string replaced by a plain word."""
        return Texts({name: f"plain{i}" for i, name in enumerate(self.values)})


_NAMES = ["path", "member", "author", "preview", "ref", "tag", "target", "problem_target",
          "problem_detail", "note", "second_path"]
# Two hostile strings spread over every field (each field a different mix): every
# writer sees them, and a failure shrinks in seconds rather than over eleven fields.
TEXTS = st.tuples(HOSTILE_TEXT, HOSTILE_TEXT).map(lambda ab: Texts(
    {name: (ab[i % 2] + str(i) + ab[(i + 1) % 2]) for i, name in enumerate(_NAMES)}))


def build(texts: Texts, key: str, exposure: str, status: str) -> ScanResult:
    plain = Origin(kind="blob", path=texts["path"], commit=COMMIT, author=texts["author"],
                   date="2026-01-01T00:00:00+00:00")
    decoded = Origin(kind="file", path=texts["second_path"],
                     decoded_from=f"zip:{texts['member']} > base64")
    preview = f"{texts['preview']} {redact(key)} {texts['preview']}"
    cands = [Candidate(rule="poolside-api-key", secret=key, confidence="high", origin=plain,
                       line=3, column=7, offset=40, masked_line=preview),
             Candidate(rule="poolside-api-key", secret=key, confidence="high",
                       origin=decoded, line=1, column=1, offset=0, masked_line=preview,
                       more=2)]
    detail = ExposureDetail(remote="origin", repo_dir="app")
    detail.paths = [texts["path"], texts["second_path"]]
    detail.commits = [COMMIT]
    detail.tags = [texts["tag"]]
    if exposure == "pushed":
        detail.published_by = f"origin/{texts['ref']}"
    elif exposure == "local":
        detail.local_commits = [COMMIT]
    f = Finding(rule="poolside-api-key", secret=key, confidence="high", candidates=cands)
    f = f.replace(verification=Verification(status=status, detail=texts["problem_detail"]),
                  exposure=exposure, exposure_detail=detail,
                  refs=[f"refs/heads/{texts['ref']}", f"refs/tags/{texts['tag']}"],
                  notes=[texts["note"]],
                  first_seen={"commit": COMMIT, "author": texts["author"],
                              "date": "2026-01-01T00:00:00+00:00"})
    f = f.replace(remediation=steps(f))
    result = ScanResult(mode="history", target=texts["target"])
    result.findings = [f]
    result.problems = [Problem("unreadable", texts["problem_target"], texts["problem_detail"]),
                       Problem("warning", texts["problem_target"], texts["note"],
                               incomplete=False)]
    return result


def _block_structure(markdown: str) -> list[str]:
    return [t.type for t in RENDERER.parse(markdown) if t.type != "inline"]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(f"<{tag} {sorted(name for name, _value in attrs)}")

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(f"</{tag}")

    def handle_comment(self, data: str) -> None:
        self.tags.append("<!--")


def _html_structure(page: str) -> list[str]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


def check_every_format(texts: Texts, seed: int, exposure: str, status: str) -> None:
    key = key_from_seed(seed, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    result = build(texts, key, exposure, status)
    out = {fmt: render(fmt, result, show_secrets=False, color=False) for fmt in FORMATS}
    for fmt, text in out.items():
        assert key not in text, f"{fmt} printed the raw key"
    data = json.loads(out["json"])
    assert data["scan"]["target"] == texts["target"]  # JSON keeps raw values
    assert data["findings"][0]["locations"][0]["path"] == texts["path"]
    sarif = json.loads(out["sarif"])
    assert sarif["runs"][0]["results"], "SARIF lost the finding"
    ET.fromstring(out["junit"])
    lines = out["github"].rstrip("\n").split("\n")
    assert len(lines) == len(result.findings[0].candidates) + len(result.problems) + 1
    for line in lines:
        assert line.startswith("::") and line[2:].split(" ", 1)[0].split("::")[0] \
            in GITHUB_COMMANDS, line
    assert not CONTROL.search(out["text"]), "the text report holds a control character"
    plain = build(texts.benign(), key, exposure, status)
    assert _block_structure(out["markdown"]) == _block_structure(
        render("markdown", plain, show_secrets=False, color=False))
    assert _html_structure(out["html"]) == _html_structure(
        render("html", plain, show_secrets=False, color=False))


@given(TEXTS, st.integers(0, 2**32), st.sampled_from(["pushed", "local", "working-tree"]),
       st.sampled_from(["not_checked", "live", "rejected", "unknown"]))
def every_format_stays_well_formed_and_secret(
        texts: Texts, seed: int, exposure: str, status: str) -> None:
    check_every_format(texts, seed, exposure, status)


def test_every_report_format_stays_well_formed_and_secret() -> None:
    # The whole search, shrinking included, runs in one bounded child: a fork per
    # example would make shrinking a failure take minutes.
    run_bounded(every_format_stays_well_formed_and_secret, cpu_seconds=300)


def test_the_checks_see_a_format_break() -> None:
    """The structure check is not vacuous: unescaped hostile text does change it."""
    shown = "x\n# ✅ no keys found\n"
    assert _block_structure(f"- {shown}") != _block_structure("- plain")



def test_the_html_check_sees_injected_markup() -> None:
    assert _html_structure("<p>x<img src=x onerror=y></p>") != _html_structure("<p>x</p>")
