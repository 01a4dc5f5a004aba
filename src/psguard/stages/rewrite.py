"""The replacements file for one history rewrite that removes every key found.

`git filter-repo --replace-text FILE` replaces each line's literal text in every blob of
every commit. One file covers every key of a scan and the forms psguard decodes from
text that are plain text themselves: the key, its hex (lower and upper case), and its
base64 and base64url encodings at each of the three alignments a key can have inside a
longer encoded block (a Kubernetes Secret, a CI variable). An encoding's first and last
groups also hold the bytes around the key, so only the groups made of key bytes alone
are replaced: what is left of the block decodes to at most two bytes of the key on each
side, never to the key.

The file holds the raw keys (an encoded key is the key): `psguard scan
--write-replacements` writes it only with --show-secrets, readable only by its owner.

Other forms cannot be listed as text: UTF-16 (every other byte NUL), JSON `\\u` escapes
(any mix of escaped and plain characters), compressed or archived content, an encoding
of an encoding. `uncovered` names the files where a key sits only that way, and the
rewrite removes those files from every commit (`strip_paths`).
"""

from __future__ import annotations

import base64
import re

from psguard.models import Finding, Remediation

MARKER = "***REMOVED-POOLSIDE-KEY***"
REPLACEMENT = MARKER
_TOKEN = "A-Za-z0-9_-"
# decoded_from values whose key text the replacements file lists (None: plain)
COVERED = frozenset({"base64", "hex"})


def replacement_line(secret: str, show_secrets: bool) -> str:
    """A `git filter-repo --replace-text` line that replaces this key: the key itself,
    or, where only the redacted form may be shown, a `regex:` line matching a token of
    the key's length ending in its last four characters."""
    if show_secrets:
        return f"{secret}==>{REPLACEMENT}"
    prefix = "ps-" if secret.startswith("ps-") else ""
    middle = len(secret) - len(prefix) - 4
    return (f"regex:(?<![{_TOKEN}]){re.escape(prefix)}[{_TOKEN}]{{{middle}}}"
            f"{re.escape(secret[-4:])}(?![{_TOKEN}])==>{REPLACEMENT}")


def uncovered(f: Finding) -> list[tuple[str, str]]:
    """(path, how the key is stored there) for each file that holds the key in a form
    the replacements file cannot match."""
    out: list[tuple[str, str]] = []
    for c in f.candidates:
        how, path = c.origin.decoded_from, c.origin.path
        if how is None or how in COVERED or not path or c.origin.kind not in ("file", "blob"):
            continue
        if (path, how) not in out:
            out.append((path, how))
    return out


def strip_paths(findings: list[Finding]) -> dict[str | None, list[str]]:
    """For each repository (None: the one scanned), the files the rewrite removes from
    every commit: those holding a pushed key only in a form text replacement misses."""
    out: dict[str | None, list[str]] = {}
    for f in findings:
        if f.exposure != "pushed":
            continue
        repo = f.candidates[0].origin.repository if f.candidates else None
        paths = out.setdefault(repo, [])
        paths += [p for p, _how in uncovered(f) if p not in paths]
    return {repo: sorted(paths) for repo, paths in out.items() if paths}


def encoded_forms(secret: str) -> list[str]:
    """The base64 and base64url texts that only the key's bytes determine, one for each
    alignment (the key starting 0, 1 or 2 bytes into a 3-byte group), then its hex."""
    raw = secret.encode()
    forms: list[str] = []
    for lead in range(3):
        body = b"\0" * lead + raw
        usable = len(body) - len(body) % 3  # the last partial group mixes in what follows
        text = base64.b64encode(body[:usable]).decode()
        middle = text[4:] if lead else text  # the first group mixes in what precedes
        for form in (middle, middle.replace("+", "-").replace("/", "_")):
            if len(form) >= 16 and form not in forms:
                forms.append(form)
    forms += [raw.hex(), raw.hex().upper()]  # what the hex decoder reads back
    return forms


def replacements_text(findings: list[Finding]) -> str:
    """The `--replace-text` file for these findings' keys, longest texts first (a key
    inside another's encoding is replaced after it)."""
    texts: list[str] = []
    for f in findings:
        for text in (f.secret, *encoded_forms(f.secret)):
            if text not in texts:
                texts.append(text)
    texts.sort(key=len, reverse=True)
    return "".join(f"{text}==>{MARKER}\n" for text in texts)


def not_text_steps(f: Finding) -> list[Remediation]:
    """Said (by remediation) where the key is not stored as text: the rewrite removes
    those files instead."""
    places = uncovered(f)
    if not places:
        return []
    where = "; ".join(f"{p} ({how})" for p, how in places)
    return [Remediation(
        f"In {where} the key is not stored as plain text (UTF-16, escaped, compressed or "
        "archived), which a text replacement cannot match: the rewrite below removes "
        f"{'that file' if len(places) == 1 else 'those files'} from every commit instead. "
        "Afterwards, if you need it, commit a copy without the key.")]
