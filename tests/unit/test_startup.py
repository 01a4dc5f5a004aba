"""psguard.startup: pathlib imported without urllib.parse, and nothing else changed:
Path.as_uri works, and urllib.parse imported later is the real module."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
from psguard.startup import lean_pathlib
lean_pathlib()
assert "pathlib" in sys.modules and "urllib.parse" not in sys.modules
assert "ipaddress" not in sys.modules
import pathlib
assert pathlib.Path("/tmp/a b").as_uri() == "file:///tmp/a%20b"
import urllib.parse
assert urllib.parse.__file__.endswith("parse.py")
assert urllib.parse.urlsplit("https://host/x").netloc == "host"
from urllib.parse import quote_from_bytes
assert quote_from_bytes(b"a b") == "a%20b"
lean_pathlib()  # a second call changes nothing
print("ok")
"""


def _run(code: str) -> str:
    """In a new interpreter: what sys.modules holds is the point."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_pathlib_comes_without_urllib_parse_and_both_work() -> None:
    assert _run(CHECK) == "ok"


def test_urllib_parse_imported_first_is_left_alone() -> None:
    code = ("import sys, urllib.parse; real = urllib.parse\n"
            "from psguard.startup import lean_pathlib; lean_pathlib()\n"
            "import pathlib\n"
            "assert sys.modules['urllib.parse'] is real\n"
            "print(pathlib.Path('/x y').as_uri())")
    assert _run(code) == "file:///x%20y"
