"""Which findings block (exit 1), and the exit code of a scan."""

from __future__ import annotations

from psguard.errors import ConfigError, UsageError
from psguard.models import Finding, ScanResult, Status

EXIT_CLEAN = 0
EXIT_BLOCKING = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3

VERIFICATION_STATUSES = tuple(Status)


def parse_fail_on(values: list[str]) -> set[str]:
    """`--fail-on live,unknown`: the verification statuses that block. Empty: all."""
    statuses: set[str] = set()
    for value in values:
        for item in value.split(","):
            given = item.strip()
            item = given.replace("-", "_")
            if not item:
                continue
            if item == "any":
                statuses.update(VERIFICATION_STATUSES)
            elif item in VERIFICATION_STATUSES:
                statuses.add(item)
            else:
                raise ConfigError(f"--fail-on: unknown status {given!r} "
                                  f"(choose from any, {', '.join(VERIFICATION_STATUSES)})")
    return statuses or set(VERIFICATION_STATUSES)


def require_satisfiable(statuses: set[str], verifying: bool) -> None:
    """Without verification every key is `not_checked`: a --fail-on that leaves that out
    could never block, so the gate would pass everything. Say so instead (exit 2)."""
    if verifying or Status.NOT_CHECKED in statuses:
        return
    chosen = ",".join(sorted(statuses))
    raise UsageError(f"--fail-on {chosen} can never block without verification: every key "
                     "is not_checked; add --verify (and --endpoint), or add not_checked")


def is_blocking(finding: Finding, fail_on: set[str]) -> bool:
    return not finding.pre_existing and finding.verification.status in fail_on


def exit_code(result: ScanResult, fail_on: set[str]) -> int:
    if any(is_blocking(f, fail_on) for f in result.findings):
        return EXIT_BLOCKING
    if not result.complete:
        return EXIT_INCOMPLETE
    return EXIT_CLEAN
