"""The pack reader's compiled loops, or None for each: the pure-Python twins then.

setup.py builds psguard.git._packloops where a compiler is at hand (optional: a
machine without one installs and runs psguard all the same, slower). Each loop's
Python twin gives the same results; the tests run both. PSGUARD_PACK_LOOPS=python
in the environment asks for the Python loops.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

ApplyDelta = Callable[[bytes, bytes, int], tuple[bytes, list[tuple[int, int]]]]
PackHeaders = Callable[[Any, bytes], tuple[bytes, bytes, bytes, list[int]]]

apply_delta_fresh: ApplyDelta | None = None
pack_headers: PackHeaders | None = None

if os.environ.get("PSGUARD_PACK_LOOPS", "").strip().lower() != "python":
    try:
        from psguard.git import _packloops
    except ImportError:
        pass
    else:
        apply_delta_fresh = _packloops.apply_delta_fresh
        pack_headers = _packloops.pack_headers


def built() -> bool:
    """Whether the compiled loops are in use."""
    return apply_delta_fresh is not None and pack_headers is not None
