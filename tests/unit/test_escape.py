"""psguard.escape: untrusted text made inert for terminals, Markdown, workflow commands,
XML and HTML; checked by example and against real parsers (CommonMark, the standard
library's HTML parser) for any text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from psguard.escape import (
    html,
    markdown,
    markdown_code,
    terminal,
    workflow_data,
    workflow_property,
    xml,
)

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Text an attacker would pick: Markdown and HTML punctuation, controls, bidi, newlines.
hostile = st.text(st.sampled_from(list("ab 1.#-+=*_`~|[]()<>!&\\$@:\n\r\t\x1b\x07\x7f\x85"
                                       "\u202e\u2066\u2028")) | st.characters(), max_size=40)


def test_terminal_makes_controls_visible_and_leaves_the_rest() -> None:
    assert terminal("a\x1b[2J\rb\x08\x7f\n\t") == "a\\x1b[2J\\x0db\\x08\\x7f\\x0a\\x09"
    assert terminal("\x9b31m \u202egnp.exe \u2066x\u2069") == \
        "\\x9b31m \\u202egnp.exe \\u2066x\\u2069"
    assert terminal("bad\udcff.py") == "bad\\xff.py"  # an undecodable byte, as git shows it
    assert terminal("päth/✅ 🔑 [x] *y*") == "päth/✅ 🔑 [x] *y*"


@given(st.text())
def test_terminal_output_holds_no_control_character(text: str) -> None:
    assert not CONTROL.search(terminal(text))
    assert terminal(terminal(text)) == terminal(text)


def test_markdown_escapes_what_would_format() -> None:
    assert markdown("### x <!-- y --> & *z*") == "\\#\\#\\# x &lt;!-- y --&gt; &amp; \\*z\\*"
    assert markdown("a|b\nc") == "a\\|b\\\\x0ac"
    assert markdown("1. item") == "1\\. item" and markdown("- item") == "\\- item"
    assert markdown("plain words: fine (really).") == "plain words: fine (really)."


@given(hostile)
def test_markdown_text_renders_as_its_own_words_in_one_paragraph(text: str) -> None:
    shown = markdown(text)
    assert "\n" not in shown and "\r" not in shown
    tokens = RENDERER.parse(f"1. {shown}")
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"heading_open", "html_block", "html_inline", "code_inline", "em_open",
                        "strong_open", "s_open", "link_open", "image", "table_open",
                        "blockquote_open", "hr", "fence", "code_block"}, shown
    assert sum(t.type == "list_item_open" for t in tokens) == 1
    rendered = "".join(c.content for t in tokens if t.type == "inline"
                       for c in t.children or [] if c.type == "text")
    assert rendered.strip(" ") == terminal(text).strip(" ")


@given(hostile, st.booleans())
def test_markdown_code_shows_the_text_as_one_code_span(text: str, table: bool) -> None:
    if not text.strip() and text.count("`") == 0:
        return  # no code span holds only spaces
    shown = markdown_code(text, table=table)
    source = f"| a |\n| - |\n| {shown} |\n" if table else f"x {shown} y"
    tokens = RENDERER.parse(source)
    spans = [c for t in tokens for c in t.children or [] if c.type == "code_inline"]
    assert len(spans) == 1, shown
    assert spans[0].content.strip() == terminal(text).strip()


def test_workflow_escaping_follows_the_runner() -> None:
    assert workflow_data("50%\r\nnext: a,b") == "50%25%0D%0Anext: a,b"
    assert workflow_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


@given(st.text())
def test_xml_text_is_always_well_formed(text: str) -> None:
    element = ET.Element("t", a=xml(text))
    element.text = xml(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode").encode("utf-8"))
    assert parsed.get("a") == xml(text)
    assert (parsed.text or "") == xml(text).replace("\r\n", "\n").replace("\r", "\n")


def test_html_escapes_markup_and_quotes() -> None:
    assert html("<script>a='1'</script> & \"x\"") == \
        "&lt;script&gt;a=&#39;1&#39;&lt;/script&gt; &amp; &quot;x&quot;"
    assert html("a\u202eb\x1b[2J\nc") == "a\\u202eb\\x1b[2J\\x0ac"
    assert html("päth/✅ 🔑") == "päth/✅ 🔑"


class _Events(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", (tag, attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", data))

    def handle_comment(self, data: str) -> None:
        self.events.append(("comment", data))


@given(hostile | st.text())
def test_html_text_stays_one_text_node_and_one_attribute(text: str) -> None:
    shown = html(text)
    parser = _Events()
    parser.feed(f'<p title="{shown}">{shown}</p><i>end</i>')
    parser.close()
    data = [e for e in parser.events if e[0] == "data"]
    starts = [e for e in parser.events if e[0] == "start"]
    assert [s[1][0] for s in starts] == ["p", "i"]  # type: ignore[index]
    assert starts[0][1] == ("p", [("title", terminal(text))])
    expected = [("data", terminal(text))] if terminal(text) else []
    assert data == [*expected, ("data", "end")]
    assert not [e for e in parser.events if e[0] == "comment"]
