"""Arguments that several commands share, and the parser class they all use."""

from __future__ import annotations

import argparse
from pathlib import Path

from psguard.escape import terminal
from psguard.models import scrub_keys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

REPORT_FORMATS = ["text", "json", "sarif", "junit", "github", "markdown"]
CONFIDENCES = ["low", "medium", "high"]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        # argparse quotes what it rejects, which may be a key
        self.exit(2, f"{self.prog}: error: {terminal(scrub_keys(message))} "
                     f"(see '{self.prog} --help')\n")


def add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", dest="fmt", choices=REPORT_FORMATS, default="text",
                   help="report format (default: text)")
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.add_argument("--show-secrets", action="store_true",
                   help="print raw keys in reports (never the default)")


def add_verify_options(p: argparse.ArgumentParser, *, switch: bool = True) -> None:
    if switch:
        p.add_argument("--verify", action="store_true",
                       help="check each unique key against the Poolside API (GET /models); "
                            "keys go only to the endpoints you configure")
    p.add_argument("--endpoint", dest="endpoints", action="append", default=[],
                   metavar="URL",
                   help="API base URL to verify against, e.g. https://inference.poolside.ai/v1 "
                        "or https://<your-api-domain>/openai/v1 (repeatable; default: "
                        "$PSGUARD_ENDPOINTS, then [verify] endpoints in "
                        "~/.config/psguard/config.toml, then Poolside-hosted inference)")
    p.add_argument("--verify-timeout", type=float, metavar="SECONDS",
                   help="connect and read timeout per request (default: 10)")
    p.add_argument("--verify-deadline", type=float, metavar="SECONDS",
                   help="time for the whole verification; keys not answered by then are "
                        "unknown (default: 60)")


def verify_kwargs(args: argparse.Namespace) -> dict[str, object]:
    """The ScanRequest fields set by _add_verify_options (for every scanning command)."""
    return {"verify": getattr(args, "verify", False),
            "endpoints": getattr(args, "endpoints", []),
            "verify_timeout": getattr(args, "verify_timeout", None),
            "verify_deadline": getattr(args, "verify_deadline", None)}


def add_target_options(p: argparse.ArgumentParser, *, stdin: bool,
                       remote: bool = False) -> None:
    """PATH and the mutually exclusive modes: what `scan` and `baseline` read. With
    `remote`, PATH may be a URL (kept as the string given: a Path would fold `//`)."""
    if remote:
        p.add_argument("path", nargs="?", default=".", metavar="PATH|URL",
                       help="directory or repository to scan (default: .); with --history "
                            "also a remote repository's URL (https, ssh, git, file)")
    else:
        p.add_argument("path", nargs="?", type=Path, default=Path("."),
                       help="directory or repository to scan (default: .)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--staged", dest="mode", action="store_const", const="staged",
                      help="what the index would add to HEAD (a commit about to be made)")
    mode.add_argument("--history", dest="mode", action="store_const", const="history",
                      help="every blob and message reachable from any ref")
    mode.add_argument("--range", dest="rev_range", metavar="A..B",
                      help="what the commits in A..B add")
    mode.add_argument("--since", metavar="REV", help="what the commits after REV add")
    if stdin:
        mode.add_argument("--stdin", dest="mode", action="store_const", const="stdin",
                          help="scan standard input")


def add_scan_options(p: argparse.ArgumentParser) -> None:
    """Report, verification and config options: every command that scans has them."""
    add_report_options(p)
    add_verify_options(p)
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="config file (default: .psguard.toml or [tool.psguard] in "
                        "pyproject.toml at the repository root)")
    p.add_argument("--no-repo-config", action="store_true",
                   help="ignore config files inside the scanned repository "
                        "(for audits of repositories you do not trust)")
    p.add_argument("--min-confidence", choices=CONFIDENCES,
                   help="lowest confidence reported (default: medium)")
    p.add_argument("--fail-on", action="append", default=[], metavar="STATUSES",
                   help="verification statuses that fail the run, e.g. live,unknown "
                        "(default: any)")


def add_mirror_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mirror-dir", type=Path, metavar="DIR",
                   help="where remote repositories are mirror-cloned and fetched again on "
                        "later runs (default: ~/.cache/psguard/mirrors)")


def mirror_dir(given: Path | None) -> Path:
    from psguard.usercache import cache_dir

    return given if given is not None else cache_dir() / "mirrors"
