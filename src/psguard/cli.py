"""The command line: argparse wired to one module a command (psguard.commands)."""

from __future__ import annotations

import sys

from psguard.commands import COMMANDS
from psguard.commands.namespace import quick_parse
from psguard.errors import PsguardError, Terminated
from psguard.escape import terminal
from psguard.models import scrub_keys
from psguard.startup import lean_pathlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    import signal
    from types import ModuleType

    from psguard.commands.options import Parser
else:
    # signal's own module turns every signal number into an enum member at import
    # (about 3 ms of a clean hook run); _signal is the C module under it, same calls.
    import _signal as signal


def _command(name: str) -> ModuleType:
    # __import__, not importlib.import_module: importlib brings warnings with it
    module = f"psguard.commands.{name}"
    __import__(module)
    return sys.modules[module]


def build_parser(only: str | None = None) -> Parser:
    """The command line. With `only`, the other commands are listed but their modules
    are not imported and get no arguments: a commit hook should not pay for them all."""
    from psguard.commands.options import Parser
    from psguard.version import __version__

    parser = Parser(prog="psguard",
                    description="Find Poolside API keys (ps-…) in files and git history.")
    parser.add_argument("--version", action="version", version=f"psguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for name, summary in COMMANDS.items():
        if only is None or only == name:
            module = _command(name)
            sub = commands.add_parser(name, help=summary, description=module.DESCRIPTION)
            module.add_arguments(sub)
        else:
            commands.add_parser(name, help=summary)
    return parser


def _stop_everything() -> None:
    """What a SIGTERM left running: git walks, and the workers (each kills its readers
    on the SIGTERM it gets here)."""
    import multiprocessing

    from psguard.git.children import stop_children

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut this short
    stop_children()
    workers = multiprocessing.active_children()
    for proc in workers:
        proc.terminate()
    for proc in workers:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def parse(given: list[str]) -> argparse.Namespace:
    """The arguments; an unknown one is reported by the command's own parser, so the
    hint names that command's help (`psguard scan --help`), where the options are."""
    parser = build_parser(only=given[0] if given else None)
    args, extra = parser.parse_known_args(given)
    if extra:
        sub = parser.subcommand(args.command) or parser
        sub.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    """The program (the console script, `python -m psguard`): argv None, sys.argv is
    read, and the process may end here (_exit_now); with argv, a call that returns."""
    code = _main(sys.argv[1:] if argv is None else argv)
    if argv is None:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """End the process now, skipping the interpreter's teardown (freeing every module
    and object: about 8 ms of a clean pre-commit run), when nothing is left for it to
    do: no exit callback registered, no thread or worker process module imported, the
    output flushed. Otherwise return, and Python exits as it always does."""
    import atexit

    pending = getattr(atexit, "_ncallbacks", None)
    if pending is None or pending() or {"threading", "multiprocessing"} & sys.modules.keys():
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # reported by Python's own exit, as before
    import os

    os._exit(code)


def _main(given: list[str]) -> int:
    lean_pathlib()  # before any command's module imports pathlib
    # SIGTERM (CI cancelling a job, a timeout) unwinds like Ctrl-C: readers kill their
    # git processes; the worker processes (forked: same handler) do the same for theirs.
    try:  # noqa: SIM105 (contextlib: one more import for every hook run)
        signal.signal(signal.SIGTERM, _terminate)
    except ValueError:
        pass  # not the main thread (main() called from a thread): signals stay as they are
    try:
        if given and given[0] in COMMANDS:
            # a command may need to read its own argv first (hook: file names as options)
            prepare = getattr(_command(given[0]), "prepare_argv", None)
            given = prepare(given) if prepare else given
        # the hooks' common command lines without argparse (commands/namespace.py)
        args = quick_parse(given) or parse(given)
        code: int = _command(args.command).run(args)
        return code
    except PsguardError as exc:
        # messages may quote config values, paths and git's own words
        print(f"psguard: error: {terminal(scrub_keys(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("psguard: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        _stop_everything()
        print("psguard: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0
