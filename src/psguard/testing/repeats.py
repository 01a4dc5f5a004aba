"""Files that repeat one key many times, for the scaling test and benchmark."""

from __future__ import annotations

LAYOUTS = ("one-line", "every-line")


def repeated_keys(key: str, size: int, layout: str) -> tuple[bytes, int]:
    """At most `size` bytes repeating `key`, and how many times it occurs: `one-line`
    puts every copy on a single line (a minified bundle, a log without newlines),
    `every-line` one copy a line (a log that prints the key on each request)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    unit = (f"{key} " if layout == "one-line" else f"token = {key}\n").encode()
    count = size // len(unit)
    return unit * count, count
