"""Repository URLs: which arguments are remote, and their credential-free form.

A URL can carry credentials (`https://user:token@host/…`, `?private_token=…`). The
form with them stripped is the only one any report, log line, error message or cache
path ever shows; the full URL is handed to git alone. Nothing here does I/O.
"""

from __future__ import annotations

import re

# urllib.parse is imported by the functions that take a URL apart: `scan PATH` asks
# is_remote of every path, and urllib.parse (with ipaddress) costs a pre-commit run
# about 8 million instructions.

# Patterns, compiled by re's cache at first use (not at import: the pre-commit hook
# imports this module and would pay for all five).
# scheme://…, and scp-like `user@host:path` (what ssh clones use)
_SCHEME = r"^([A-Za-z][A-Za-z0-9+.-]*)://"
_SCP_LIKE = r"^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:(?!//)"
REMOTE_SCHEMES = ("https", "http", "ssh", "git", "file", "git+ssh", "ssh+git")
# Query parameters that hold a secret on some host (GitLab, Gitea, presigned URLs).
_SECRET_PARAMS = r"(?i)token|key|secret|password|passwd|auth|sig|credential"
# userinfo in any URL-shaped text (git's own messages quote the URL it was given)
_USERINFO = r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@"
_QUERY_SECRET = (r"(?i)([?&][^=&\s]*(?:token|key|secret|password|passwd|auth|sig|"
                 r"credential)[^=&\s]*=)[^&\s]*")


def is_remote(text: str) -> bool:
    """Whether a SOURCE argument names a remote repository rather than a local path."""
    if ":" not in text:
        return False  # both forms have one; most paths (".") have none
    match = re.match(_SCHEME, text)
    if match:
        return True
    return bool(re.match(_SCP_LIKE, text))


def scheme(url: str) -> str:
    """The transport a URL names: its scheme, or "ssh" for `user@host:path`."""
    match = re.match(_SCHEME, url)
    return match.group(1).lower() if match else "ssh"


def strip_credentials(url: str) -> str:
    """The URL without user:password@ (an ssh user name is kept: it is no secret)
    and without query parameters that look like tokens."""
    if not re.match(_SCHEME, url):
        return url  # scp-like ssh or a path: no password can be written there
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        name, has_password, _ = user.partition(":")
        keep_user = parts.scheme in ("ssh", "git+ssh", "ssh+git") and not has_password
        netloc = f"{name}@{host}" if keep_user and name else host
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not re.search(_SECRET_PARAMS, k)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def scrub_credentials(text: str) -> str:
    """Any URL credentials inside free text (git's error messages) replaced by ***."""
    text = re.sub(_USERINFO, lambda m: m.group(1) + "***@", text)
    return re.sub(_QUERY_SECRET, lambda m: m.group(1) + "***", text)


def slug(url: str) -> str:
    """A short, filesystem-safe name for a credential-free URL: host and path."""
    from urllib.parse import urlsplit

    parts = urlsplit(url) if re.match(_SCHEME, url) else None
    if parts is not None:
        base = f"{parts.hostname or 'local'}{parts.path}"
    else:
        base = url.split("@", 1)[-1].replace(":", "/", 1)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")
    return (name or "repository")[-80:]
