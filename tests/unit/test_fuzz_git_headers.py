"""Commit and tag headers under a fuzzer, in a child bounded in CPU time and memory.

Headers are built line by line the way git writes them, then made hostile: any codec
name in `encoding`, timestamps of any size, very long lines, repeated and missing
lines, bytes that are not UTF-8. The parser never raises, and what it returns can be
shown (a date is ISO 8601 or None; text is a str).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from psguard.git.headers import parse_header
from psguard.testing.bounded import run_bounded

# Codec names Python knows that are not plain text encodings, or fail in odd ways.
_CODECS = st.sampled_from([b"utf-8", b"latin-1", b"ISO-8859-1", b"utf-16", b"utf-7",
                           b"undefined", b"punycode", b"idna", b"base64", b"zlib_codec",
                           b"rot13", b"uu", b"unicode_escape", b"raw_unicode_escape",
                           b"cp65001", b"", b"\xff\xfe", b"x" * 300])
_NUMBER = st.one_of(st.integers(0, 2**70).map(lambda n: str(n).encode()),
                    st.sampled_from([b"", b"-1", b"1e9", b"9" * 5000, b"0x10", b"\xd9\xa3"]))
_TZ = st.sampled_from([b"+0000", b"-0530", b"+2400", b"+9999", b"-", b"", b"+00", b"x" * 50])
_NAME = st.binary(max_size=60) | st.sampled_from([b"A <a@x>", b"<>", b">" * 100, b"<" * 5000])
_IDENT = st.builds(lambda n, t, z, sep: n + sep + t + b" " + z, _NAME, _NUMBER, _TZ,
                   st.sampled_from([b" ", b"", b"  ", b"\t"]))
_LINE = st.one_of(
    st.builds(lambda v: b"author " + v, _IDENT),
    st.builds(lambda v: b"committer " + v, _IDENT),
    st.builds(lambda v: b"tagger " + v, _IDENT),
    st.builds(lambda v: b"encoding " + v, _CODECS),
    st.builds(lambda v: b"tag " + v, st.binary(max_size=80)),
    st.just(b"tree " + b"4b825dc642cb6eb9a060e54bf8d69288fbee4904"),
    st.just(b"parent " + b"1" * 40),
    st.just(b"object " + b"2" * 40),
    st.just(b" continuation of a signature"),
    st.binary(max_size=100),
    st.just(b"gpgsig " + b"A" * 100_000),
)


def _parse_and_show(head: bytes, kind: str) -> None:
    h = parse_header(head, kind)
    assert isinstance(h.time, int)
    assert h.date is None or h.date[:4].isdigit(), h.date
    for text in (h.author, h.tag_name, h.problem_detail()):
        assert text is None or isinstance(text, str)
        if text is not None:
            text.encode("utf-8")  # every report can write it


@given(st.lists(_LINE, max_size=12), st.sampled_from(["commit", "tag"]))
def test_any_header_parses_without_raising_in_bounds(lines: list[bytes], kind: str) -> None:
    head = b"\n".join(lines)
    run_bounded(lambda: _parse_and_show(head, kind))
