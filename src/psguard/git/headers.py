"""Commit and tag headers as they are stored, parsed without trusting them.

git writes `author Name <email> 1700000000 +0100`, but an object can hold anything
(`git hash-object --literally`, old or foreign tools, a hostile repository): a
timestamp out of range or not a number, a timezone that is no UTC offset, a missing
line or field, a name that is not UTF-8. Nothing here raises on such bytes: what cannot
be read is None (a date) or 0 (a time to sort by), and `malformed` says what was wrong,
for a warning that names the object. Its bytes were read all the same, so the key in
its message or tree is still found.
"""

from __future__ import annotations

import re

from psguard.models import Record

# 9999-12-31T23:59:59Z: the last second an ISO date (and Python's datetime) can show.
MAX_TIMESTAMP = 253402300799
_TZ = re.compile(rb"[+-][0-9]{4}")
_SHOWN_DIGITS = 24  # of a timestamp quoted in a warning


class Ident(Record):
    """One author, committer or tagger line."""

    __slots__ = ("who", "timestamp", "date", "malformed")

    def __init__(self, who: str | None, timestamp: int | None, date: str | None,
                 malformed: list[str]) -> None:
        self.who = who  # "Name <email>"; None when the line has no name or email
        self.timestamp = timestamp  # seconds since the epoch; None when unreadable
        self.date = date  # ISO 8601 in the line's own timezone (UTC when that is bad)
        self.malformed = malformed


class Header(Record):
    """What a commit's or annotated tag's header says."""

    __slots__ = ("author", "date", "author_time", "time", "tag_name", "target",
                 "malformed")

    def __init__(self) -> None:
        self.author: str | None = None  # the author (commit) or tagger (tag)
        self.date: str | None = None  # the author's (tagger's) date
        self.author_time: int | None = None
        self.time = 0  # commit time (tag: tagger time), to order by; 0 when unknown
        self.tag_name: str | None = None
        self.target: str | None = None  # the object a tag points to
        self.malformed: list[str] = []

    def problem_detail(self) -> str | None:
        """The warning's text, or None when the header is well formed."""
        if not self.malformed:
            return None
        return "malformed header (scanned all the same): " + "; ".join(self.malformed)


def decode_text(raw: bytes, encoding: str | None = None) -> tuple[str, bool]:
    """Text in git metadata, and whether it decoded cleanly. The object's own
    `encoding` header is honoured when Python knows it; otherwise UTF-8, with bytes
    that are not shown as \\x escapes (never an error)."""
    if encoding:
        try:
            return raw.decode(encoding), True
        # ValueError covers UnicodeError: codecs such as `undefined` and `punycode`
        # raise it, not UnicodeDecodeError, and the header names the codec.
        except (LookupError, ValueError, TypeError):
            pass
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace"), False


def iso_date(timestamp: int | None, tz: bytes) -> str | None:
    """ISO 8601 for a timestamp and a `+HHMM` offset; UTC when the offset is no valid
    one; None when the timestamp is unknown or beyond what a date can show."""
    from datetime import datetime, timedelta, timezone

    if timestamp is None or not 0 <= timestamp <= MAX_TIMESTAMP:
        return None
    when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=timestamp)
    minutes = tz_minutes(tz)
    if minutes is not None:
        try:
            return when.astimezone(timezone(timedelta(minutes=minutes))).isoformat()
        except (OverflowError, ValueError):  # past year 9999 in that zone
            pass
    return when.isoformat()


def tz_minutes(tz: bytes) -> int | None:
    """A `+HHMM` offset in minutes; None when it is not one (hours 0-23, minutes 0-59)."""
    if not _TZ.fullmatch(tz):
        return None
    hours, minutes = int(tz[1:3]), int(tz[3:5])
    if hours > 23 or minutes > 59:
        return None
    return (-1 if tz[:1] == b"-" else 1) * (hours * 60 + minutes)


def parse_ident(role: str, value: bytes, encoding: str | None = None) -> Ident:
    """`Name <email> TIMESTAMP TZ`, as git splits it: the date follows the last `>`."""
    problems: list[str] = []
    end = value.rfind(b">")
    if end < 0 or b"<" not in value[:end]:
        problems.append(f"{role} line has no <email>")
        who_raw, rest = value.strip(), b""
    else:
        who_raw, rest = value[:end + 1], value[end + 1:]
    who: str | None = None
    if who_raw:
        who, clean = decode_text(who_raw, encoding)
        if not clean:
            problems.append(f"{role} name or email is not UTF-8 (shown with \\x escapes)")
    fields = rest.split()
    if not fields:
        problems.append(f"{role} line has no date")
        return Ident(who, None, None, problems)
    stamp = _timestamp(role, fields[0], problems)
    tz = fields[1] if len(fields) > 1 else b""
    if stamp is not None and tz_minutes(tz) is None:
        shown = f" {tz.decode()}" if _TZ.fullmatch(tz) else ""
        problems.append(f"{role} timezone{shown} is no UTC offset (date shown in UTC)")
    return Ident(who, stamp, iso_date(stamp, tz), problems)


def _timestamp(role: str, raw: bytes, problems: list[str]) -> int | None:
    if not raw.isdigit():
        problems.append(f"{role} timestamp is not a number")
        return None
    value = int(raw[:40])  # more digits than this are out of range anyway
    if len(raw) > 40 or value > MAX_TIMESTAMP:
        shown = raw[:_SHOWN_DIGITS].decode() + ("…" if len(raw) > _SHOWN_DIGITS else "")
        problems.append(f"{role} timestamp {shown} is out of range")
        return None
    return value


def parse_header(head: bytes, kind: str = "commit") -> Header:
    """The header of a commit or tag object (the bytes before the first blank line)."""
    info = Header()
    lines = [line for line in head.split(b"\n") if line and not line.startswith(b" ")]
    fields: dict[bytes, list[bytes]] = {}
    for line in lines:  # continuation lines (a signature's) start with a space
        name, _, value = line.partition(b" ")
        fields.setdefault(name, []).append(value)
    encoding = fields[b"encoding"][0].decode("ascii", "replace") if b"encoding" in fields \
        else None
    if kind == "tag":
        info.tag_name = decode_text(fields[b"tag"][0])[0] if b"tag" in fields else None
        info.target = fields[b"object"][0].decode(errors="replace") if b"object" in fields \
            else None
        if b"tagger" in fields:  # old tags (before git 0.99.1) have none: not malformed
            tagger = parse_ident("tagger", fields[b"tagger"][0], encoding)
            _take_author(info, tagger)
            info.time = tagger.timestamp or 0
        return info
    for role in (b"author", b"committer"):
        values = fields.get(role, [])
        if not values:
            info.malformed.append(f"no {role.decode()} line")
        elif len(values) > 1:
            info.malformed.append(f"more than one {role.decode()} line (the first is used)")
    if b"author" in fields:
        _take_author(info, parse_ident("author", fields[b"author"][0], encoding))
    if b"committer" in fields:
        committer = parse_ident("committer", fields[b"committer"][0], encoding)
        info.malformed += [p for p in committer.malformed if "UTF-8" not in p]
        info.time = committer.timestamp or 0
    return info


def _take_author(info: Header, ident: Ident) -> None:
    info.author = ident.who
    info.date = ident.date
    info.author_time = ident.timestamp
    info.malformed += ident.malformed
