"""Line facts, keyword windows and the places cap give what counting from the start for
every match gave, while reading each byte once per pass."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from psguard.engine.places import MAX_PLACES, KeywordWindow, LineCursor, cap_places
from psguard.models import Candidate, Origin
from psguard.rules.markers import ALLOW_MARKERS

TEXT = st.binary(max_size=400).map(
    lambda b: b.replace(b"\x01", b"\n").replace(b"\x02", ALLOW_MARKERS[0]))


@given(TEXT, st.lists(st.integers(min_value=0, max_value=400), max_size=20))
def test_line_cursor_matches_counting_from_the_start(data: bytes, offsets: list[int]) -> None:
    cursor = LineCursor(data)
    for off in sorted(o for o in offsets if o <= len(data)):
        cursor.move(off)
        start = data.rfind(b"\n", 0, off) + 1
        end = data.find(b"\n", off)
        line = data[start:len(data) if end < 0 else end]
        assert cursor.number == data.count(b"\n", 0, off) + 1
        assert cursor.start == start
        assert cursor.column() == len(data[start:off].decode("utf-8", "replace")) + 1
        assert cursor.marked == any(m in line for m in ALLOW_MARKERS)


@given(st.binary(max_size=600).map(lambda b: b.replace(b"\x03", b"API_key")),
       st.lists(st.tuples(st.integers(0, 600), st.integers(0, 30)), max_size=20))
def test_keyword_window_matches_searching_each_window(data: bytes,
                                                      spans: list[tuple[int, int]]) -> None:
    keywords = (b"api_key", b"poolside", b"k")
    near = KeywordWindow(data, keywords, 40)
    for start, length in sorted(spans):
        if start + length > len(data):
            continue
        window = data[max(0, start - 40):start + length + 40].lower()
        assert near.near(start, start + length) == any(k in window for k in keywords)


def cand(key: str, offset: int, path: str = "a", more: int = 0) -> Candidate:
    return Candidate("poolside-api-key", key, "high", Origin("file", path=path), 1, 1,
                     offset, more=more)


def test_cap_keeps_the_first_places_and_counts_the_rest() -> None:
    many = [cand("k1", i) for i in range(MAX_PLACES + 50)] + [cand("k2", 0, "b")]
    kept = cap_places(many)
    assert [c.offset for c in kept if c.secret == "k1"] == list(range(MAX_PLACES))
    assert sum(c.more for c in kept if c.secret == "k1") == 50
    assert [c.more for c in kept if c.secret == "k2"] == [0]
    # counts already carried by a candidate are kept (a level below capped too)
    again = cap_places([cand("k1", 0, more=7)] + [cand("k1", i) for i in range(1, 120)])
    assert len(again) == MAX_PLACES and sum(c.more for c in again) == 7 + 20
