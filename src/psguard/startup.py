"""pathlib without urllib.parse at start-up, for the command line.

pathlib imports `urllib.parse` for `Path.as_uri` alone, and urllib.parse brings
ipaddress and warnings with it: about 18 million instructions, an eighth of a clean
pre-commit run (measured with callgrind on a 10-file change in a sqlalchemy clone).
`lean_pathlib` imports pathlib while `urllib.parse` is a stand-in whose names load the
real module when first used; the stand-in is gone from sys.modules once pathlib is
in, so any later `import urllib.parse` gets the real module. Only the CLI calls it
(cli.py, before anything imports pathlib); the library API never does.
"""

from __future__ import annotations

import sys

_PARSE = "urllib.parse"


def lean_pathlib() -> None:
    """Import pathlib now, without urllib.parse; nothing when either is already in."""
    if "pathlib" in sys.modules or _PARSE in sys.modules:
        return
    stand_in = type(sys)(_PARSE)
    stand_in.__dict__.update(quote_from_bytes=_quote_from_bytes, __getattr__=_real_name,
                             psguard_stand_in=True)
    sys.modules[_PARSE] = stand_in
    try:
        import pathlib  # noqa: F401 (what this is for)
    finally:
        if sys.modules.get(_PARSE) is stand_in:
            del sys.modules[_PARSE]


def _quote_from_bytes(bs: bytes, safe: str = "/") -> str:
    """Path.as_uri's one use of urllib.parse, from the real module."""
    quote_from_bytes = _real_name("quote_from_bytes")
    assert callable(quote_from_bytes)
    text: str = quote_from_bytes(bs, safe)
    return text


def _real_name(name: str) -> object:
    """A name of the real urllib.parse (any other name a pathlib may import from it);
    the import system's own questions (`__path__`: is it a package?) are not names."""
    if name.startswith("__"):
        raise AttributeError(name)
    module = sys.modules.get(_PARSE)
    if module is None or module.__dict__.get("psguard_stand_in"):
        sys.modules.pop(_PARSE, None)
        __import__(_PARSE)
        module = sys.modules[_PARSE]
    return getattr(module, name)
