"""Parsed arguments without argparse: what the commands read from them, and the
hooks' common command lines parsed directly.

Importing argparse, building the `scan` or `hook` parser and the modules that come
with it (gettext, locale, shutil with zlib, bz2 and lzma) cost a clean pre-commit run
about as much as its scan. The hook runs the same few command lines on every commit,
so `quick_parse` reads exactly those (no abbreviations, no option it does not know)
into the namespace argparse would have made; anything else returns None and goes to
argparse, which also writes every usage error and --help. A test compares the two on
each form read here, so a new option's default cannot drift.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace
    from pathlib import Path
    from typing import Any

# `scan` flags read here (store_true); others (and any value) go to argparse
_SCAN_FLAGS = {"--show-secrets": "show_secrets", "--verify": "verify",
               "--no-repo-config": "no_repo_config", "--no-cache": "no_cache",
               "--quiet": "quiet", "-q": "quiet", "--no-color": "no_color",
               "--exit-zero": "exit_zero", "--explain": "explain"}
# `hook` flags; --config, --fail-on and --settings take values: argparse reads them
_HOOK_FLAGS = {"--show-secrets": "show_secrets", "--allow-incomplete": "allow_incomplete",
               "--no-repo-config": "no_repo_config"}


def quick_parse(argv: list[str]) -> Namespace | None:
    """The namespace of `scan --staged [FLAGS] [PATH]` or of `hook [FLAGS] pre-commit
    [-- FILES]` (after hook.prepare_argv), as argparse would parse it; None for
    anything else."""
    if argv[:1] == ["scan"]:
        return _scan(argv[1:])
    if argv[:1] == ["hook"]:
        return _hook(argv[1:])
    return None


def _scan(tokens: list[str]) -> Namespace | None:
    fields: dict[str, Any] = {
        "command": "scan", "path": ".", "mode": None, "rev_range": None, "since": None,
        "mirror_dir": None, "no_cache": False, "fmt": "text", "output": None,
        "show_secrets": False, "verify": False, "endpoints": [], "verify_timeout": None,
        "verify_deadline": None, "config": None, "no_repo_config": False,
        "min_confidence": None, "fail_on": [], "quiet": False, "verbose": False,
        "no_color": False, "exclude": [], "include": [], "exit_zero": False,
        "write_replacements": None, "baseline": None, "explain": False}
    path: str | None = None
    for token in tokens:
        if token == "--staged":
            fields["mode"] = "staged"
        elif token in _SCAN_FLAGS:
            fields[_SCAN_FLAGS[token]] = True
        elif token.startswith("-") or path is not None:
            return None  # an option with a value, an abbreviation, "--", a second PATH
        else:
            path = token
    if fields["mode"] != "staged":
        return None
    if path is not None:
        fields["path"] = path
    return _namespace(fields)


def _hook(tokens: list[str]) -> Namespace | None:
    fields: dict[str, Any] = {
        "command": "hook", "hook_name": None, "hook_args": [], "config": None,
        "fail_on": [], "settings": None, "show_secrets": False,
        "allow_incomplete": False, "no_repo_config": False}
    for index, token in enumerate(tokens):
        if token in _HOOK_FLAGS:
            fields[_HOOK_FLAGS[token]] = True
        elif token == "pre-commit" and fields["hook_name"] is None:
            fields["hook_name"] = token
        elif token == "--" and fields["hook_name"] is not None:
            rest = tokens[index + 1:]
            if "--" in rest:
                return None  # argparse's own reading of a second "--"
            fields["hook_args"] = rest
            break
        else:
            return None
    return _namespace(fields) if fields["hook_name"] is not None else None


def _namespace(fields: dict[str, Any]) -> Namespace:
    # A SimpleNamespace reads like argparse.Namespace: attributes, vars(), ==.
    made: Any = SimpleNamespace(**fields)
    return made  # type: ignore[no-any-return]


def verify_kwargs(args: Namespace) -> dict[str, object]:
    """The ScanRequest fields set by options.add_verify_options (every scanning command)."""
    return {"verify": getattr(args, "verify", False),
            "endpoints": getattr(args, "endpoints", []),
            "verify_timeout": getattr(args, "verify_timeout", None),
            "verify_deadline": getattr(args, "verify_deadline", None)}


def convention_kwargs(args: Namespace) -> dict[str, object]:
    """The ScanRequest fields options.add_convention_options sets; --no-color also turns colour
    off for what is not a report (rich's progress bar on stderr)."""
    if args.no_color:
        os.environ["NO_COLOR"] = "1"
    return {"exclude": args.exclude, "include": args.include, "quiet": args.quiet,
            "report_only": args.exit_zero}


def mirror_dir(given: Path | None) -> Path:
    from psguard.usercache import cache_dir

    return given if given is not None else cache_dir() / "mirrors"
