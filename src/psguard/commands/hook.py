"""`psguard hook NAME`: the entry points git (or the pre-commit framework) runs."""

from __future__ import annotations

import argparse
from pathlib import Path

HOOK_NAMES = ("pre-commit", "pre-push", "commit-msg")
DESCRIPTION = (
    "Run one git hook's check. pre-commit scans the staged changes; pre-push scans the "
    "commits not yet on the remote (git's hook input on standard input, or the pre-commit "
    "framework's PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF); commit-msg scans the message "
    "file. Exit codes: 0 go ahead, 1 blocked by a finding, 2 blocked because the check "
    "could not run (fail closed).")


def add_arguments(hook: argparse.ArgumentParser) -> None:
    hook.add_argument("hook_name", choices=HOOK_NAMES, metavar="HOOK",
                      help="pre-commit, pre-push or commit-msg")
    hook.add_argument("hook_args", nargs="*", metavar="ARG",
                      help="what git passes: pre-push REMOTE URL; commit-msg MESSAGE_FILE; "
                           "pre-commit: file names to check as well (the pre-commit "
                           "framework passes them)")
    hook.add_argument("--config", type=Path, metavar="FILE", help="config file")
    hook.add_argument("--fail-on", action="append", default=[], metavar="STATUSES",
                      help="verification statuses that block (default: any)")
    hook.add_argument("--show-secrets", action="store_true",
                      help="print raw keys in the message (never the default)")


def run(args: argparse.Namespace) -> int:
    from psguard.hooks.common import Verdict, fail_closed

    name: str = args.hook_name

    def check() -> Verdict:
        from psguard.errors import UsageError

        if name == "pre-commit":
            from psguard.hooks import precommit

            return precommit.check(Path("."), fail_on=args.fail_on, config=args.config,
                                   show_secrets=args.show_secrets, files=args.hook_args)
        if name == "pre-push":
            from psguard.hooks import prepush

            return prepush.check(Path("."), args.hook_args, fail_on=args.fail_on,
                                 config=args.config, show_secrets=args.show_secrets)
        from psguard.hooks import commitmsg

        if not args.hook_args:
            raise UsageError("commit-msg needs the message file git passes to the hook")
        return commitmsg.check(Path(args.hook_args[0]), fail_on=args.fail_on,
                               config=args.config, show_secrets=args.show_secrets)

    return fail_closed(name, check)
