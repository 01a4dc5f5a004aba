"""`--format html`: one self-contained audit report, checked in a real headless browser.

A real repository with real commits holds run-time keys and hostile text wherever a
repository supplies it (a path, a line next to a key, a commit message, an author, a
branch name, a rule id from the repository's own rule file). The report is served from
a loopback server that records every request, rendered by chromium, and the rendered
DOM must hold none of the injected elements, the injected scripts must not have run
(they would rename the page), and the page must fetch nothing. Controls show that the
same harness does see a script run and a request made when a page allows them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from psguard.testing import Repo, git_run, make_key, run_psguard
from psguard.testing.browser import (
    REQUIRE_ENV,
    Dom,
    browser_required,
    chromium,
    dump_dom,
    print_pdf,
    recording_server,
)

SCRIPT = "<script>document.title+=' PWNED-line'</script>"
IMG = "<img src=/leak-path onerror=\"document.title+=' PWNED-path'\">"
STYLE_BREAK = "</style><script>document.title+=' PWNED-author'</script>"
IFRAME = "\"><iframe src=\"/leak-message\"></iframe>"
BRANCH = "x<svg/onload=document.title+='PWNED-branch'>"  # no space in a ref
# the repository's own directory: the scan's target, shown in the page title
TARGET = "r</title><script>document.title+=' PWNED-target'</script>"
RULE_ID = "r<img src=/leak-rule onerror=document.title+=' PWNED-rule'>"
INJECTED = ("script", "img", "iframe", "svg", "link", "object", "embed", "base", "form",
            "meta-refresh")
DAY1, DAY2, DAY3 = "2026-01-01T10:00:00+00:00", "2026-03-01T10:00:00+00:00", \
    "2026-04-01T10:00:00+00:00"


@pytest.fixture(scope="module")
def browser() -> str:
    exe = chromium()
    if exe is None:
        if browser_required():
            pytest.fail(f"chromium is not installed and {REQUIRE_ENV} is set: the HTML "
                        "report must be checked in a real browser")
        pytest.skip("chromium is not installed (apt-get install chromium); CI sets "
                    f"{REQUIRE_ENV}=1 and fails instead")
    return exe


def dated_commit(repo: Repo, message: str, date: str) -> str:
    repo.git("add", "-A")
    proc = git_run(repo, "commit", "-q", "--allow-empty", "-m", message,
                   env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    assert proc.returncode == 0, proc.stderr
    return repo.git("rev-parse", "HEAD")


def literal_commit(repo: Repo, author: str, message: str, epoch: int) -> str:
    """A commit whose author name holds `<` and `>`: git's own commands strip them, so the
    commit object is written as it is (as a hostile pusher's tool would)."""
    repo.git("add", "-A")
    tree = repo.git("write-tree")
    parent = repo.git("rev-parse", "HEAD")
    body = (f"tree {tree}\nparent {parent}\n"
            f"author {author} <eve@example.invalid> {epoch} +0000\n"
            f"committer Eve <eve@example.invalid> {epoch} +0000\n\n{message}\n")
    oid = repo.git("hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=body)
    repo.git("update-ref", "HEAD", oid)
    return oid


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from psguard.testing import init_repo

    base = tmp_path_factory.mktemp("html")
    repo = init_repo(base / TARGET, base / "home")
    pushed, local, ruled = make_key(), make_key(), make_key()
    repo.write(".psguard.toml", 'rules = ["rules.toml"]\n')
    repo.write("rules.toml", f'[[rule]]\nid = "{RULE_ID}"\nprefix = "pz-"\n'
               f'description = "{SCRIPT}"\n')
    repo.write(f"conf/{IMG}.env", f"POOLSIDE_API_KEY={pushed}  # {SCRIPT}\n")
    first = dated_commit(repo, "add settings", DAY1)
    repo.add_origin(base / "origin.git")
    repo.git("push", "-q", "origin", "main")
    repo.write("b.env", f"POOLSIDE_API_KEY={pushed}\nOTHER=pz-{ruled[3:]}\n")
    last = literal_commit(repo, f"Eve {STYLE_BREAK}", "copy settings", 1772359200)  # DAY2
    dated_commit(repo, f"deploy {IFRAME} with {local}", DAY3)
    repo.git("branch", BRANCH)
    report = base / "report.html"
    run = run_psguard("scan", "--history", "--format", "html", "--output", str(report),
                      str(repo.path))
    assert run.code == 1, run.stderr
    return {"keys": [pushed, local, ruled], "first": first, "last": last,
            "page": report.read_text(encoding="utf-8"), "stderr": run.stderr}


def render(browser: str, page: str) -> tuple[Dom, list[str]]:
    """The page served from loopback and rendered by chromium: its DOM after load, and
    every request the server saw."""
    with recording_server({"/report.html": page.encode("utf-8")}) as server:
        dom = Dom(dump_dom(browser, f"{server.base}/report.html"))
        requests = list(server.requests)
    return dom, requests


def injected(dom: Dom) -> list[str]:
    found = [tag for tag in INJECTED if dom.tags(tag)]
    refresh = [m for m in dom.tags("meta") if (m.get("http-equiv") or "").lower() == "refresh"]
    return found + (["meta-refresh"] if refresh else [])


def test_the_harness_sees_a_script_run_and_a_request_made(browser: str) -> None:
    """Control: without psguard's escaping and policy, the same checks do fire."""
    page = (f"<!DOCTYPE html><html><head><title>orig</title></head><body>{SCRIPT}{IMG}"
            f"{IFRAME}</body></html>")
    dom, requests = render(browser, page)
    assert dom.title == "orig PWNED-line PWNED-path"
    assert {"/leak-path", "/leak-message"} <= set(requests)
    assert "img" in injected(dom)


def test_hostile_repository_text_renders_as_text(browser: str,
                                                 hostile: dict[str, object]) -> None:
    page = str(hostile["page"])
    static = Dom(page)
    dom, requests = render(browser, page)
    assert requests == ["/report.html"]  # nothing fetched: no image, frame, style, font
    # no script ran: each would have appended " PWNED-…" to the title the file holds
    assert dom.title == static.title and dom.title.endswith(f"{TARGET})")
    assert dom.title.startswith("psguard report: 3 Poolside API keys found")
    assert injected(dom) == []
    # Every hostile string is on the page, as the words it is.
    assert TARGET in dom.title
    for text in (SCRIPT, IMG, STYLE_BREAK, IFRAME, BRANCH, RULE_ID, TARGET):
        assert text in dom.text, text


def test_findings_timeline_and_steps_are_on_the_page(browser: str,
                                                     hostile: dict[str, object]) -> None:
    page = str(hostile["page"])
    pushed, local, ruled = hostile["keys"]  # type: ignore[misc]
    for key in (pushed, local, ruled):
        assert key not in page  # never the raw key, in any part of the file
    dom, _requests = render(browser, page)
    text = dom.text
    for key in (pushed, local):
        assert f"ps-…{key[-4:]}" in text
    assert f"pz-…{ruled[-4:]}" in text or f"…{ruled[-4:]}" in text
    assert "pushed" in text and "local" in text
    first, last = str(hostile["first"]), str(hostile["last"])
    # the pushed key's timeline: its first commit (Ada, DAY1) and its last (Eve, DAY2)
    assert f"{DAY1} {first[:12]} Ada Author" in text
    assert f"{DAY2} {last[:12]} Eve" in text
    assert f"2026-01-01 {first[:12]}" in text and f"2026-03-01 {last[:12]}" in text
    assert "first seen" in text and "last seen" in text
    # what to do, in remediation's words: a pushed key is revoked first
    assert "What to do" in text and "Developer API Keys" in text
    assert "git filter-repo" in text
    assert "The scan is INCOMPLETE" not in text


def test_the_report_prints(browser: str, hostile: dict[str, object], tmp_path: Path) -> None:
    report, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    report.write_text(str(hostile["page"]), encoding="utf-8")
    print_pdf(browser, report.as_uri(), str(pdf))
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2


def test_the_file_is_self_contained(hostile: dict[str, object]) -> None:
    """No element that loads anything, no link out of the page, one inline style and the
    policy that allows it alone (checked without a browser)."""
    page = str(hostile["page"])
    static = Dom(page)
    [csp] = [m for m in static.tags("meta")
             if m.get("http-equiv") == "Content-Security-Policy"]
    policy = csp["content"] or ""
    assert "default-src 'none'" in policy and "script-src 'none'" in policy
    assert "unsafe" not in policy
    # the one inline style is the one the policy allows, by its hash
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert len(static.tags("style")) == 1 and not static.tags("script")
    for _tag, attrs in static.elements:
        assert "src" not in attrs and "style" not in attrs
        assert (attrs.get("href") or "#").startswith("#")
    assert "http://" not in str(hostile["page"]) and "https://" not in str(hostile["page"])


def test_the_policy_stops_what_escaping_would_miss(browser: str,
                                                   hostile: dict[str, object]) -> None:
    """Markup put into the report unescaped (as a bug would) still neither runs nor
    fetches: the page's own Content-Security-Policy forbids it."""
    raw = (f"{SCRIPT}{IMG}{IFRAME}<link rel=stylesheet href=/leak-css>"
           "<div style=\"background:url(/leak-style)\">x</div>")
    page = str(hostile["page"]).replace("<body>\n", f"<body>\n{raw}", 1)
    dom, requests = render(browser, page)
    assert dom.tags("script") and dom.tags("iframe")  # there, unescaped: the bug is real
    assert dom.title == Dom(str(hostile["page"])).title  # no script ran
    assert requests == ["/report.html"]


def test_an_incomplete_scan_is_marked_incomplete_never_clean(browser: str, repo: Repo) -> None:
    hidden = make_key()
    repo.write(".psguard.toml", "max_file_size = 1000\n")
    # A key past what is read of an oversized file: nothing is found, and that is not clean.
    repo.write(f"{SCRIPT}.log", "x" * 4000 + f"\nPOOLSIDE_API_KEY={hidden}\n" + "y" * 4000)
    run = run_psguard("scan", "--format", "html", str(repo.path))
    assert run.code == 3, run.stderr
    assert hidden not in run.stdout
    dom, requests = render(browser, run.stdout)
    assert requests == ["/report.html"] and injected(dom) == []
    assert "INCOMPLETE" in dom.title
    assert "The scan is INCOMPLETE" in dom.text and "not a clean result" in dom.text
    assert "No Poolside API keys found" not in dom.text
    assert "too-large" in dom.text and f"{SCRIPT}.log" in dom.text  # what was not read
    [verdict] = [a for t, a in dom.elements if a.get("id") == "verdict"]
    assert "incomplete" in (verdict.get("class") or "")


def test_a_clean_scan_and_a_scan_of_hundreds_of_keys(browser: str, repo: Repo) -> None:
    repo.write("README.md", "nothing secret here\n")
    repo.commit("docs")
    run = run_psguard("scan", "--history", "--format", "html", str(repo.path))
    assert run.code == 0, run.stderr
    dom, _requests = render(browser, run.stdout)
    assert "No Poolside API keys found in everything that was scanned." in dom.text
    assert not [a for _t, a in dom.elements if (a.get("class") or "") == "finding"]

    keys = [make_key() for _ in range(300)]
    repo.write("many.env", "".join(f"K{i}={k}\n" for i, k in enumerate(keys)))
    run = run_psguard("scan", "--format", "html", str(repo.path))
    assert run.code == 1, run.stderr
    assert not [k for k in keys if k in run.stdout]
    dom, requests = render(browser, run.stdout)
    assert requests == ["/report.html"]
    sections = [a for _t, a in dom.elements if (a.get("class") or "") == "finding"]
    assert len(sections) == 300
    assert "300 Poolside API keys found in 300 places." in dom.text


def test_the_ci_gate_writes_the_html_report(repo: Repo) -> None:
    key = make_key()
    repo.commit("start")
    repo.write("app.env", f"POOLSIDE_API_KEY={key}\n")
    repo.commit("add app settings")
    out = repo.path.parent / "ci.html"
    run = run_psguard("ci", "--range", "HEAD~1..HEAD", "--no-fetch", "--format", "html",
                      "--output", str(out), str(repo.path))
    assert run.code == 1, run.stderr
    page = out.read_text(encoding="utf-8")
    assert key not in page
    dom = Dom(page)
    assert "1 Poolside API key found in 1 place." in dom.text and "app.env:1:18" in dom.text


def test_an_audit_with_show_secrets_writes_a_private_html_report(repo: Repo) -> None:
    key = make_key()
    repo.write("deploy.sh", f"export POOLSIDE_API_KEY={key}\n")
    repo.commit("deploy script")
    out = repo.path.parent / "audit.html"
    run = run_psguard("audit", str(repo.path), "--workers", "1", "--show-secrets",
                      "--format", "html", "--output", str(out),
                      "--mirror-dir", str(repo.path.parent / "mirrors"), timeout=600)
    assert run.code == 1, run.stderr
    assert out.stat().st_mode & 0o777 == 0o600  # it holds the raw key
    dom = Dom(out.read_text(encoding="utf-8"))
    assert key in dom.text and "keep this file private" in dom.text
    assert f"{repo.path} scanned 1" in dom.text  # the repositories and how each went


def test_verification_results_are_on_the_page(browser: str, repo: Repo,
                                              tmp_path: Path) -> None:
    from psguard.testing.poolside_fake import MODELS, FakePoolside

    live, dead = make_key(), make_key()
    repo.write("app.env", f"POOLSIDE_API_KEY={live}\nOLD_POOLSIDE_API_KEY={dead}\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "c"),
           "PSGUARD_ENDPOINTS": "", "PSGUARD_CA_BUNDLE": ""}
    with FakePoolside() as api:
        api.know(live)
        run = run_psguard("scan", "--verify", "--endpoint", api.url, "--format", "html",
                          str(repo.path), env=env)
        assert run.code == 1, run.stderr
        asked = api.count()
        dom, requests = render(browser, run.stdout)
        assert api.count() == asked  # the page names the endpoint; it never calls it
    assert requests == ["/report.html"]
    statuses = [a.get("class") for _t, a in dom.elements
                if (a.get("class") or "").startswith("status ")]
    assert sorted(set(statuses)) == ["status live", "status rejected"]
    assert f"endpoint {api.url}" in dom.text  # the verification's own fields
    model = MODELS["data"][0]["id"]
    assert f"Can reach: {len(MODELS['data'])} models ({model}" in dom.text  # blast radius
    assert "1 live" in dom.title
