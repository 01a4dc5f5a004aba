"""The trusted side of a change: where its policy comes from, and what it changes.

A change (a pull request, a push, a commit being made) must not bring the psguard
policy it is judged by: an `exclude`, a `.psguardignore` line, a baseline entry, a
lower `min_confidence` or `decode = false` in the same change would otherwise wave
its own key through. So a gate reads config, ignore file, rules and baseline from
the change's base (config.PolicySource with a commit), and reports every one of those
files the change modifies (ScanResult.policy_changes), in every format.

    policy_source(req)            the PolicySource for a request (the pipeline's seam)
    changed_policy(config, tips)  the policy files the commits `tips` (or the index)
                                  hold differently from the trusted commit
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from psguard.config import PYPROJECT, Config, PolicySource, load_toml, repo_root
from psguard.errors import ConfigError
from psguard.readfile import CONFIG_LIMIT
from psguard.request import Mode, ScanRequest


def policy_source(req: ScanRequest) -> PolicySource:
    """The work tree for local scans; the request's trusted commit when it names one
    (psguard ci: the base; pre-commit: HEAD); a range's base for `scan --range`;
    nowhere for standard input and a remote's mirror."""
    if req.mode in (Mode.STDIN, Mode.REMOTE):  # a mirror's content is the remote's
        return PolicySource(None)
    root = repo_root(req.path)
    commit = req.policy_from
    tips = None
    if commit is None and req.mode is Mode.RANGE:
        from psguard.git.ranges import range_sides

        commit, tips = range_sides(root, _range_spec(req))
    policy = PolicySource(root, commit, repo_files=not req.no_repo_config)
    policy.tips = tips
    return policy


def heads(req: ScanRequest, policy: PolicySource | None = None) -> list[str]:
    """The tips of the change a range or rev-list request scans."""
    if policy is not None and policy.tips is not None:
        return policy.tips
    if req.mode is Mode.RANGE:
        from psguard.git.ranges import range_sides

        return range_sides(repo_root(req.path), _range_spec(req))[1]
    if req.mode is Mode.REVS:
        tips = req.revs[:req.revs.index("--not")] if "--not" in req.revs else req.revs
        return [r for r in tips if not r.startswith("^")]
    return []


def _range_spec(req: ScanRequest) -> str:
    return req.rev_range if req.rev_range else f"{req.since}..HEAD"


def policy_paths(config: Config, extra: Iterable[Path | None] = ()) -> list[str]:
    """The policy's files inside the repository, from the top: the standard ones, the
    ones the config names, and `extra` (files named on the command line)."""
    policy = config.policy
    named = [policy.in_repo(p) for p in extra if p is not None]
    return list(dict.fromkeys([*config.policy_paths(), *(p for p in named if p)]))


def touched_policy(config: Config, changed: set[str], extra: Iterable[Path | None] = ()
                   ) -> list[str]:
    """The policy files among a change's paths (no git call)."""
    return [p for p in policy_paths(config, extra) if p in changed]


def changed_policy(config: Config, tips: list[str], extra: Iterable[Path | None] = (),
                   among: set[str] | None = None) -> list[str]:
    """The policy files some tip holds differently from the trusted commit (added,
    changed or removed); only those in `among` when given (a staged change's paths).
    A tip "" is the index. A pyproject.toml counts only when its [tool.psguard] table
    differs. Nothing when the policy is not read from a commit."""
    policy = config.policy
    if policy.commit is None or policy.root is None or not tips:
        return []
    from psguard.git.trees import blob_ids

    paths = [p for p in policy_paths(config, extra) if among is None or p in among]
    if not paths:
        return []
    base = policy.commit
    revs = [base, *tips] if base else list(tips)
    ids = blob_ids(policy.root, [f"{rev}:{p}" for rev in revs for p in paths])
    changed = []
    for p in paths:
        before = ids.get(f"{base}:{p}") if base else None
        differ = [tip for tip in tips if ids.get(f"{tip}:{p}") != before]
        if differ and (p != PYPROJECT or _psguard_table_differs(policy, base, differ)):
            changed.append(p)
    return changed


def _psguard_table_differs(policy: PolicySource, base: str, tips: list[str]) -> bool:
    """Whether a tip's pyproject.toml has another [tool.psguard] than the base's (a
    file that cannot be read or parsed counts as different)."""
    from psguard.git.trees import read_tree_files

    def table(rev: str) -> object:  # rev "": the index
        assert policy.root is not None
        found = read_tree_files(policy.root, rev, [PYPROJECT], CONFIG_LIMIT)[PYPROJECT]
        if found.state == "missing":
            return None
        if found.state != "blob":
            return found.state
        try:
            data = load_toml(found.data.decode("utf-8"), PYPROJECT)
        except (UnicodeDecodeError, ConfigError):
            return "unreadable"
        tool = data.get("tool")
        return tool.get("psguard") if isinstance(tool, dict) else None

    before = table(base) if base else None  # base "": no trusted side
    return any(table(tip) != before for tip in tips)
