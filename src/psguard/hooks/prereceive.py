"""`psguard hook pre-receive`: the server-side gate, for every push to a repository.

git writes one line per ref to the hook's standard input: `<old> <new> <ref>`. The
hook decides for the whole push (git then updates every ref or none): it scans what
the push brings (sources/prereceive.py: the new commits' new blobs, their messages,
annotated tag messages), read from git's quarantine. Deletions bring nothing.

A key rejects the push (exit 1) with a message git shows the pusher as `remote:`
lines: ref, commit, path and line, the key redacted, what to do, how to bypass. A
bypass is a push option with a reason, `git push -o psguard.bypass="<reason>"`; each
one is logged (hooks/receive_log.py). The check runs under a time budget: when it
runs out the push is rejected, unless the server lets it through (logged too).
Settings come from the server only (hooks/receive_settings.py). Input the hook cannot
read, a setting it does not know, a log it cannot write: the push is rejected (exit 2).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from psguard.errors import UsageError
from psguard.git.push import is_zero, received_by
from psguard.git.snapshot import Repository
from psguard.hooks.common import (
    Verdict,
    all_rejected,
    finding_lines,
    numbered,
    problems_lines,
)
from psguard.hooks.receive_settings import (
    BYPASS_OPTION,
    ServerSettings,
    bypass_reason,
    push_options,
    pusher,
    server_settings,
)
from psguard.models import (
    Candidate,
    ExposureDetail,
    Finding,
    Problem,
    Record,
    Remediation,
    ScanResult,
)

_EXCERPT = 32


class Update(Record):
    """One line of the hook's input: a ref moving from old to new."""

    __slots__ = ("old", "new", "ref")

    def __init__(self, old: str, new: str, ref: str) -> None:
        self.old = old
        self.new = new
        self.ref = ref


class BudgetExhausted(BaseException):
    """The time budget ran out (a BaseException: no `except Exception` swallows it)."""


def parse_updates(lines: list[str], id_len: int = 40) -> list[Update]:
    """git's `<old> <new> <ref>` lines; UsageError (the push is rejected) for any other.
    Empty lines carry no ref and are skipped."""
    object_id = re.compile(f"[0-9a-f]{{{id_len}}}")
    updates = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        parts = raw.split(" ", 2)
        if len(parts) != 3 or not all(object_id.fullmatch(p) for p in parts[:2]) \
                or not parts[2]:
            shown = ascii(raw[:_EXCERPT]) + ("…" if len(raw) > _EXCERPT else "")
            raise UsageError(f"pre-receive input line {number} is not `<old> <new> <ref>` "
                             f"with {id_len}-digit object ids: {shown}")
        updates.append(Update(*parts))
    return updates


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise BudgetExhausted in the block once `seconds` have passed (0: no budget).
    git processes the scan started are killed as their readers unwind."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise BudgetExhausted

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(path: Path, *, fail_on: list[str], config: Path | None = None,
          settings_file: Path | None = None, env: Mapping[str, str] | None = None,
          stdin_lines: list[str] | None = None) -> Verdict:
    env = os.environ if env is None else env
    repo = Repository(path)
    snap = repo.snapshot()
    if stdin_lines is None:
        stdin_lines = [] if sys.stdin is None else \
            os.fsdecode(sys.stdin.buffer.read()).splitlines()
    updates = parse_updates(stdin_lines, id_len=snap.hash_len * 2)
    settings = server_settings(snap.root, snap.common_dir, settings_file)
    if config is not None:
        settings.config = config
    if fail_on:
        settings.fail_on = fail_on
    pushed = [u for u in updates if not is_zero(u.new)]  # deletions bring nothing
    if not pushed:
        return Verdict(0, [])
    gate = Gate(repo, pushed, settings, env)
    try:
        with time_budget(settings.budget):
            return gate.judge()
    except BudgetExhausted:
        return gate.out_of_time()


class Gate:
    """One push being judged: its updates, the server's settings, the pusher's options."""

    def __init__(self, repo: Repository, pushed: list[Update], settings: ServerSettings,
                 env: Mapping[str, str]) -> None:
        self.repo = repo
        self.root = repo.snapshot().root
        self.pushed = pushed
        self.settings = settings
        options = push_options(env)
        self.reason = bypass_reason(options)
        if options:  # the client could send them: the server advertises push options
            settings.push_options = True
        self.who = pusher(env)

    def judge(self) -> Verdict:
        from psguard.stages.policy import is_blocking, parse_fail_on

        statuses = parse_fail_on(self.settings.fail_on)
        result = self._scan()
        blocking = [f for f in result.findings if is_blocking(f, statuses)]
        if not blocking:
            unread = [p for p in result.problems if p.incomplete or p.kind == "too-large"]
            if not unread:
                return Verdict(0, problems_lines(result))
            return self._incomplete(unread)
        refs_of = self._refs_of(blocking)
        if self.reason and self.settings.allow_bypass:
            from psguard.hooks import receive_log

            receive_log.append(self.settings.bypass_log, receive_log.key_entries(
                blocking, refs_of, reason=self.reason, who=self.who))
            return Verdict(0, self._bypassed(blocking))
        return Verdict(1, self._rejection(blocking, refs_of))

    def _scan(self) -> ScanResult:
        from psguard.pipeline import run_scan
        from psguard.request import Mode, ScanRequest
        from psguard.sources.prereceive import push_revs

        s = self.settings
        return run_scan(ScanRequest(
            path=self.root, mode=Mode.PRE_RECEIVE, revs=push_revs([u.new for u in self.pushed]),
            config=s.config, no_repo_config=True, fail_on=s.fail_on, verify=s.verify,
            endpoints=s.endpoints, verify_deadline=(s.budget / 2) if s.budget else None),
            self.repo)

    def _refs_of(self, blocking: list[Finding]) -> dict[str, list[str]]:
        """commit (or refs/tags/NAME, for tag messages) -> the pushed refs bringing it."""
        by_tip: dict[str, list[str]] = {}
        for u in self.pushed:
            by_tip.setdefault(u.new, []).append(u.ref)
        if len(by_tip) == 1:  # one tip (the usual push): every new commit is its refs'
            [refs] = by_tip.values()
            out = {c: refs for f in blocking for c in _commits(f)}
        else:
            out = {commit: by_tip.get(tip, [])
                   for commit, tip in received_by(self.root, list(by_tip)).items()}
        for u in self.pushed:
            out.setdefault(u.ref, [u.ref])
        return out

    def _bypassed(self, blocking: list[Finding]) -> list[str]:
        n = len(blocking)
        keys = ", ".join(f.redacted for f in blocking)
        return [f"psguard: bypass accepted: {n} Poolside API key{'s' if n > 1 else ''} "
                f"({keys}) let through with your reason, and logged on the server.",
                "psguard: the key is now on the server, so everyone who can fetch has it: "
                "revoke it unless it is a test value."]

    def _rejection(self, blocking: list[Finding], refs_of: dict[str, list[str]]
                   ) -> list[str]:
        from psguard.stages.remediation_server import NOTHING_RECEIVED

        n = len(blocking)
        lines = [f"psguard: push rejected: {n} Poolside API key{'s' if n > 1 else ''} in "
                 "what this push brings", NOTHING_RECEIVED, ""]
        for f in blocking:
            lines += finding_lines(f, False, _ref_prefix(refs_of))
        lines += ["", "What to do now:"]
        lines += numbered(self._steps(blocking))
        lines += ["", *self._bypass_lines()]
        return lines

    def _steps(self, blocking: list[Finding]) -> list[Remediation]:
        from psguard.stages.remediation import REVOKE_IF_SHARED, move_step, rewrite_local
        from psguard.stages.remediation_server import (
            SERVER_TEST_VALUE,
            retag_step,
            reword_local,
        )

        tips = {u.new for u in self.pushed}
        steps: list[Remediation] = []
        for f in blocking:
            d = f.exposure_detail or ExposureDetail()
            kinds = {c.origin.kind for c in f.candidates}
            if len(d.local_commits) == 1 and d.local_commits[0] in tips:
                d = d.replace(head=d.local_commits[0])  # the pushed tip: amend it
            wanted = []
            if "blob" in kinds:
                wanted.append(rewrite_local(d, d.paths))
            if "commit-message" in kinds:
                wanted.append(reword_local(d))
            for c in f.candidates:
                if c.origin.kind == "tag-message" and c.origin.path:
                    wanted.append(retag_step(c.origin.path.removeprefix("refs/tags/"),
                                             c.origin.commit))
            steps += [s for s in wanted if s not in steps]
        paths = list(dict.fromkeys(p for f in blocking
                                   for p in (f.exposure_detail or ExposureDetail()).paths))
        if paths:
            steps.append(move_step(paths, all_rejected(blocking)))
        steps.append(Remediation(REVOKE_IF_SHARED))
        steps.append(Remediation(SERVER_TEST_VALUE + "."))
        return steps

    def _bypass_lines(self) -> list[str]:
        if not self.settings.allow_bypass:
            return ["This server allows no bypass (psguard.allowBypass is false): ask its "
                    "administrator if this key must go in."]
        lines = ["To push anyway, deliberately, with a reason the server logs (who, when, "
                 "which key, redacted):",
                 f'  git push -o {BYPASS_OPTION}="<reason>" …']
        if self.reason == "":
            lines.insert(0, f"psguard: -o {BYPASS_OPTION} needs a reason: "
                            f'-o {BYPASS_OPTION}="<reason>"')
        if not self.settings.push_options:
            lines.append("  This server does not accept push options yet "
                         "(receive.advertisePushOptions is off), so that bypass needs its "
                         "administrator to run: git config receive.advertisePushOptions true")
        return lines

    def _incomplete(self, unread: list[Problem]) -> Verdict:
        """Nothing found, but not everything was read (missing objects, blobs above
        max_file_size): fail closed, like a key."""
        lines = ["psguard: push rejected: the check could not read everything this push "
                 "brings, so it cannot say the push holds no key:",
                 *(f"psguard: {p.kind}: {p.target}: {p.detail}" for p in unread)]
        if any(p.kind == "too-large" for p in unread):
            lines.append("psguard: the server's administrator can raise max_file_size in "
                         "the TOML file psguard.config names.")
        if self.reason and self.settings.allow_bypass:
            from psguard.hooks import receive_log

            receive_log.append(self.settings.bypass_log, [receive_log.push_entry(
                self._ref_names(), reason=self.reason, who=self.who, event="incomplete")])
            return Verdict(0, ["psguard: bypass accepted for a push the check could not "
                               "read in full; logged on the server."])
        return Verdict(3, [*lines, "", *self._bypass_lines()])

    def _ref_names(self) -> list[str]:
        return [u.ref for u in self.pushed]

    def out_of_time(self) -> Verdict:
        """The budget ran out: reject, unless the server lets such pushes through or the
        pusher gave a bypass reason; either way that is logged."""
        budget = f"{self.settings.budget:g} s"
        accept = self.settings.accept_on_budget
        bypass = bool(self.reason) and self.settings.allow_bypass
        if accept or bypass:
            from psguard.hooks import receive_log

            reason = self.reason if bypass else \
                f"time budget of {budget} exhausted; psguard.budgetExhausted = accept"
            receive_log.append(self.settings.bypass_log, [receive_log.push_entry(
                self._ref_names(), reason=reason or "", who=self.who,
                event="bypass" if bypass else "budget")])
            return Verdict(0, [f"psguard: warning: the check ran out of its {budget} time "
                               "budget; the server let this push through unchecked and "
                               "logged it."])
        return Verdict(1, [f"psguard: push rejected: the check ran out of its {budget} time "
                           "budget before it could finish, so it cannot say the push holds "
                           "no key. Push fewer commits at a time, or ask the server's "
                           "administrator to raise psguard.budget.", "",
                           *self._bypass_lines()])


def _commits(f: Finding) -> list[str]:
    return [c.origin.commit for c in f.candidates
            if c.origin.commit and c.origin.kind != "tag-message"]


def _ref_prefix(refs_of: dict[str, list[str]]) -> Callable[[Candidate], str]:
    """`refs/heads/x: ` before a place: the pushed refs that bring it."""
    def prefix(c: Candidate) -> str:
        key = c.origin.path if c.origin.kind == "tag-message" else c.origin.commit
        refs = refs_of.get(key or "", [])
        return f"{', '.join(refs)}: " if refs else ""

    return prefix
