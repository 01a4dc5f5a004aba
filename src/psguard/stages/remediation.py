"""What to do next, given how far a key has travelled and whether it still works.

`steps(finding)` returns ordered `Remediation(text, command)` items from the finding's
exposure (working-tree | staged | local | pushed | None for stdin), its
`exposure_detail` and its verification status. The order is the advice: a pushed key
that may work is revoked first (others may have cloned it; no rewrite takes it back);
unpushed commits are rewritten before pushing (`git commit --amend`, `git rebase -i`);
staged: `git restore --staged`, then move the key out; working tree: move it out;
rejected: nothing to revoke, clean up or accept it in `.psguardignore`. Where the
verification answer said which kind of key it is, the revoke step names that one place.

This module is psguard's one voice for that advice: the reports (report/) and the hooks
(hooks/) take their sentences from here (REVOKE, MOVE, REVOKE_IF_SHARED, ACCEPT,
TEST_VALUE and the step builders), and `general_steps` is the advice for a key whose
facts are not known (SARIF rule help). Nothing here imports report/ or hooks/.

Commands never hold the raw key: for a pushed key, psguard itself writes the
`git filter-repo --replace-text` file (stages/rewrite.py: every key, plain, hex and
base64, so one rewrite removes them all; files holding a key in another form are
removed from every commit), and the steps scan the rewritten clone before it is pushed.
"""

from __future__ import annotations

import re
import shlex

from psguard.models import ExposureDetail, Finding, Remediation
from psguard.stages.rewrite import not_text_steps, strip_paths, uncovered

REPLACEMENTS_FILE = "../psguard-replacements.txt"
REWRITE_DIR = "../psguard-rewrite"
REPLACEMENTS_CMD = ("psguard scan --history --show-secrets --quiet --exit-zero "
                    f"--write-replacements {REPLACEMENTS_FILE}")

KINDS = {"developer key": "a developer key is deleted from the user menu (your name, bottom "
         "left) → Developer API Keys", "service account key": "a service account key is "
         "revoked by an admin, who deletes the service account in the Poolside Console → "
         "Security → API Keys (this cannot be undone; everything using that account stops "
         "working)"}
REVOKE = (f"In Poolside, {'; '.join(KINDS.values())}. The key text does not say which kind "
          "it is, so look in both places.")
MOVE = ("give it to the code through the environment instead: set POOLSIDE_API_KEY from "
        "your secret store (a CI secret, a vault, your OS keychain). If you keep it in a "
        "local .env file, make sure .env is listed in .gitignore first")
ENSURE_ENV_IGNORED = "git check-ignore -q .env || echo .env >> .gitignore"
PURGE = ("The old objects stay inside .git until they expire; to drop them now (this also "
         "clears undo history such as the reflog):")
PURGE_CMD = "git reflog expire --expire-unreachable=now --all && git gc --prune=now"
REVOKE_IF_SHARED = ("If the key also left this machine another way (copied, synced, pasted, "
                    "pushed from elsewhere), treat it as exposed and revoke it. " + REVOKE)
PUSHED_IS_PUBLIC = ("anyone who cloned or fetched has it, and rewriting history cannot take "
                    "it back")
UNSTAGE = "Unstage the file so the key is not committed:"
UNPUSHED = ("Do not push yet: the key is in commits no remote has. Rewrite them before "
            "pushing (git rebase -i from the first commit that added it).")
NEED = ("git filter-repo is a separate tool, not part of git: install it first (python3 -m "
        "pip install git-filter-repo, or your system's git-filter-repo package); the "
        "command stops at `git filter-repo --version` if it is missing.")
# Said per finding by the reports; the text report's form is the one the README shows.
ACCEPT = "to accept this finding, add to .psguardignore"
TEST_VALUE = ("A test value rather than a real key? Add `psguard:allow` in a comment on its "
              "line, or its fingerprint to .psguardignore")
CANNOT_UNDO = ("What rewriting cannot undo: clones, forks and fetches made before it, CI "
               "logs, caches and build artifacts, the hosting service's pull-request refs "
               "and cached pages (ask its support to purge them), and any copy made outside "
               "git. Everyone must re-clone or reset onto the rewritten branches. That is why "
               "the key is revoked first.")


def _q(items: list[str]) -> str:
    return " ".join(shlex.quote(i) for i in items)


def short_commit(commit: str) -> str:
    return commit[:12]


def finding_paths(f: Finding) -> list[str]:
    """The paths the steps name: where exposure found the key, else its locations."""
    return _paths(f, f.exposure_detail)


def _paths(f: Finding, d: ExposureDetail | None) -> list[str]:
    if d and d.paths:
        return d.paths
    seen: list[str] = []
    for c in f.candidates:
        if c.origin.path and c.origin.kind in ("file", "blob") and c.origin.path not in seen:
            seen.append(c.origin.path)
    return seen


def move_step(paths: list[str], dead: bool = False) -> Remediation:
    where = ", ".join(paths) if paths else "the file or message that holds it"
    if dead:
        return Remediation(f"Delete the dead key from {where}; if the code needs a key, "
                           f"{MOVE}.", ENSURE_ENV_IGNORED)
    return Remediation(f"Take the key out of {where} and {MOVE}.", ENSURE_ENV_IGNORED)


def _new_key_step(paths: list[str]) -> Remediation:
    where = f" of {', '.join(paths)}" if paths else ""
    return Remediation(f"Create a new key and keep it out{where}; {MOVE}.",
                       ENSURE_ENV_IGNORED)


def rejected_note(f: Finding) -> Remediation:
    by = f" ({f.verification.endpoint})" if f.verification.endpoint else ""
    return Remediation(f"Poolside{by} rejected this key: it is revoked or was never valid, "
                       "so it grants no access and there is nothing to revoke.")


def _ignore_step(f: Finding, why: str) -> Remediation:
    return Remediation(f"If you keep it ({why}), accept this finding so scans stop "
                       "reporting it:", f"echo '{f.fingerprint}  # {why}' >> .psguardignore")


def revoke_words(f: Finding) -> str:
    """How to revoke it: the one place to look when the API said which kind it is."""
    reach = f.verification.reach if f.verification.status == "live" else None
    kind = (reach or {}).get("key_type")
    return f"The API says it is a {kind}: in Poolside, {KINDS[kind]}." if kind in KINDS else REVOKE


def _revoke_if_shared(f: Finding) -> Remediation:
    return Remediation(REVOKE_IF_SHARED.replace(REVOKE, revoke_words(f)))


def revoke_first(f: Finding) -> Remediation:
    """The first step for a pushed key that may still work."""
    d = f.exposure_detail or ExposureDetail()
    status = {"live": "it works", "unknown": "psguard could not tell whether it works",
              "not_checked": "it was not checked (run with --verify)"}.get(
                  f.verification.status, "it may work")
    return Remediation(f"Revoke it first: this key has been pushed{_published(d)} and "
                       f"{status}; {PUSHED_IS_PUBLIC}. " + revoke_words(f))


def _published(d: ExposureDetail) -> str:
    return (f" (reachable from {d.published_by})"
            if d.published_by and d.published_by != "no-remotes" else "")


def general_steps() -> list[Remediation]:
    """What to do about a key whose exposure and status are not known (rule help)."""
    return [
        Remediation(f"If the key has been pushed or shared, revoke it first: "
                    f"{PUSHED_IS_PUBLIC}. " + REVOKE),
        move_step([]),
        Remediation("If it is only staged: " + UNSTAGE, "git restore --staged <path>"),
        Remediation("If it is only in unpushed commits: " + UNPUSHED),
        Remediation(TEST_VALUE + "."),
    ]


def steps(f: Finding, *, show_secrets: bool = False,
          strip: list[str] | None = None) -> list[Remediation]:
    """`strip`: the files the one rewrite removes from every commit (every pushed key's
    that text replacement cannot reach; by default this finding's)."""
    status = f.verification.status
    dead = status == "rejected"
    d = f.exposure_detail
    paths = _paths(f, d)
    if f.exposure == "pushed":
        strip = strip if strip is not None else [p for p, _how in uncovered(f)]
        out = _pushed(f, d, paths, dead, strip)
    elif f.exposure == "local":
        out = _local(f, d, paths, dead)
    elif f.exposure == "staged":
        out = _staged(f, paths, dead)
    elif f.exposure == "working-tree" and d is not None and d.remote_state == "outside-git":
        out = _outside_git(f, paths, dead)
    elif f.exposure == "working-tree":
        out = _working_tree(f, paths, dead)
    else:  # None: standard input, provenance unknown
        out = [] if dead else [Remediation(
            "psguard read this key from standard input and cannot tell where it has been. "
            "If it was ever committed, pushed or shared, revoke it. " + revoke_words(f))]
        out.append(move_step([], dead))
    if dead and f.exposure in ("working-tree", "staged", "local"):
        out.append(rejected_note(f))
    return out


def _working_tree(f: Finding, paths: list[str], dead: bool) -> list[Remediation]:
    out = [move_step(paths, dead)]
    out.append(Remediation("It is not in git yet. Before your next commit, check what you "
                           "are about to add:", "psguard scan --staged"))
    if dead:
        out.append(_ignore_step(f, "a dead key kept on purpose"))
    else:
        out.append(_revoke_if_shared(f))
    return out


def _outside_git(f: Finding, paths: list[str], dead: bool) -> list[Remediation]:
    """Files outside any git repository: no index, no history, no git commands."""
    where = ", ".join(paths) if paths else "the file that holds it"
    out = [Remediation(f"Delete the dead key from {where}." if dead else
                       f"Take the key out of {where} and give it to the code through the "
                       "environment instead: set POOLSIDE_API_KEY from your secret store (a "
                       "CI secret, a vault, your OS keychain)."),
           Remediation("This directory is not in a git repository; scan it again once the "
                       "key is out:", "psguard scan")]
    out.append(_ignore_step(f, "a dead key kept on purpose") if dead else _revoke_if_shared(f))
    return out


def staged_steps(paths: list[str], dead: bool = False) -> list[Remediation]:
    """Staged, not committed: unstage, move the key out, stage again and check."""
    target = paths or ["<path>"]
    return [Remediation(UNSTAGE, f"git restore --staged {_q(target)}"),
            move_step(paths, dead),
            Remediation("Stage the cleaned file and check again before committing:",
                        f"git add {_q(target)} && psguard scan --staged")]


def _staged(f: Finding, paths: list[str], dead: bool) -> list[Remediation]:
    out = staged_steps(paths, dead)
    if not dead:
        out.append(_revoke_if_shared(f))
    return out


def _local(f: Finding, d: ExposureDetail | None, paths: list[str],
           dead: bool) -> list[Remediation]:
    """Unpushed: each place the key sits gets its own step; possible publication first."""
    d = d or ExposureDetail()
    only = set(d.only_in)
    out: list[Remediation] = []
    if d.tags and d.remote_state == "none":  # no remote: the tag went nowhere
        out.append(Remediation("Delete the tag that holds the key; re-create it on a commit "
                               "without the key if you need it:", f"git tag -d {_q(d.tags)}"))
    elif d.tags:  # a tag may have been pushed: find out before anything else
        out += _tag_steps(d)
    if d.local_commits or not (only or d.stashes or d.tags or d.notes_refs):
        out.append(rewrite_local(d, paths))
    if d.stashes:
        out.append(_stash_step(d))
    if d.notes_refs:
        ref = d.notes_refs[0]
        targets = d.note_targets or ["<commit>"]
        out.append(Remediation(
            "Remove the git note that holds the key (notes are pushed only when someone "
            "pushes the notes ref):",
            f"git notes --ref={shlex.quote(ref)} remove {_q(targets)}"))
    if only and only <= {"reflog", "unreachable"}:
        out.append(Remediation("No branch, tag or stash holds the key any more: it is only "
                               "in git's object store (amended, rebased, reset or dropped "
                               "content). " + PURGE, PURGE_CMD))
    else:
        if d.local_commits or not only:
            out.append(move_step(paths, dead))
        out.append(Remediation(PURGE, PURGE_CMD))
    if d.local_commits:
        out.append(Remediation("Check that no commit still holds it before you push:",
                               "psguard scan --history"))
    if not dead:
        out.append(_revoke_if_shared(f))
    return out


def _stash_step(d: ExposureDetail) -> Remediation:
    stashes = sorted(d.stashes, key=_stash_index, reverse=True)
    return Remediation(
        "Drop the stash that holds the key (stashes are never pushed; higher numbers first, "
        "since dropping renumbers the rest). Apply it first if you still need its other "
        "changes, and take the key out before stashing again.",
        " && ".join(f"git stash drop {shlex.quote(s)}" for s in stashes))


def _tag_steps(d: ExposureDetail) -> list[Remediation]:
    remote = d.remote or "origin"
    ask = f"git ls-remote --tags {shlex.quote(remote)} " + _q([f"refs/tags/{t}" for t in d.tags])
    oids = [d.tag_oids.get(t, "") for t in d.tags]
    same = ""
    if all(oids):  # compare objects, not names: a tag re-created since is another tag
        ask += f" | grep -E '^({'|'.join(oids)})[[:space:]]'"
        same = " (the same tag object as here; a tag of that name re-created since does not count)"
    return [
        Remediation(
            f"Find out whether the tag was pushed (tags are pushed separately from "
            f"branches): if this prints a line, {remote} has the key{same}: treat it as "
            f"pushed and, unless it is rejected, revoke it before anything else.", ask),
        Remediation("Delete the tag locally (and, if it was pushed, on the remote with: "
                    f"git push {remote} --delete <tag>); re-create it on a commit without "
                    "the key if you need it:", f"git tag -d {_q(d.tags)}")]


def _stash_index(name: str) -> int:
    m = re.search(r"\{(\d+)\}", name)
    return int(m.group(1)) if m else 0


def rewrite_local(d: ExposureDetail, paths: list[str]) -> Remediation:
    """Unpushed commits hold the key: rewrite them before anything is pushed."""
    target = paths or ["<path>"]
    local = d.local_commits
    if d.head and local == [d.head]:
        return Remediation(
            f"Do not push yet: the key is only in your last commit ({short_commit(d.head)}), which "
            f"no remote has. Take the key out of {', '.join(target)} (next step: where it "
            "goes), then fold the fix into that commit:",
            f"git add {_q(target)} && git commit --amend --no-edit")
    if not local:
        return Remediation(UNPUSHED)
    first = local[0]
    count = f"{len(local)} unpushed commit{'s' if len(local) != 1 else ''}"
    cmd = ("git rebase -i --root" if first in d.root_commits
           else f"git rebase -i {short_commit(first)}^")
    return Remediation(
        f"Do not push yet: the key is in {count} (first: {short_commit(first)}), which no remote "
        f"has; rewriting them now keeps it private. In the rebase, mark {short_commit(first)} and "
        "every later commit that holds the key as 'edit'; at each stop remove the key, then "
        "run git add, git commit --amend --no-edit and git rebase --continue:", cmd)


def _pushed(f: Finding, d: ExposureDetail | None, paths: list[str], dead: bool,
            strip: list[str]) -> list[Remediation]:
    d = d or ExposureDetail()
    where = _published(d)
    out: list[Remediation] = []
    if dead:
        out.append(Remediation(
            f"Poolside rejected this key: it is revoked or was never valid, so the pushed "
            f"copies{where} grant no access. Delete it from the current files "
            f"({', '.join(paths) or 'if it is still there'}); if the code needs a key, "
            f"{MOVE}.", ENSURE_ENV_IGNORED))
    else:
        out.append(revoke_first(f))
        out.append(_new_key_step(paths))
    optional = "Optional for a dead key: " if dead else ""
    remote = shlex.quote(d.remote or "origin")
    here = shlex.quote(d.repo_dir or "<this-repository>")
    published = d.published_by != "no-remotes" or d.url is not None
    source = f'"$(git remote get-url {remote})"' if published else "."
    out += not_text_steps(f)
    if d.url:  # a remote scan (audit): there is no local checkout to start from
        out.append(Remediation(
            f"{optional}Rewrite the history in a fresh clone of {d.url}; from a directory "
            "outside any repository, clone it and work inside the clone from here on:",
            f"git clone {shlex.quote(d.url)} psguard-rewrite && cd psguard-rewrite"))
    else:
        out.append(Remediation(
            f"{optional}Rewrite the history in a fresh clone next to this repository (git "
            "filter-repo refuses to rewrite other checkouts without --force). From the top "
            "of this repository:", f"git clone --no-local {source} {REWRITE_DIR}"))
    out.append(Remediation(
        f"Still {'in the clone' if d.url else 'at the top of this repository'}, let psguard "
        "write one replacements file "
        "beside the clone: it covers every key in the history, plain, hex or base64, "
        "so one rewrite removes them all however many were pushed (do this once). The "
        "file holds the raw keys (hence --show-secrets; nothing is printed), readable "
        "only by you:", REPLACEMENTS_CMD))
    out.append(Remediation(
        "Replace the keys in every commit of every branch and tag of the fresh clone"
        + (f", remove {_q(strip)} from every commit" if strip else "")
        + f", then delete the replacements file. {NEED}",
        f"cd {REWRITE_DIR} && git filter-repo --version && "
        f"git filter-repo --replace-text {REPLACEMENTS_FILE}"
        + "".join(f" --path {shlex.quote(p)}" for p in strip)
        + (" --invert-paths" if strip else "") + f" && rm {REPLACEMENTS_FILE}"))
    out.append(Remediation(
        f"Still in {REWRITE_DIR}: check the rewritten history before it goes anywhere; this "
        "must find no Poolside key:", "psguard scan --history"))
    if published:
        back = (shlex.quote(d.url) if d.url
                else f'"$(git -C ../{here} remote get-url {remote})"')
        out.append(Remediation(
            f"Still in {REWRITE_DIR}: filter-repo removed the {remote} remote so nothing is "
            "pushed by accident; add it back and force-push every branch and tag:",
            f"git remote add {remote} {back} && git push --force --all {remote} && "
            f"git push --force --tags {remote}"))
    else:
        out.append(Remediation(
            f"Replace every copy of this repository (mirrors, CI caches) with {REWRITE_DIR}: "
            "this repository has no remote psguard could push to."))
    if d.local_commits:  # a fresh clone does not have them
        out.append(Remediation(
            f"This clone also has {len(d.local_commits)} unpushed commit(s) holding the key "
            f"(first: {short_commit(d.local_commits[0])}) that the fresh clone will not have: take "
            "the key out of them too before you push them onto the rewritten history:",
            f"git rebase -i {short_commit(d.local_commits[0])}^"
            if d.local_commits[0] not in d.root_commits else "git rebase -i --root"))
    if d.stashes:  # fresh clones have no stashes: clean your own clone too
        out.append(_stash_step(d))
    out.append(Remediation(CANNOT_UNDO if not dead else CANNOT_UNDO.replace(
        " That is why the key is revoked first.", "")))
    if dead:
        out.append(_ignore_step(f, "revoked key left in history"))
    return out


def attach(findings: list[Finding], *, show_secrets: bool = False) -> list[Finding]:
    """The findings with their remediation steps (one rewrite for every pushed key of a
    repository: the files it removes are all of theirs)."""
    strip = strip_paths(findings)
    return [f.replace(remediation=steps(f, show_secrets=show_secrets, strip=strip.get(
        f.candidates[0].origin.repository if f.candidates else None, []))) for f in findings]
