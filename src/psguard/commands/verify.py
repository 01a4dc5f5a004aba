"""`psguard verify`: keys from standard input, never from the command line."""

from __future__ import annotations

import argparse

from psguard.commands.options import add_verify_options
from psguard.errors import UsageError

DESCRIPTION = (
    "Check keys read from standard input (one a line; never from the command line, where "
    "shell history and process lists would see them) against the Poolside API and print "
    "each key's redacted form and status: live, rejected, unknown or not_checked. Exit "
    "codes: 0 none in --fail-on (default: live), 1 some, 2 usage or configuration error.")


def add_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("keys", nargs="*", help=argparse.SUPPRESS)
    verify.add_argument("--format", dest="fmt", choices=["text", "json"], default="text",
                        help="output format (default: text)")
    verify.add_argument("--no-cache", action="store_true",
                        help="do not read or write cached verification results")
    verify.add_argument("--fail-on", action="append", default=[], metavar="STATUSES",
                        help="statuses that make the exit code 1 (default: live)")
    add_verify_options(verify, switch=False)


def run(args: argparse.Namespace) -> int:
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
