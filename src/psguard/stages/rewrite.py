"""The replacements file for one history rewrite that removes every key found.

`git filter-repo --replace-text FILE` replaces each line's literal text in every blob of
every commit. One file covers every key of a scan and every form psguard decodes from
text: the key itself, and its base64 and base64url encodings at each of the three
alignments a key can have inside a longer encoded block (a Kubernetes Secret, a CI
variable). An encoding's first and last groups also hold the bytes around the key, so
only the groups made of key bytes alone are replaced: what is left of the block decodes
to at most two bytes of the key on each side, never to the key.

The file holds the raw keys (an encoded key is the key): `psguard scan
--write-replacements` writes it only with --show-secrets, readable only by its owner.
"""

from __future__ import annotations

import base64

from psguard.models import Finding

MARKER = "***REMOVED-POOLSIDE-KEY***"


def encoded_forms(secret: str) -> list[str]:
    """The base64 and base64url texts that only the key's bytes determine, one for each
    alignment (the key starting 0, 1 or 2 bytes into a 3-byte group)."""
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
