"""Argument parsing only: every command's logic lives in psguard.pipeline and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from psguard.version import __version__
from psguard.errors import PsguardError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn

REPORT_FORMATS = ["text", "json", "sarif", "junit", "github", "markdown"]
CONFIDENCES = ["low", "medium", "high"]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        from psguard.models import scrub_keys  # argparse quotes what it rejects

        self.exit(2, f"{self.prog}: error: {scrub_keys(message)} (see '{self.prog} --help')\n")


def _add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", dest="fmt", choices=REPORT_FORMATS, default="text",
                   help="report format (default: text)")
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.add_argument("--show-secrets", action="store_true",
                   help="print raw keys in reports (never the default)")


def _add_verify_options(p: argparse.ArgumentParser, *, switch: bool = True) -> None:
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
    """The ScanOptions fields set by _add_verify_options (for every scanning command)."""
    return {"verify": getattr(args, "verify", False),
            "endpoints": getattr(args, "endpoints", []),
            "verify_timeout": getattr(args, "verify_timeout", None),
            "verify_deadline": getattr(args, "verify_deadline", None)}


def _add_target_options(p: argparse.ArgumentParser, *, stdin: bool) -> None:
    """PATH and the mutually exclusive modes: what `scan` and `baseline` read."""
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
    _add_report_options(p)
    _add_verify_options(p)
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


SCAN_DESCRIPTION = ("Scan for Poolside API keys. Exit codes: 0 nothing to report, 1 findings "
                    "that block, 2 usage or configuration error, 3 incomplete scan.")
VERIFY_DESCRIPTION = (
    "Check keys read from standard input (one a line; never from the command line, where "
    "shell history and process lists would see them) against the Poolside API and print "
    "each key's redacted form and status: live, rejected, unknown or not_checked. Exit "
    "codes: 0 none in --fail-on (default: live), 1 some, 2 usage or configuration error.")
BASELINE_DESCRIPTION = (
    "Scan like 'psguard scan' and write the findings (sha256 of each key and where it was "
    "seen; never a raw key) to a JSON baseline. 'psguard scan --baseline FILE' then reports "
    "only keys, or places, that are not in it.")


def _add_scan_arguments(scan: argparse.ArgumentParser) -> None:
    _add_target_options(scan, stdin=True)
    scan.add_argument("--no-cache", action="store_true",
                      help="do not read or write the caches (history blobs, verification "
                           "results)")
    add_scan_options(scan)
    scan.add_argument("--baseline", type=Path, metavar="FILE",
                      help="report only findings not recorded in this baseline "
                           "(see 'psguard baseline')")


def _add_verify_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("keys", nargs="*", help=argparse.SUPPRESS)
    verify.add_argument("--format", dest="fmt", choices=["text", "json"], default="text",
                        help="output format (default: text)")
    verify.add_argument("--no-cache", action="store_true",
                        help="do not read or write cached verification results")
    verify.add_argument("--fail-on", action="append", default=[], metavar="STATUSES",
                        help="statuses that make the exit code 1 (default: live)")
    _add_verify_options(verify, switch=False)


def _add_baseline_arguments(base: argparse.ArgumentParser) -> None:
    actions = base.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    for action, text in (("create", "write a new baseline (refuses to overwrite one)"),
                         ("update", "rewrite the baseline with today's findings")):
        _add_baseline_options(actions.add_parser(
            action, help=text, description=f"{BASELINE_DESCRIPTION} {text}."))


# name: (one-line help, description, adds the command's arguments)
Command = tuple[str, str, "Callable[[argparse.ArgumentParser], None]"]
COMMANDS: dict[str, Command] = {
    "scan": ("scan a working tree, staged changes, a commit range, the history or stdin",
             SCAN_DESCRIPTION, _add_scan_arguments),
    "baseline": ("record today's findings so that only new ones fail", BASELINE_DESCRIPTION,
                 _add_baseline_arguments),
    "verify": ("verify keys read from standard input, one a line", VERIFY_DESCRIPTION,
               _add_verify_arguments),
}


def build_parser(only: str | None = None) -> Parser:
    """The command line. With `only`, the other commands are listed but get no
    arguments: every add_argument costs, and a commit hook should not pay for all."""
    from psguard.hooks.commands import HOOK_COMMANDS

    parser = Parser(prog="psguard",
                    description="Find Poolside API keys (ps-…) in files and git history.")
    parser.add_argument("--version", action="version", version=f"psguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for name, (summary, description, add_arguments) in {**COMMANDS, **HOOK_COMMANDS}.items():
        sub = commands.add_parser(name, help=summary, description=description)
        if only is None or only == name:
            add_arguments(sub)
    return parser


def _scan(args: argparse.Namespace) -> int:
    from psguard.pipeline import ScanOptions, scan_command

    mode = args.mode or ("range" if args.rev_range or args.since else "worktree")
    opts = ScanOptions(
        path=args.path, mode=mode, rev_range=args.rev_range, since=args.since, fmt=args.fmt,
        output=args.output, show_secrets=args.show_secrets, config=args.config,
        min_confidence=args.min_confidence, fail_on=args.fail_on, no_cache=args.no_cache,
        no_repo_config=args.no_repo_config, **verify_kwargs(args),  # type: ignore[arg-type]
    )
    opts.baseline = args.baseline
    return scan_command(opts)


def _add_baseline_options(p: argparse.ArgumentParser) -> None:
    _add_target_options(p, stdin=False)
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help="baseline file (default: .psguard-baseline.json at the "
                        "repository root)")
    p.add_argument("--config", type=Path, metavar="FILE", help="config file")
    p.add_argument("--no-repo-config", action="store_true",
                   help="ignore config files inside the scanned repository")
    p.add_argument("--min-confidence", choices=CONFIDENCES,
                   help="lowest confidence recorded (default: medium)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the caches")


def _baseline(args: argparse.Namespace) -> int:
    from psguard.pipeline import ScanOptions
    from psguard.stages.baseline import baseline_command

    mode = args.mode or ("range" if args.rev_range or args.since else "worktree")
    opts = ScanOptions(path=args.path, mode=mode, rev_range=args.rev_range, since=args.since,
                       config=args.config, min_confidence=args.min_confidence,
                       no_cache=args.no_cache, no_repo_config=args.no_repo_config)
    return baseline_command(args.action, opts, args.output)


def _verify(args: argparse.Namespace) -> int:
    from psguard.errors import UsageError
    from psguard.stages.policy import parse_fail_on
    from psguard.verify.run import VerifyRequest, verify_command

    if args.keys:
        # Never echo them: they are probably keys.
        raise UsageError("psguard verify reads keys from standard input, one a line, never "
                         "from the command line (shell history and process lists would "
                         "see them): psguard verify < keys.txt")
    fail_on = parse_fail_on(args.fail_on) if args.fail_on else {"live"}
    req = VerifyRequest(endpoints=args.endpoints, timeout=args.verify_timeout,
                        deadline=args.verify_deadline, no_cache=args.no_cache)
    return verify_command(req, args.fmt, fail_on)


def _hooks(args: argparse.Namespace) -> int:
    from psguard.hooks.commands import run

    return run(args)


HANDLERS = {
    "scan": _scan,
    "baseline": _baseline,
    "verify": _verify,
    "hook": _hooks,
    "install": _hooks,
    "ci": _hooks,
}


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    args = build_parser(only=given[0] if given else None).parse_args(given)
    try:
        return HANDLERS[args.command](args)
    except PsguardError as exc:
        from psguard.models import scrub_keys  # messages may quote config values

        print(f"psguard: error: {scrub_keys(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("psguard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
