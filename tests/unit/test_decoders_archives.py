"""psguard.decoders.archives on its own: members, their labels, and the limits."""

from __future__ import annotations

import gzip
import io
import tarfile

from psguard.decoders.archives import ArchiveDecoder, archive_kind
from psguard.decoders.base import Budget, DecodeLimits
from psguard.models import Origin
from psguard.testing import make_key
from psguard.testing.corpus import zip_bytes

ORIGIN = Origin(kind="file", path="bundle.zip")
DECODER = ArchiveDecoder()


def test_zip_members_are_named_and_the_member_limit_is_reported() -> None:
    key = make_key()
    data = zip_bytes({f"m{i}.txt": f"{i}={key}".encode() for i in range(5)})
    assert DECODER.triggered(data, 0) and archive_kind(data) == "zip"
    budget = Budget(DecodeLimits(max_members=2))
    decoded = list(DECODER(data, ORIGIN, budget))
    assert [(d.label, d.data) for d in decoded] == [
        ("zip:m0.txt", f"0={key}".encode()), ("zip:m1.txt", f"1={key}".encode())]
    assert all(d.to_parent is None for d in decoded)  # members have their own coordinates
    assert [(p.kind, p.target) for p in budget.problems] == [("not-scanned", "bundle.zip")]
    assert "more than 2 archive members; m2.txt and the rest" in budget.problems[0].detail


def test_gzip_past_the_budget_is_cut_to_it_and_reported() -> None:
    data = gzip.compress(b"a" * 10_000)
    budget = Budget(DecodeLimits(max_expanded=1000))
    decoded = list(DECODER(data, ORIGIN, budget))
    assert [(d.label, len(d.data)) for d in decoded] == [("gzip", 1000)]
    assert budget.expanded == 1000
    assert "only the first 1000 bytes were scanned" in budget.problems[0].detail


def test_tar_members_are_named() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("conf/.env")
        info.size = 5
        tf.addfile(info, io.BytesIO(b"a=b\n\n"))
    decoded = list(DECODER(buf.getvalue(), ORIGIN, Budget(DecodeLimits())))
    assert [(d.label, d.data) for d in decoded] == [("tar:conf/.env", b"a=b\n\n")]


def test_text_is_not_an_archive() -> None:
    assert not DECODER.triggered(b"PK but not a zip, just text", 0)
    assert list(DECODER(b"plain text, long enough", ORIGIN, Budget(DecodeLimits()))) == []


def test_a_key_in_the_second_member_of_a_concatenated_gzip_is_decoded() -> None:
    key = make_key()
    data = gzip.compress(b"first part\n") + gzip.compress(f"k={key}\n".encode())
    budget = Budget(DecodeLimits())
    [decoded] = list(DECODER(data, ORIGIN, budget))
    assert decoded.data == f"first part\nk={key}\n".encode()
    assert budget.problems == []


def test_limits_leave_the_scan_incomplete_but_read_what_fits() -> None:
    key = make_key()
    data = zip_bytes({"big.bin": f"k={key}\n".encode() + b"\0" * 5000, "small.txt": b"ok\n"})
    budget = Budget(DecodeLimits(max_expanded=3000, partial=100))
    decoded = list(DECODER(data, ORIGIN, budget))
    # the member too large for the budget: its first 100 bytes; the next member: whole
    assert [(d.label, len(d.data)) for d in decoded] == [("zip:big.bin", 100),
                                                         ("zip:small.txt", 3)]
    assert key.encode() in decoded[0].data
    [problem] = budget.problems
    assert problem.incomplete and problem.kind == "not-scanned"
    assert "only its first 100 bytes were scanned" in problem.detail


def test_a_truncated_tar_member_is_read_as_far_as_it_goes() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("app.env")
        info.size = 3000
        tf.addfile(info, io.BytesIO(b"k" * 3000))
    budget = Budget(DecodeLimits())
    [decoded] = list(DECODER(buf.getvalue()[:2000], ORIGIN, budget))
    assert decoded.data == b"k" * (2000 - 512)
    [problem] = budget.problems
    assert not problem.incomplete and "cut short" in problem.detail
