"""The HTML audit report: one self-contained file to read offline, print or archive.

No JavaScript, no external resource: the style is inline and the document's own
Content-Security-Policy allows that one style (by its hash) and nothing else, so even
markup that escaping missed could neither run nor fetch anything. Every string that is
not psguard's own (paths, authors, refs, previews, problems, rule and verification
details, the steps that quote paths) goes through psguard.escape.html.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from typing import Any

from psguard.escape import html as esc
from psguard.models import Candidate, Finding, ScanResult
from psguard.report.describe import (
    count,
    describe_location,
    policy_change_text,
    reach_line,
    scanned_size,
)
from psguard.report.guidance import (
    accept_line,
    exposure_label,
    shown_secret,
    status_label,
    step_text,
    steps,
)
from psguard.report.html_style import STYLE
from psguard.report.timeline import Seen, last_seen, timeline
from psguard.stages.grouping import finding_order
from psguard.version import __version__

_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none'; "
       "script-src 'none'; base-uri 'none'; form-action 'none'")
INCOMPLETE = ("The scan is INCOMPLETE: some content could not be read (listed below). "
              "This is not a clean result: keys may sit in what was not read.")


def render(result: ScanResult, *, show_secrets: bool, color: bool = False) -> str:
    findings = sorted(result.findings, key=finding_order)
    title = f"psguard report: {_headline(result, findings)} ({result.target})"
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
        '<meta name="referrer" content="no-referrer">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        _header(result, findings),
        _problems(result),
        _policy(result),
        _overview(findings, show_secrets),
        "".join(_finding(i, f, show_secrets) for i, f in enumerate(findings, 1)),
        _repositories(result),
        f'<footer>psguard {esc(__version__)} · generated '
        f'{datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")} · raw keys '
        f'{"SHOWN (--show-secrets): keep this file private" if show_secrets else "redacted"}'
        "</footer>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def _headline(result: ScanResult, findings: list[Finding]) -> str:
    if findings:
        live = sum(1 for f in findings if f.verification.status == "live")
        text = count(len(findings), "Poolside API key") + " found"
        text += f", {live} live" if live else ""
    else:
        text = "no Poolside API keys found"
    return text + ("; the scan is INCOMPLETE" if not result.complete else "")


def _header(result: ScanResult, findings: list[Finding]) -> str:
    stats = result.stats
    found = (f"{count(len(findings), 'Poolside API key')} found in "
             f"{count(sum(f.places for f in findings), 'place')}. ")
    if not result.complete:  # never "clean", and the keys found still count
        verdict, text = "incomplete", (found if findings else "") + INCOMPLETE
    elif findings:
        verdict, text = "found", found.rstrip()
    else:
        verdict, text = "clean", "No Poolside API keys found in everything that was scanned."
    scanned = (count(stats.files, "file") if result.mode in ("worktree", "staged")
               else f"{count(stats.blobs, 'blob')} in {count(stats.commits, 'commit')}")
    if result.mode == "stdin":
        scanned = "standard input"
    rows = [("Scanned", f"{result.mode} scan of {result.target}"),
            ("Content", f"{scanned} ({scanned_size(stats)}) in {stats.seconds:.2f} s"),
            ("Complete", "yes" if result.complete
             else f"NO: {count(len(result.problems), 'problem')}"),
            ("Policy from", result.policy_from)]
    if result.suppressed:
        why = ", ".join(f"{n} {k}" for k, n in result.suppressed_by.items())
        rows.append(("Suppressed", f"{result.suppressed}" + (f" ({why})" if why else "")))
    return (f'<header>\n<h1>psguard report</h1>\n'
            f'<p class="verdict {verdict}" id="verdict">{esc(text)}</p>\n'
            f'{_dl(rows, "summary")}</header>\n')


def _dl(rows: list[tuple[str, str]], cls: str = "") -> str:
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return f'<dl class="{cls}">{items}</dl>\n'


def _problems(result: ScanResult) -> str:
    if not result.problems:
        return ""
    heading = ("What could not be read" if not result.complete else "Notes from the scan")
    items = "".join(f'<li class="{"incomplete" if p.incomplete else "note"}">'
                    f"<b>{esc(p.kind)}</b>: <code>{esc(p.target)}</code>: {esc(p.detail)}</li>"
                    for p in result.problems)
    return f'<section id="problems">\n<h2>{heading}</h2>\n<ul>{items}</ul>\n</section>\n'


def _policy(result: ScanResult) -> str:
    changed = policy_change_text(result)
    if not changed:
        return ""
    return (f'<section id="policy" class="warn">\n<h2>This change modifies psguard\'s '
            f"policy</h2>\n<p>{esc(changed)}</p>\n</section>\n")


def _overview(findings: list[Finding], show_secrets: bool) -> str:
    if not findings:
        return ""
    rows = []
    for i, f in enumerate(findings, 1):
        first = _seen_text(_first(f))
        last = _seen_text(last_seen(f))
        rows.append(
            f'<tr><td><a href="#finding-{i}"><code>{esc(shown_secret(f, show_secrets))}'
            f"</code></a></td><td>{_status(f.verification.status)}</td>"
            f"<td>{esc(f.confidence)}</td><td>{esc(exposure_label(f))}</td>"
            f"<td>{esc(first)}</td><td>{esc(last)}</td>"
            f'<td class="num">{f.places}</td></tr>')
    return ('<section id="overview">\n<h2>Findings</h2>\n<table>\n<thead><tr><th>Key</th>'
            "<th>Verification</th><th>Confidence</th><th>Exposure</th><th>First seen</th>"
            "<th>Last seen</th><th>Places</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>\n</section>\n")


def _status(status: str) -> str:
    return f'<span class="status {esc(status)}">{esc(status_label(status))}</span>'


def _first(f: Finding) -> Seen | None:
    fs = f.first_seen
    if not fs or not fs.get("commit"):
        return None
    return Seen(str(fs["commit"]), fs.get("date"), fs.get("author"), [])


def _seen_text(seen: Seen | None) -> str:
    if seen is None:
        return "-"
    return f"{(seen.date or 'unknown date')[:10]} {seen.commit[:12]}"


def _finding(i: int, f: Finding, show_secrets: bool) -> str:
    # The anchor is the finding's position: every id in the page is psguard's own.
    rows = [("Rule", f.rule), ("Confidence", f.confidence),
            ("Exposure", exposure_label(f) + (" (already in HEAD; not blocking)"
                                              if f.pre_existing else ""))]
    rows += _exposure_facts(f)
    if f.refs:
        rows.append(("Reachable from", ", ".join(f.refs)))
    if f.present_at_head is not None:
        rows.append(("Still in HEAD", "yes" if f.present_at_head else "no"))
    repositories = getattr(f, "repositories", None)  # audits
    if repositories:
        rows.append(("Repositories", ", ".join(repositories)))
    rows.append(("Fingerprint", f.fingerprint))
    return (f'<section class="finding" id="finding-{i}">\n'
            f"<h2>{i}. <code>{esc(shown_secret(f, show_secrets))}</code> "
            f"{_status(f.verification.status)}</h2>\n"
            + _dl(rows, "facts") + _verification(f) + _timeline(f)
            + _locations(f, show_secrets) + _notes(f) + _steps(f) + "</section>\n")


def _exposure_facts(f: Finding) -> list[tuple[str, str]]:
    d = f.exposure_detail
    if d is None:
        return []
    rows = []
    if d.published_by and d.published_by != "no-remotes":
        rows.append(("Published by", d.published_by))
    if d.remote_state == "none":
        rows.append(("Remotes", "none configured (a local repository)"))
    elif d.remote_state == "untracked":
        rows.append(("Remotes", "configured, with no remote-tracking refs"))
    for label, values in (("Only in", d.only_in), ("Tags", d.tags), ("Stashes", d.stashes),
                          ("Notes", d.notes_refs)):
        if values:
            rows.append((label, ", ".join(values)))
    return rows


def _verification(f: Finding) -> str:
    """Every field the verification carries besides its status, whatever they are:
    shown generically so that new fields (what a live key can reach) appear here too."""
    data = {k: v for k, v in f.verification.to_json().items()
            if k != "status" and v not in (None, "", [], {})}
    if not data:
        return ""
    line = reach_line(f)  # a live key's blast radius, in the other formats' words first
    reach = f"<p><strong>{esc(line)}</strong></p>\n" if line else ""
    return f'<h3>Verification</h3>\n{reach}{_value(data)}\n'


def _value(value: Any) -> str:
    if isinstance(value, dict):
        items = "".join(f"<dt>{esc(str(k).replace('_', ' '))}</dt><dd>{_value(v)}</dd>"
                        for k, v in value.items() if v not in (None, "", [], {}))
        return f'<dl class="facts">{items}</dl>'
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return esc(", ".join(str(v) for v in value))
        return "<ul>" + "".join(f"<li>{_value(v)}</li>" for v in value) + "</ul>"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return esc(str(value))


def _timeline(f: Finding) -> str:
    seen = timeline(f)
    if not seen:
        return ""
    rows = []
    for n, s in enumerate(seen):
        mark = " ".join(w for w, on in (("first seen", n == 0),
                                        ("last seen", n == len(seen) - 1)) if on)
        rows.append(f"<tr><td>{esc(s.date or 'unknown date')}</td>"
                    f"<td><code>{esc(s.commit[:12])}</code></td>"
                    f"<td>{esc(s.author or 'unknown author')}</td>"
                    f"<td>{esc(', '.join(s.paths))}</td><td>{mark}</td></tr>")
    return ("<h3>Timeline</h3>\n<table class=\"timeline\">\n<thead><tr><th>Date</th>"
            "<th>Commit</th><th>Author</th><th>Where</th><th></th></tr></thead>\n<tbody>"
            + "\n".join(rows) + "</tbody>\n</table>\n")


def _locations(f: Finding, show_secrets: bool) -> str:
    items = []
    for c in f.candidates:
        items.append(f"<li><code>{esc(describe_location(c))}</code>{_preview(c, f, show_secrets)}"
                     "</li>")
    if f.unlisted:
        items.append(f"<li>… and {f.unlisted} more place(s) in the same file(s), "
                     "not listed</li>")
    return f'<h3>Locations</h3>\n<ul class="places">{"".join(items)}</ul>\n'


def _preview(c: Candidate, f: Finding, show_secrets: bool) -> str:
    if not c.masked_line:
        return ""
    line = c.masked_line.replace(f.redacted, f.secret) if show_secrets else c.masked_line
    return f'<pre class="preview">{esc(line)}</pre>'


def _notes(f: Finding) -> str:
    if not f.notes:
        return ""
    return "<ul class=\"notes\">" + "".join(f"<li>note: {esc(n)}</li>" for n in f.notes) \
        + "</ul>\n"


def _steps(f: Finding) -> str:
    items = []
    for step in steps(f):
        if step.command:
            items.append(f"<li>{esc(step_text(step))}:<pre><code>{esc(step.command)}"
                         "</code></pre></li>")
        else:
            items.append(f"<li>{esc(step.text)}</li>")
    items.append(f"<li>{esc(accept_line(f))}</li>")
    return f'<h3>What to do</h3>\n<ol class="steps">{"".join(items)}</ol>\n'


def _repositories(result: ScanResult) -> str:
    repositories = getattr(result, "repositories", None)  # audits
    if not repositories:
        return ""
    rows = "".join(
        f"<tr><td><code>{esc(r.url)}</code></td><td>{esc(str(r.status))}</td>"
        f"<td>{esc(r.detail or '')}{': ' + esc(r.message) if r.message else ''}</td>"
        f'<td class="num">{r.findings}</td></tr>' for r in repositories)
    return ('<section id="repositories">\n<h2>Repositories</h2>\n<table>\n<thead><tr>'
            "<th>Repository</th><th>Status</th><th>Detail</th><th>Keys</th></tr></thead>\n"
            f"<tbody>{rows}</tbody>\n</table>\n</section>\n")
