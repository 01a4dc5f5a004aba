"""`psguard audit`: the history of many repositories, one Dask task each."""

from __future__ import annotations

import argparse
from pathlib import Path

from psguard.commands.namespace import convention_kwargs, mirror_dir
from psguard.commands.options import (
    CONFIDENCES,
    add_convention_options,
    add_mirror_option,
    add_report_options,
    add_verify_options,
)
from psguard.errors import UsageError

DESCRIPTION = (
    "Audit the history of many repositories (URLs or local paths) on Dask distributed: an "
    "embedded cluster sized to this machine, or an existing one with --scheduler. One "
    "finding per key across all of them. Exit codes: 0 nothing to report, 1 findings "
    "that block, 2 usage or configuration error, 3 a repository could not be read in "
    "full (and nothing blocks).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="a repository: https, ssh, git or file URL, or a local path")
    p.add_argument("--repos-from", type=Path, metavar="FILE",
                   help="read more SOURCEs from FILE, one a line (# comments)")
    hosting = p.add_argument_group("hosting APIs (tokens from GITHUB_TOKEN, GITLAB_TOKEN)")
    hosting.add_argument("--github-org", metavar="ORG",
                         help="every repository of a GitHub organisation")
    hosting.add_argument("--gitlab-group", metavar="GROUP",
                         help="every project of a GitLab group, subgroups included")
    hosting.add_argument("--api-url", metavar="URL",
                         help="API base URL for GitHub Enterprise or self-managed GitLab "
                              "(default: https://api.github.com, https://gitlab.com/api/v4)")
    hosting.add_argument("--include-forks", action="store_true",
                         help="also audit forks (skipped by default)")
    hosting.add_argument("--include-archived", action="store_true",
                         help="also audit archived repositories (skipped by default)")
    dask = p.add_argument_group("Dask")
    dask.add_argument("--scheduler", metavar="ADDRESS",
                      help="an existing Dask scheduler, tcp://HOST:PORT or tls://HOST:PORT "
                           "(default: an embedded cluster on this machine)")
    dask.add_argument("--workers", type=int, metavar="N",
                      help="worker processes of the embedded cluster (default: one a core)")
    dask.add_argument("--keys-stay-on-workers", action="store_true",
                      help="workers send only hashes and redacted forms, and verify keys "
                           "themselves (the default over plain TCP beyond loopback)")
    add_mirror_option(p)
    add_report_options(p)
    add_verify_options(p)
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="your config file (configs inside the audited repositories are "
                        "never read)")
    p.add_argument("--min-confidence", choices=CONFIDENCES,
                   help="lowest confidence reported (default: medium)")
    p.add_argument("--fail-on", action="append", default=[], metavar="STATUSES",
                   help="verification statuses that fail the run (default: any)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the blob and verification caches")
    add_convention_options(p)


def run(args: argparse.Namespace) -> int:
    from psguard.fleet.run import AuditRequest, run_audit
    from psguard.report.output import deliver, report_only_exit
    from psguard.stages.policy import exit_code, parse_fail_on, require_satisfiable

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    fail_on = parse_fail_on(args.fail_on)
    require_satisfiable(fail_on, args.verify)
    sources = _sources(args)
    req = AuditRequest(
        sources, mirror_dir(args.mirror_dir).absolute(), scheduler=args.scheduler,
        workers=args.workers, keys_stay=args.keys_stay_on_workers,
        min_confidence=args.min_confidence, no_cache=args.no_cache,
        config=args.config.absolute() if args.config else None, verify=args.verify,
        endpoints=args.endpoints, verify_timeout=args.verify_timeout,
        verify_deadline=args.verify_deadline, show_secrets=args.show_secrets,
        **convention_kwargs(args))  # type: ignore[arg-type]
    result = run_audit(req)
    deliver(result, args.fmt, args.output, show_secrets=args.show_secrets,
            quiet=args.quiet, verbose=args.verbose)
    return report_only_exit(exit_code(result, fail_on), result)


def _sources(args: argparse.Namespace) -> list[str]:
    from psguard.urls import is_remote

    given = list(args.sources)
    if args.repos_from is not None:
        from psguard.readfile import read_capped_text

        text = read_capped_text(args.repos_from, "--repos-from file")
        given += [line.split("#", 1)[0].strip() for line in text.splitlines()
                  if line.split("#", 1)[0].strip()]
    if args.github_org or args.gitlab_group:
        from psguard.fleet.hosting import list_repositories

        given += list_repositories(github_org=args.github_org,
                                   gitlab_group=args.gitlab_group, api_url=args.api_url,
                                   forks=args.include_forks, archived=args.include_archived)
    if not given:
        raise UsageError("nothing to audit: name repositories (URLs or paths), "
                         "--repos-from FILE, --github-org ORG or --gitlab-group GROUP")
    out = []
    for src in given:
        if is_remote(src):
            from psguard.git.mirror import check_url

            check_url(src)
            out.append(src)
        elif not Path(src).exists():
            raise UsageError(f"{src}: no such repository (neither a URL nor a path)")
        else:
            out.append(str(Path(src).resolve()))
    return out
