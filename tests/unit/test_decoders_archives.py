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
