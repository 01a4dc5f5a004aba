"""What a live key can reach, read from the answer verification already gets: pure.

``GET {base}/models`` answers a valid key with the models it may use (the OpenAI-style
``{"object": "list", "data": [{"id": …}, …]}``). Where the API also describes the key
(a ``key`` object: ``type``, ``scopes``, ``expires_at``, ``name``), that is kept too.

The answer comes from a network peer: nothing in it is trusted. The body is read up to
MAX_BODY bytes by the client; here every string is cut to a short length and limited to
a conservative alphabet (anything else becomes ``?``), lists are capped, and the result
is plain JSON data (``dict``) that every report still escapes where it writes it.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_BODY = 256 * 1024  # bytes of an answer read at most; a models list is a few KB
MAX_MODELS = 20  # model ids kept (the count says how many the answer listed)
MAX_SCOPES = 10
_ID_LEN = 80
_WORD_LEN = 40
# Model ids, scopes and names as APIs spell them; nothing that a terminal, Markdown,
# HTML or a workflow command would act on.
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/@+ -]")
_DATE = re.compile(r"[^0-9TZ:.+ -]")
_KINDS = {"developer": "developer key", "personal": "developer key", "user": "developer key",
          "service": "service account key", "service_account": "service account key",
          "service-account": "service account key", "organization": "organization key",
          "org": "organization key", "team": "team key"}


def clean(text: object, limit: int = _WORD_LEN, pattern: re.Pattern[str] = _UNSAFE) -> str | None:
    """A bounded, printable copy of a string from the answer; None if not a string."""
    if not isinstance(text, str):
        return None
    cut = pattern.sub("?", text[:limit]).strip()
    if len(text) > limit:
        cut += "…"
    return cut or None


def parse(body: bytes) -> dict[str, Any] | None:
    """The reach told by a 2xx answer's body; None if it is not a models list."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        return None
    ids = [clean(m.get("id"), _ID_LEN) for m in doc["data"] if isinstance(m, dict)]
    models = [i for i in ids if i]
    reach: dict[str, Any] = {"models": models[:MAX_MODELS], "models_total": len(models)}
    key = doc.get("key")
    if isinstance(key, dict):
        reach.update(_key_facts(key))
    return reach


def _key_facts(key: dict[str, Any]) -> dict[str, Any]:
    kind = clean(key.get("type"))
    facts: dict[str, Any] = {
        "key_type": _KINDS.get(kind.lower(), kind) if kind else None,
        "key_name": clean(key.get("name")),
        "expires": clean(key.get("expires_at"), pattern=_DATE)}
    scopes = key.get("scopes")
    if isinstance(scopes, list):
        shown = [s for s in (clean(x) for x in scopes[:MAX_SCOPES]) if s]
        facts["scopes"] = shown + (["…"] if len(scopes) > MAX_SCOPES else [])
    return {k: v for k, v in facts.items() if v}


def revalidate(stored: object) -> dict[str, Any] | None:
    """A reach read back from the verification cache, cleaned again (a file on disk)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("models"), list):
        return None
    total = stored.get("models_total")
    body = {"data": [{"id": m} for m in stored["models"]],
            "key": {"type": stored.get("key_type"), "name": stored.get("key_name"),
                    "expires_at": stored.get("expires"), "scopes": stored.get("scopes")}}
    reach = parse(json.dumps(body).encode())
    if reach is not None and isinstance(total, int) and total >= len(reach["models"]):
        reach["models_total"] = total
    return reach
