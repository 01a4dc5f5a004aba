"""One module a command: each has DESCRIPTION, add_arguments(parser) and
run(args) -> exit code. cli.py wires argparse to them and holds no logic."""

# name -> what `psguard --help` says of it, in the order it lists them
COMMANDS = {
    "scan": "scan a working tree, staged changes, a commit range, the history or stdin",
    "audit": "audit the history of many repositories (Dask distributed)",
    "baseline": "record today's findings so that only new ones fail",
    "verify": "verify keys read from standard input, one a line",
    "hook": "entry points for git hooks: pre-commit, pre-push, commit-msg, pre-receive",
    "install": "install native git hooks (without the pre-commit framework)",
    "ci": "the CI gate: scan the pull request's or push's commits",
}
