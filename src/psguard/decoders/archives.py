"""Zip-family archives (zip, jar, whl, …), gzip, xz and bzip2 streams and tar archives.

Archives are recognized by their magic bytes at the start of the data. Each member
is decoded into its own coordinates: `decoded_from` names it (`zip:dir/file.txt`,
`gzip`, `tar:a/b`) and line and column point into the member. The members read and
the bytes they expand to count against the budget, so a zip bomb stays cheap: past
a limit, a `not-scanned` problem says what was left out (the scan is then incomplete),
and what could be read is scanned: the first megabyte of a member too large for the
budget, the members before the member limit, every member that is not encrypted.

Data that only looks like an archive (cut short, corrupt, or just a few magic
bytes in front) is decoded like any other content by the other decoders.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

from psguard.decoders.base import NO_CHECKS, Budget, Decoded
from psguard.models import Origin

TYPE_CHECKING = False
if TYPE_CHECKING:
    import tarfile
    import zipfile

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b\x08"
XZ_MAGIC = b"\xfd7zXZ\x00"
BZIP2_MAGIC = b"BZh"  # then the block size digit and the block magic 1AY&SY
_MAGICS = (ZIP_MAGIC, GZIP_MAGIC, XZ_MAGIC, BZIP2_MAGIC)


def archive_kind(data: bytes) -> str | None:
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if data.startswith(XZ_MAGIC):
        return "xz"
    if data.startswith(BZIP2_MAGIC) and data[4:10] == b"1AY&SY":
        return "bzip2"
    if len(data) >= 512 and data[257:262] == b"ustar":
        return "tar"
    return None


class ArchiveDecoder:
    """The members of a zip or tar archive, or the content of a gzip stream."""

    needles: tuple[bytes, ...] = ()  # magic bytes are looked for at the start only
    anywhere: tuple[bytes, ...] = ()
    exclusive = True  # the members are the better location than the archive's bytes
    checks = NO_CHECKS  # every needle counts wherever it occurs

    def triggered(self, data: bytes, start: int) -> bool:
        # archive_kind(data) is not None, without the call: this runs for every chunk.
        return data.startswith(_MAGICS) or (len(data) >= 512 and data[257:262] == b"ustar")

    def __call__(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        kind = archive_kind(data)
        if kind == "zip":
            yield from zip_members(data, origin, budget)
        elif kind == "gzip":
            yield from gunzip(data, origin, budget)
        elif kind in ("xz", "bzip2"):
            yield from decompress_stream(kind, data, origin, budget)
        elif kind == "tar":
            yield from tar_members(data, origin, budget)


def _take_member(origin: Origin, budget: Budget, name: str) -> bool:
    if budget.members >= budget.limits.max_members:
        budget.problem(origin, f"more than {budget.limits.max_members} archive members; "
                               f"{name} and the rest were not scanned")
        return False
    budget.members += 1
    return True


def zip_members(data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
    import zipfile  # only archives pay for it (the pre-commit hook's clean path does not)

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        # Its bytes are scanned as they are, but compressed members stay unread.
        budget.problem(origin, f"zip archive could not be read ({exc}); its compressed "
                               "content was not scanned")
        return
    with zf:
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename
            if not _take_member(origin, budget, name):
                return
            if info.flag_bits & 0x1:
                # Its name (stored in the clear) is scanned with the archive's bytes,
                # and so are the other members.
                budget.problem(origin, f"zip member {name} is encrypted; its content was "
                                       "not scanned (its name and the other members were)")
                continue
            content = _read_zip_member(zf, info, origin, budget)
            if content is not None:
                budget.expanded += len(content)
                yield Decoded(content, f"zip:{name}")


def _read_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, origin: Origin,
                     budget: Budget) -> bytes | None:
    """The member's content; only its first bytes (and a problem) when it does not fit
    the budget; None (and a problem) when it cannot be read."""
    import zipfile

    name = info.filename
    room = budget.remaining
    want = room + 1 if info.file_size <= room else min(room, budget.limits.partial)
    try:
        with zf.open(info) as fh:
            content = fh.read(want)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, zlib.error) as exc:
        budget.problem(origin, f"zip member {name} could not be read ({exc}); not scanned")
        return None
    if want <= room or len(content) > room:  # declared, or found, larger than the room
        content = content[:min(room, budget.limits.partial)]
        budget.problem(origin, f"zip member {name} expands beyond the decode budget; only "
                               f"its first {len(content)} bytes were scanned")
    return content


def gunzip(data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
    """The content of a gzip file: every member (`cat a.gz b.gz` is one file to gunzip)."""
    out = bytearray()
    rest = data
    while rest.startswith(GZIP_MAGIC):
        room = budget.remaining - len(out)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            piece = inflater.decompress(rest, room + 1)
        except zlib.error as exc:
            budget.problem(origin, f"gzip stream could not be read ({exc}); only what "
                                   "came before the damage was scanned")
            break
        if len(piece) > room or inflater.unconsumed_tail:
            budget.problem(origin, "gzip stream expands beyond the decode budget; only the "
                                   f"first {len(out) + room} bytes were scanned")
            out += piece[:room]
            break
        out += piece
        if not inflater.eof:
            break  # cut short: what there was is scanned, nothing was held back
        rest = inflater.unused_data
    budget.expanded += len(out)
    yield Decoded(bytes(out), "gzip")


def decompress_stream(kind: str, data: bytes, origin: Origin, budget: Budget
                      ) -> Iterator[Decoded]:
    """An xz or bzip2 stream, inflated at most to the budget (like gunzip)."""
    import bz2  # only such streams pay for them
    import lzma

    room = budget.remaining
    inflater = lzma.LZMADecompressor() if kind == "xz" else bz2.BZ2Decompressor()
    try:
        out = inflater.decompress(data, room + 1)
    except (lzma.LZMAError, OSError, EOFError, ValueError) as exc:
        budget.problem(origin, f"{kind} stream could not be read ({exc}); scanned as bytes")
        return
    if len(out) > room or (not inflater.needs_input and not inflater.eof):
        budget.problem(origin, f"{kind} stream expands beyond the decode budget; only the "
                               f"first {room} bytes were scanned")
        out = out[:room]
    budget.expanded += len(out)
    yield Decoded(out, kind)


def tar_members(data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
    """The members of an (uncompressed) tar archive, sliced from its bytes: a member
    cut short (a truncated file) is scanned as far as it goes."""
    import tarfile

    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115
    except (tarfile.TarError, OSError, EOFError) as exc:
        budget.problem(origin, f"tar archive could not be read ({exc}); scanned as bytes",
                       incomplete=False)  # uncompressed: its bytes hold everything
        return
    with tf:
        while True:
            try:
                member = tf.next()
            except (tarfile.TarError, OSError, EOFError) as exc:
                budget.problem(origin, f"tar archive could not be read further ({exc}); the "
                                       "rest was scanned as bytes", incomplete=False)
                return
            if member is None:
                return
            if not member.isfile():
                continue
            if not _take_member(origin, budget, member.name):
                return
            content = _tar_member(data, member, origin, budget)
            budget.expanded += len(content)
            yield Decoded(content, f"tar:{member.name}")
            if member.offset_data + member.size > len(data):
                return  # cut short: nothing follows it


def _tar_member(data: bytes, member: tarfile.TarInfo, origin: Origin, budget: Budget
                ) -> bytes:
    start = member.offset_data
    size = member.size
    room = budget.remaining
    if size > room:
        size = min(room, budget.limits.partial)
        budget.problem(origin, f"tar member {member.name} is {member.size} bytes, beyond "
                               f"the decode budget; only its first {size} bytes were scanned")
    content = data[start:start + size]
    if len(content) < min(size, member.size):
        budget.problem(origin, f"tar member {member.name} is cut short ({len(content)} of "
                               f"{member.size} bytes present); scanned as far as it goes",
                       incomplete=False)
    return content
