"""Untrusted text made safe for the place it is written: the one module that does it.

Paths, ref and remote names, author names and e-mails, commit subjects, previews of
scanned lines, decoded member names and every message that quotes one of them come
from whoever wrote the repository. Git allows nearly any byte in a path and in an
author name, so each writer passes such strings through one of these functions:

- terminal(): the text report, hook messages, CI and error lines on stderr. C0 and C1
  control characters (ESC, CR, BS, newline, tab...), DEL, the bidirectional marks,
  embeddings, overrides and isolates, the Unicode line separators, and lone
  surrogates (undecodable bytes of a path) become visible escapes: ``\\x1b``,
  ``\\u202e``; an undecodable byte is shown as ``\\xNN``, as git shows it.
  Nothing else changes, so the result is still readable and searchable.
- markdown() and markdown_code(): Markdown text and inline code (job summaries,
  pull-request comments). Never a line break (so no new block: no heading, no HTML
  comment, no list), Markdown punctuation backslash-escaped, `<`, `>` and `&` as
  HTML entities; a code span's fence is longer than any backtick run inside it.
- workflow_data() and workflow_property(): GitHub Actions workflow commands, escaped
  as the runner unescapes them (% CR LF; in a property also `:` and `,`).
- xml(): what XML 1.0 cannot hold at all, even as a character reference, made
  visible (ElementTree escapes the rest).
- html(): HTML text and attribute values (the HTML report): what terminal() makes
  visible, and `&`, `<`, `>`, `"`, `'` as character references, so no text can open
  or close an element, a comment or an attribute.
JSON and SARIF keep raw values: json.dumps escapes what JSON needs, and paths reach
the reports without lone surrogates (models.display_path).

Kept free of imports beyond `re`: the pre-commit hook uses it on every blocked commit.
"""

from __future__ import annotations

import re

# Patterns, compiled by re's own cache when first used: compiling them all at import
# cost the pre-commit hook ~4 ms, for lines that are mostly plain ASCII.
# What a terminal (or a log viewer that renders ANSI) would act on or reorder.
_TERMINAL = ("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
             "\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# What XML 1.0 cannot carry (tab, LF and CR it can).
_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
# Markdown punctuation that works mid-line: code, emphasis, links and images (which
# need `[`), table cells, strikethrough, math, mentions and issue references; `<`, `>`
# and `&` (HTML, autolinks, entities) are written as entities instead.
_MARKDOWN = r"([\\`*_\[\]|~$@#])"
# What opens a block at the start of a line or a list item: a bullet, a setext rule,
# an ordered-list number (after the escaping above has run).
_BLOCK_START = r"^([-+=]|\d{1,9}(?=[.)]))"
_BACKTICKS = "`+"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """One line of text that cannot move the cursor, clear, recolour or reorder."""
    if text.isascii() and text.isprintable():
        return text  # nothing _TERMINAL matches: printable ASCII has no control byte
    return re.sub(_TERMINAL, _visible, text)


def markdown(text: str) -> str:
    """Plain Markdown text on one line (also safe in a table cell and at the start
    of a list item)."""
    escaped = re.sub(_MARKDOWN, r"\\\1", terminal(text))
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = escaped.lstrip(" ")
    if len(body) < len(escaped):  # leading spaces would indent: a code block
        return "&#32;" * (len(escaped) - len(body)) + body
    return re.sub(_BLOCK_START, _unblock, escaped, count=1)


def _unblock(match: re.Match[str]) -> str:
    marker = match.group()
    if marker[0].isdigit():  # "1." or "1)": escape the punctuation after the number
        return f"{marker}\\"
    return f"\\{marker}"


def markdown_code(text: str, *, table: bool = False) -> str:
    """Inline code showing `text` as it is (control characters made visible).

    Code spans ignore Markdown and HTML inside them; only a backtick run as long as
    the fence ends one, so the fence is one longer than the longest run. In a GFM
    table a `|` ends the cell even in code: `table=True` writes it as `\\|`."""
    body = terminal(text)
    longest = max((len(run) for run in re.findall(_BACKTICKS, body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith(("`", " ")) or body.endswith(("`", " ")):
        body = f" {body} "  # one space each side is stripped again by the renderer
    if table:
        body = body.replace("|", "\\|")
    return f"{fence}{body}{fence}"


def workflow_data(text: str) -> str:
    """A workflow command's message, as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A workflow command's property value (`file=`, `title=`)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def xml(text: str) -> str:
    """Text XML 1.0 can hold: what it cannot is made visible as by terminal()."""
    return re.sub(_XML, _visible, text)


_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_HTML_SPECIAL = "[&<>\"']"


def html(text: str) -> str:
    """Text for an HTML element's content or a quoted attribute value: no markup, no
    control characters, no bidirectional reordering."""
    return re.sub(_HTML_SPECIAL, lambda m: _HTML[m.group()], terminal(text))
