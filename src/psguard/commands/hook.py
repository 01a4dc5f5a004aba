"""`psguard hook NAME`: the entry points git (or the pre-commit framework) runs."""

from __future__ import annotations

import os
from pathlib import Path

from psguard.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

CLIENT_HOOKS = ("pre-commit", "pre-push", "commit-msg")
HOOK_NAMES = (*CLIENT_HOOKS, "pre-receive")
DESCRIPTION = (
    "Run one git hook's check. pre-commit scans the staged changes; pre-push scans the "
    "commits not yet on the remote (git's hook input on standard input, or the pre-commit "
    "framework's PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF); commit-msg scans the message "
    "file; pre-receive, on a git server, scans what a push brings (settings from the "
    "server's git config psguard.*, never from the push). Exit codes: 0 go ahead, 1 "
    "blocked by a finding, 2 blocked because the check could not run (fail closed), 3 "
    "blocked because the scan could not read everything (see --allow-incomplete; "
    "pre-receive: unless bypassed).")


# The hook's own options and whether each takes a value. prepare_argv reads this to tell
# options from the file names the pre-commit framework appends (with no `--` before them).
OPTIONS_WITH_VALUE = frozenset({"--config", "--fail-on", "--settings"})
OPTION_FLAGS = frozenset({"--show-secrets", "--allow-incomplete", "--no-repo-config", "-h",
                          "--help"})


def prepare_argv(argv: list[str]) -> list[str]:
    """`hook [OPTIONS] NAME [OPTIONS] [ARGS]` rewritten as `hook OPTIONS NAME -- ARGS`.

    The framework runs `entry + args + file names`, so a staged file called `-h` or
    `--show-secrets` would otherwise be read as an option. A token is an option only if it
    is one of ours spelled out in full and names no existing path; the first token that is
    not (a path, a plain name, `--`) starts the arguments. An unknown option that is not a
    path is a usage error: the hook blocks rather than guess.
    """
    command, tokens = argv[:1], argv[1:]
    options: list[str] = []
    name: str | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "--" and name is not None:
            break
        if _is_option(token):
            options.append(token)
            if token in OPTIONS_WITH_VALUE and index < len(tokens):
                options.append(tokens[index])
                index += 1
        elif name is None and not token.startswith("-"):
            name = token
        else:
            index -= 1
            break
    if name is None:
        return argv  # argparse says what is missing
    rest = tokens[index:]
    if rest and rest[0].startswith("-") and not os.path.lexists(rest[0]):
        raise UsageError(f"hook {name}: unknown option {rest[0]!r} (options: "
                         f"{', '.join(sorted(OPTIONS_WITH_VALUE | OPTION_FLAGS))})")
    return [*command, *options, name, "--", *rest]


def _is_option(token: str) -> bool:
    if os.path.lexists(token):
        return False
    spelled = token.split("=", 1)[0] if token.startswith("--") else token
    if "=" in token and spelled in OPTIONS_WITH_VALUE:
        return True
    return token in OPTIONS_WITH_VALUE or token in OPTION_FLAGS


def add_arguments(hook: argparse.ArgumentParser) -> None:
    hook.add_argument("hook_name", choices=HOOK_NAMES, metavar="HOOK",
                      help="pre-commit, pre-push, commit-msg or pre-receive")
    hook.add_argument("hook_args", nargs="*", metavar="ARG",
                      help="what git passes: pre-push REMOTE URL; commit-msg MESSAGE_FILE; "
                           "pre-commit: file names to check as well (the pre-commit "
                           "framework passes them); pre-receive: none")
    hook.add_argument("--config", type=Path, metavar="FILE", help="config file")
    hook.add_argument("--fail-on", action="append", default=[], metavar="STATUSES",
                      help="verification statuses that block (default: any)")
    hook.add_argument("--settings", type=Path, metavar="FILE",
                      help="pre-receive: a file in git config format with psguard.* "
                           "settings (budget, budgetExhausted, allowBypass, bypassLog, "
                           "config, verify, endpoint, failOn); they win over the "
                           "repository's git config")
    hook.add_argument("--show-secrets", action="store_true",
                      help="print raw keys in the message (never the default)")
    hook.add_argument("--allow-incomplete", action="store_true",
                      help="let the change through when the scan could not read everything "
                           "(a file above max_file_size, an archive past a decode limit) "
                           "and found no key; by default that blocks (exit 3)")
    hook.add_argument("--no-repo-config", action="store_true",
                      help="ignore the repository's own psguard files (.psguard.toml, "
                           "[tool.psguard], .psguardignore): only --config applies")


def run(args: argparse.Namespace) -> int:
    from psguard.hooks.common import Verdict, fail_closed

    name: str = args.hook_name

    def check() -> Verdict:
        if args.settings is not None and name != "pre-receive":
            raise UsageError(f"--settings is for the pre-receive hook, not {name}")
        if name == "pre-commit":
            from psguard.hooks import precommit

            return precommit.check(Path("."), fail_on=args.fail_on, config=args.config,
                                   show_secrets=args.show_secrets, files=args.hook_args,
                                   allow_incomplete=args.allow_incomplete,
                                   no_repo_config=args.no_repo_config)
        if name == "pre-push":
            from psguard.hooks import prepush

            return prepush.check(Path("."), args.hook_args, fail_on=args.fail_on,
                                 config=args.config, show_secrets=args.show_secrets,
                                 allow_incomplete=args.allow_incomplete,
                                 no_repo_config=args.no_repo_config)
        if name == "pre-receive":
            from psguard.hooks import prereceive

            if args.show_secrets:
                raise UsageError("pre-receive never shows raw keys: remove --show-secrets")
            return prereceive.check(Path("."), fail_on=args.fail_on, config=args.config,
                                    settings_file=args.settings)
        from psguard.hooks import commitmsg

        if not args.hook_args:
            raise UsageError("commit-msg needs the message file git passes to the hook")
        return commitmsg.check(Path(args.hook_args[-1]), fail_on=args.fail_on,
                               config=args.config, show_secrets=args.show_secrets,
                               allow_incomplete=args.allow_incomplete,
                               no_repo_config=args.no_repo_config)

    return fail_closed(name, check)
