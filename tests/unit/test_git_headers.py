"""git/headers.py: commit and tag headers parsed without trusting them. Malformed
ones become a description (for a warning), never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psguard.git.headers import iso_date, parse_header, parse_ident

TREE = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904"
GOOD = b"A U Thor <author@example.invalid> 1700000000 +0100"


def commit(*lines: bytes) -> bytes:
    return b"\n".join([TREE, *lines])


def test_a_well_formed_commit() -> None:
    h = parse_header(commit(b"parent " + b"1" * 40, b"author " + GOOD,
                            b"committer C <c@example.invalid> 1700000100 -0530"))
    assert h.author == "A U Thor <author@example.invalid>"
    assert h.date == "2023-11-14T23:13:20+01:00"
    assert h.author_time == 1700000000
    assert h.time == 1700000100  # the commit time orders commits
    assert h.malformed == [] and h.problem_detail() is None


def test_a_well_formed_tag_and_an_old_one_without_tagger() -> None:
    tag = parse_header(b"object " + b"2" * 40 + b"\ntype commit\ntag v1.0\ntagger " + GOOD,
                       "tag")
    assert (tag.tag_name, tag.target, tag.author) == ("v1.0", "2" * 40,
                                                      "A U Thor <author@example.invalid>")
    assert tag.time == 1700000000 and tag.malformed == []
    old = parse_header(b"object " + b"2" * 40 + b"\ntype commit\ntag v2.6.11", "tag")
    assert old.author is None and old.date is None and old.malformed == []


@pytest.mark.parametrize(("author", "expected", "said"), [
    (b"A <a@x> 99999999999999999999 +0000", None, "author timestamp 99999999999999999999 "
                                                  "is out of range"),
    (b"A <a@x> 253402300800 +0000", None, "out of range"),
    (b"A <a@x> 1" + b"9" * 5000 + b" +0000", None, "out of range"),
    (b"A <a@x> soon +0000", None, "author timestamp is not a number"),
    (b"A <a@x> -5 +0000", None, "not a number"),
    (b"A <a@x> 1700000000 +9999", "2023-11-14T22:13:20+00:00",
     "author timezone +9999 is no UTC offset"),
    (b"A <a@x> 1700000000 +0160", "2023-11-14T22:13:20+00:00", "timezone"),
    (b"A <a@x> 1700000000", "2023-11-14T22:13:20+00:00", "timezone"),
    (b"A <a@x> 1700000000 Z\x1b[31m", "2023-11-14T22:13:20+00:00", "timezone"),
    (b"A <a@x>", None, "author line has no date"),
    (b"A", None, "no <email>"),
    (b"", None, "no date"),
    (b"\xff\xfe <\xff@x> 1700000000 +0000", "2023-11-14T22:13:20+00:00", "not UTF-8"),
])
def test_malformed_author_lines(author: bytes, expected: str | None, said: str) -> None:
    h = parse_header(commit(b"author " + author, b"committer " + GOOD))
    assert h.date == expected
    detail = h.problem_detail()
    assert detail is not None and said in detail
    assert "\x1b" not in detail and len(detail) < 300  # quotes no stored bytes but digits


def test_dates_at_the_edges() -> None:
    assert iso_date(0, b"+0000") == "1970-01-01T00:00:00+00:00"
    assert iso_date(253402300799, b"+0000") == "9999-12-31T23:59:59+00:00"
    # past year 9999 only in the line's own zone: shown in UTC
    assert iso_date(253402300799, b"+2359") == "9999-12-31T23:59:59+00:00"
    assert iso_date(0, b"-0100") == "1969-12-31T23:00:00-01:00"
    assert iso_date(None, b"+0000") is None and iso_date(-1, b"+0000") is None


def test_missing_and_repeated_lines() -> None:
    assert "no author line" in (parse_header(commit(b"committer " + GOOD)).problem_detail()
                                or "")
    h = parse_header(commit(b"author " + GOOD))
    assert h.time == 0 and "no committer line" in (h.problem_detail() or "")
    twice = parse_header(commit(b"author " + GOOD, b"author B <b@x> 1 +0000",
                                b"committer " + GOOD))
    assert twice.author == "A U Thor <author@example.invalid>"
    assert "more than one author line" in (twice.problem_detail() or "")


def test_encoding_header_and_signature_lines() -> None:
    h = parse_header(commit(b"author J\xf6rg <j@x> 1700000000 +0000", b"committer " + GOOD,
                            b"encoding ISO-8859-1", b"gpgsig -----BEGIN PGP SIGNATURE-----",
                            b" author X <x@x> soon +0000", b" -----END PGP SIGNATURE-----"))
    assert h.author == "J\u00f6rg <j@x>" and h.malformed == []


def test_a_committer_name_that_is_not_utf8_is_not_shown_so_not_reported() -> None:
    h = parse_header(commit(b"author " + GOOD, b"committer \xff <c@x> 1700000000 +0000"))
    assert h.malformed == []


def test_ident_keeps_a_name_with_angle_brackets() -> None:
    ident = parse_ident("author", b"A <b> c <a@x> 1700000000 +0000")
    assert ident.who == "A <b> c <a@x>" and ident.timestamp == 1700000000


@given(st.binary(max_size=300), st.sampled_from(["commit", "tag"]))
def test_never_raises(head: bytes, kind: str) -> None:
    h = parse_header(head, kind)
    assert isinstance(h.time, int)
    assert h.date is None or h.date[:4].isdigit()


@given(st.integers(), st.binary(max_size=8))
def test_iso_date_never_raises(timestamp: int, tz: bytes) -> None:
    date = iso_date(timestamp, tz)
    assert date is None or 0 <= timestamp <= 253402300799
