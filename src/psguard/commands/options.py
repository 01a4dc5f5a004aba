"""Arguments that several commands share, and the parser class they all use."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from psguard.escape import terminal
from psguard.models import scrub_keys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

REPORT_FORMATS = ["text", "json", "sarif", "junit", "github", "markdown", "gitlab",
                  "html"]
CONFIDENCES = ["low", "medium", "high"]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        # argparse quotes what it rejects, which may be a key
        self.exit(2, f"{self.prog}: error: {terminal(scrub_keys(message))} "
                     f"(see '{self.prog} --help')\n")

    def subcommand(self, name: str) -> argparse.ArgumentParser | None:
        """The parser of command `name`, when this parser has subcommands."""
        for action in self._subparsers._group_actions if self._subparsers else ():
            if isinstance(action, argparse._SubParsersAction):
                found: argparse.ArgumentParser | None = action.choices.get(name)
                return found
        return None


def add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", "-f", dest="fmt", choices=REPORT_FORMATS, default="text",
                   help="report format (default: text); html is one self-contained page "
                        "to read offline or print (an audit: use it with --output "
                        "report.html)")
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


def add_target_options(p: argparse.ArgumentParser, *, stdin: bool,
                       remote: bool = False) -> None:
    """PATH and the mutually exclusive modes: what `scan` and `baseline` read. With
    `remote`, PATH may be a URL (kept as the string given: a Path would fold `//`)."""
    if remote:
        p.add_argument("path", nargs="?", default=".", metavar="PATH|URL",
                       help="directory or repository to scan (default: .); with --history "
                            "also a remote repository's URL (https, ssh, git, file)")
    else:
        p.add_argument("path", nargs="?", type=local_path, default=Path("."),
                       help="directory or repository to scan (default: .)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--staged", dest="mode", action="store_const", const="staged",
                      help="what the index would add to HEAD (a commit about to be made)")
    mode.add_argument("--history", dest="mode", action="store_const", const="history",
                      help="every blob and message reachable from any ref")
    mode.add_argument("--range", dest="rev_range", metavar="A..B", type=range_spec,
                      help="what the commits in A..B add (A...B and REV^! too)")
    mode.add_argument("--since", metavar="REV", help="what the commits after REV add")
    if stdin:
        mode.add_argument("--stdin", dest="mode", action="store_const", const="stdin",
                          help="scan standard input")


def local_path(value: str) -> Path:
    """PATH is a directory here: a URL (which Path() would also mangle, `https:/…`) is
    named as given, with what to do instead."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value) or re.match(r"^[^/]+@[^/:]+:", value):
        shown = terminal(scrub_keys(_no_userinfo(value)))
        raise argparse.ArgumentTypeError(
            f"{shown} is a URL; psguard scans a local repository: clone it first "
            f"(git clone --mirror {shown} repo.git) and scan that "
            "(psguard scan --history repo.git)")
    return Path(value)


def _no_userinfo(url: str) -> str:
    """A URL without the credentials it may carry (never echo a token)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1", url)


def range_spec(value: str) -> str:
    """--range takes a range: a lone REV would silently mean all of its history."""
    if ".." in value or re.search(r"\^(!|-\d*)$", value):
        return value
    shown = terminal(scrub_keys(value))
    raise argparse.ArgumentTypeError(
        f"{shown!r} is a revision, not a range: did you mean {shown}..HEAD or "
        f"--since {shown}?")


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


# --- the conventions users bring from other scanners (issue 20) ------------------------

def add_convention_options(p: argparse.ArgumentParser) -> None:
    """-q/-v, colour, path globs and a report-only exit: what users of other scanners
    expect, on every command that scans a repository (`scan`, `ci`); report.output's
    deliver() and report_only_exit() give them their effect."""
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("--quiet", "-q", action="store_true",
                      help="print nothing but errors and warnings: the exit code (and "
                           "--output FILE) carry the result")
    talk.add_argument("--verbose", "-v", action="store_true",
                      help="also say on stderr what was scanned, how much, and every "
                           "problem, whatever the format")
    p.add_argument("--no-color", action="store_true",
                   help="no colour (also: the NO_COLOR environment variable)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out paths matching GLOB (gitignore syntax, relative to the "
                        "repository root; repeatable; added to the config's exclude)")
    p.add_argument("--include", action="append", default=[], metavar="GLOB",
                   help="scan only paths matching GLOB (gitignore syntax; repeatable); "
                        "messages and objects with no path are still scanned")
    p.add_argument("--exit-zero", action="store_true",
                   help="report only: exit 0 even when findings would fail the run "
                        "(usage errors still exit 2, an incomplete scan 3); stderr and "
                        "the report say so")


def add_mirror_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mirror-dir", type=Path, metavar="DIR",
                   help="where remote repositories are mirror-cloned and fetched again on "
                        "later runs (default: ~/.cache/psguard/mirrors)")
