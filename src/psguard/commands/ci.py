"""`psguard ci`: the CI gate; finds the pull request's or push's commits itself."""

from __future__ import annotations

import argparse
from pathlib import Path

from psguard.commands.namespace import convention_kwargs
from psguard.commands.options import (
    add_convention_options,
    add_scan_options,
    local_path,
)

DESCRIPTION = (
    "Scan what a pull request, merge request or push adds. The range is found from GitHub "
    "Actions (GITHUB_EVENT_PATH) or GitLab CI (CI_MERGE_REQUEST_DIFF_BASE_SHA, "
    "CI_COMMIT_BEFORE_SHA) variables, or given with --range. On GitHub Actions annotations "
    "go to standard output and a Markdown summary to $GITHUB_STEP_SUMMARY. psguard's "
    "config, ignore file and baseline are read from the base of the change, never from "
    "the change, and a change to them is reported. Exit codes as for psguard scan.")


def add_arguments(ci: argparse.ArgumentParser) -> None:
    ci.add_argument("path", nargs="?", type=local_path, default=Path("."),
                    help="repository (default: .)")
    ci.add_argument("--range", dest="rev_range", metavar="A..B",
                    help="scan this range instead of detecting it")
    ci.add_argument("--no-fetch", action="store_true",
                    help="never run git fetch to complete a shallow clone")
    ci.add_argument("--summary", type=Path, metavar="FILE",
                    help="also write a Markdown summary here (default on GitHub: "
                         "$GITHUB_STEP_SUMMARY)")
    ci.add_argument("--baseline", type=Path, metavar="FILE",
                    help="report only findings not recorded in this baseline "
                         "(see 'psguard baseline')")
    ci.add_argument("--allow-incomplete", action="store_true",
                    help="pass (exit 0, with a warning) when the scan could not read "
                         "everything and found nothing blocking; by default that fails "
                         "(exit 3)")
    add_scan_options(ci)
    add_convention_options(ci)
    for action in ci._actions:
        if action.dest == "fmt":
            action.default = None
            action.help = ("report format (default: github on GitHub Actions, text "
                           "elsewhere); html: one self-contained page, e.g. a job "
                           "artifact")


def run(args: argparse.Namespace) -> int:
    from psguard.ci.gate import ci_command

    return ci_command(args, conventions=convention_kwargs(args))
