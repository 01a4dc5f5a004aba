"""Short human descriptions shared by the text, GitHub, JUnit and Markdown reports."""

from __future__ import annotations

from psguard.models import Candidate, Finding, ScanResult, ScanStats

TYPE_CHECKING = False  # not typing's: importing typing costs every clean hook run
if TYPE_CHECKING:
    from typing import Any


def describe_location(c: Candidate) -> str:
    o = c.origin
    where = o.path or ""
    if c.line is not None:
        where += f":{c.line}:{c.column}"
    elif o.kind in ("file", "blob", "stdin"):
        # no line: binary content, or the end of a file above max_file_size (text, with
        # a preview, whose earlier lines were not counted)
        where += f" (byte {c.offset})" if c.masked_line else f" (binary, byte {c.offset})"
    if o.kind == "stdin":
        where = "<stdin>" + where
    elif o.kind == "blob" and o.commit:
        where += f" in commit {o.commit[:12]}"
    elif o.kind == "blob" and o.blob and not o.path:
        # no commit names it: a dangling object, which has no path to show
        where = f"blob {o.blob[:12]}{where} (in no commit: a dangling object)"
    elif o.kind == "blob" and o.blob:
        where += f" in blob {o.blob[:12]}"
    elif o.kind in ("commit-message", "tag-message", "note", "stash"):
        ref = o.commit[:12] if o.commit else ""
        where = f"{o.kind} {ref} {where}".strip()
    if o.decoded_from:
        where += f" (decoded from {o.decoded_from})"
    if o.repository:  # an audit of many repositories
        where = f"{o.repository}: {where}"
    return where


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


POLICY_CHANGE_TITLE = "psguard: this change modifies psguard's own policy"


def policy_change_text(result: ScanResult, files: str | None = None) -> str | None:
    """What every format says when the scanned change modifies psguard's config,
    ignore file, rules or baseline; None when it does not. `files`: the paths as the
    format shows them (escaped), by default joined plainly."""
    if not result.policy_changes:
        return None
    shown = files if files is not None else ", ".join(result.policy_changes)
    return (f"This change modifies psguard's policy ({shown}). A change is never judged "
            f"by the policy it brings: this scan used the policy from "
            f"{result.policy_from}. Review the policy change itself.")


REPORT_ONLY_TITLE = "psguard: report only (--exit-zero)"


def report_only_text(result: ScanResult) -> str | None:
    """What every format says of a run with --exit-zero (a gate that cannot fail must
    say so where its result is read); None without it."""
    if not result.report_only:
        return None
    found = count(len(result.findings), "Poolside API key")
    return (f"Report only (--exit-zero): this run exits 0 whatever it finds; {found} "
            "found here would otherwise fail it." if result.findings else
            "Report only (--exit-zero): this run exits 0 whatever it finds.")


def count(n: int, noun: str) -> str:
    """"1 blob", "2 blobs"."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def scanned_size(stats: ScanStats) -> str:
    """How much was read; with a warm cache most objects are not read again, and "0 B"
    would read as if nothing had been scanned."""
    if not stats.cached:
        return human_bytes(stats.bytes)
    known = f"{count(stats.cached, 'object')} known clean from the cache"
    if not stats.bytes:
        return known
    return f"{human_bytes(stats.bytes)} read, {known}"


def reach_line(f: Finding) -> str | None:
    """"Can reach: …" for a live key whose verification answer listed what it reaches."""
    text = reach_summary(f.verification.reach) if f.verification.status == "live" else None
    return f"Can reach: {text}" if text else None


def reach_summary(reach: dict[str, Any] | None) -> str | None:
    """One line for the reports: "2 models (a, b); service account key; scopes: x"."""
    if not reach:
        return None
    models = list(reach.get("models") or [])
    total = int(reach.get("models_total") or len(models))
    shown = models[:5]
    listed = ", ".join(shown) + (f", … {total - len(shown)} more" if total > len(shown) else "")
    parts = [f"{total} model{'s' if total != 1 else ''}" + (f" ({listed})" if shown else "")]
    if reach.get("key_type"):
        parts.append(str(reach["key_type"]))
    if reach.get("key_name"):
        parts.append(f"named {reach['key_name']}")
    if reach.get("scopes"):
        parts.append("scopes: " + ", ".join(reach["scopes"]))
    if reach.get("expires"):
        parts.append(f"expires {reach['expires']}")
    return "; ".join(parts)
