"""The server-side gate on a real repository: `psguard hook pre-receive` timed inside
real pushes to a bare copy of sqlalchemy (27,000 commits, 1,500 refs).

Clones the mirror (`git clone --bare`, as an administrator would set up a server copy)
into a temporary directory, installs the hook with `psguard install --pre-receive`,
and wraps it in a script that records the hook process's own wall time (interpreter
start-up included; git's transfer and connectivity check are not). A second clone that
shares the server's objects pushes to it with `git push` over file://. Each case runs
--runs times (fresh commits each run); the table shows the hook's median and max time,
whether the push was accepted and whether the server's ref moved as it should.

    python benchmarks/bench_prereceive.py [--mirror PATH] [--runs 5]

Skips (exit 0, one line) when the mirror is absent. No assertions: run on demand.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from psguard.testing import make_key

MIRROR = Path.home() / "bench" / "sqlalchemy+sqlalchemy.git"
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
       "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}
# Like a server where psguard was pip-installed: bytecode is cached (see bench_hook.py).
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
if ENV.get("PYTHONPATH"):  # the hook runs in the server's git directory
    ENV["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p)
                                        for p in ENV["PYTHONPATH"].split(os.pathsep) if p)

KEYS: list[str] = []  # every key pushed: none may show up in the bypass log
# Times the real hook (moved to pre-receive.timed): its wall time and the CPU time of
# it and every process it waited for; the wrapper's own start-up is not counted.
WRAPPER = """#!{python}
import os, subprocess, sys, time
here = os.path.dirname(os.path.abspath(__file__))
start = time.perf_counter()
code = subprocess.call([os.path.join(here, "pre-receive.timed"), *sys.argv[1:]])
wall = time.perf_counter() - start
usage = os.times()
with open(os.path.join(here, "..", "hook-times"), "a") as out:
    out.write(f"{{wall}} {{usage.children_user + usage.children_system}}\\n")
sys.exit(code)
"""


def git(repo: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None
        ) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env=env or ENV, text=True,
                          capture_output=True, input=input)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


class Bench:
    def __init__(self, tmp: Path, mirror: Path) -> None:
        self.server = tmp / "server.git"
        self.client = tmp / "client.git"
        self.index = tmp / "index"
        git(tmp, "clone", "-q", "--bare", str(mirror), str(self.server))
        git(tmp, "clone", "-q", "--bare", "--shared", str(self.server), str(self.client))
        subprocess.run([sys.executable, "-m", "psguard", "install", "--pre-receive",
                        str(self.server)], env=ENV, check=True, capture_output=True)
        hooks = self.server / "hooks"
        os.replace(hooks / "pre-receive", hooks / "pre-receive.timed")
        (hooks / "pre-receive").write_text(WRAPPER.format(python=sys.executable))
        (hooks / "pre-receive").chmod(0o755)
        git(self.server, "config", "receive.advertisePushOptions", "true")
        self.main = git(self.server, "symbolic-ref", "HEAD")
        self.n = 0

    def commit(self, parent: str, path: str, content: str, message: str = "") -> str:
        """A commit on top of parent that writes one file (plumbing: no work tree)."""
        self.n += 1
        env = {**ENV, "GIT_INDEX_FILE": str(self.index)}
        blob = git(self.client, "hash-object", "-w", "--stdin", input=content)
        git(self.client, "read-tree", parent, env=env)
        git(self.client, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}",
            env=env)
        tree = git(self.client, "write-tree", env=env)
        return git(self.client, "commit-tree", tree, "-p", parent, "-m",
                   message or f"bench change {self.n}")

    def ref(self, name: str) -> str | None:
        proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", name],
                              cwd=self.server, env=ENV, capture_output=True, text=True)
        return proc.stdout.strip() or None

    def push(self, *args: str) -> tuple[bool, tuple[float, float], str]:
        """(accepted, the hook's wall and CPU seconds, the pusher's output)."""
        times = self.server / "hook-times"
        times.unlink(missing_ok=True)
        proc = subprocess.run(["git", "push", "--porcelain", *args], cwd=self.client,
                              env=ENV, capture_output=True, text=True)
        wall, cpu = times.read_text().split() if times.exists() else ("0", "0")
        hook = (float(wall), float(cpu))
        return proc.returncode == 0, hook, proc.stdout + proc.stderr


def settings_line(key: str) -> str:
    return f'POOLSIDE_API_KEY = "{key}"\n'


def run_case(bench: Bench, name: str, runs: int,
             case: Callable[[Bench, str], tuple[list[str], str, str | None]],
             want_accept: bool) -> dict[str, object]:
    """case(bench, key) -> (push arguments, ref to watch, where it should end up)."""
    times: list[float] = []
    cpus: list[float] = []
    ok = True
    leaked = False
    for _ in range(runs):
        key = make_key()
        KEYS.append(key)
        args, ref, expected = case(bench, key)
        before = bench.ref(ref)
        accepted, (seconds, cpu), out = bench.push(*args)
        times.append(seconds)
        cpus.append(cpu)
        leaked |= key in out
        after = bench.ref(ref)
        moved_right = after == expected if want_accept else after == before
        ok &= accepted == want_accept and moved_right
    return {"case": name, "median": statistics.median(times), "max": max(times),
            "cpu": statistics.median(cpus),
            "expected": "accepted" if want_accept else "rejected", "as_expected": ok,
            "raw_key_shown": leaked}


def key_commit(b: Bench, key: str) -> tuple[list[str], str, str | None]:
    tip = b.commit(b.ref(b.main) or "", "lib/sqlalchemy/bench_settings.py", settings_line(key))
    return ["origin", f"{tip}:{b.main}"], b.main, None


def key_branch(b: Bench, key: str) -> tuple[list[str], str, str | None]:
    base = b.commit(b.ref(b.main) or "", "doc/build/bench.rst", f"notes {b.n}\n")
    tip = b.commit(base, "test/bench_conf.py", settings_line(key))
    return ["origin", f"{tip}:refs/heads/bench-{b.n}"], f"refs/heads/bench-{b.n}", None


def key_tag(b: Bench, key: str) -> tuple[list[str], str, str | None]:
    name = f"bench-tag-{b.n}"
    b.n += 1
    git(b.client, "tag", "-a", name, "-m", f"release notes\n\ndemo token {key}\n",
        b.ref(b.main) or "")
    return ["origin", f"refs/tags/{name}"], f"refs/tags/{name}", None


def clean_commit(b: Bench, key: str) -> tuple[list[str], str, str | None]:
    tip = b.commit(b.ref(b.main) or "", "doc/build/bench.rst", f"clean change {b.n}\n")
    return ["origin", f"{tip}:{b.main}"], b.main, tip


def existing_branch(b: Bench, key: str) -> tuple[list[str], str, str | None]:
    old = git(b.server, "rev-parse", f"{b.main}~{100 + b.n}")
    b.n += 1
    return ["origin", f"{old}:refs/heads/old-{b.n}"], f"refs/heads/old-{b.n}", old


def deletion(b: Bench, key: str) -> tuple[list[str], str, str | None]:
    name = f"refs/heads/gone-{b.n}"
    b.n += 1
    git(b.server, "update-ref", name, f"{b.main}~5")
    return ["origin", f":{name}"], name, None


def bypass(b: Bench, key: str) -> tuple[list[str], str, str | None]:
    tip = b.commit(b.ref(b.main) or "", "lib/sqlalchemy/bench_fixture.py", settings_line(key))
    return ["-o", "psguard.bypass=bench fixture key, never live", "origin",
            f"{tip}:{b.main}"], b.main, tip


CASES = [("key in a commit on main", key_commit, False),
         ("key on a new branch", key_branch, False),
         ("key in an annotated tag message", key_tag, False),
         ("clean commit on main", clean_commit, True),
         ("new branch of existing commits", existing_branch, True),
         ("branch deletion", deletion, True),
         ("key with -o psguard.bypass", bypass, True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", type=Path, default=MIRROR)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (args.mirror / "HEAD").exists():
        print(f"skipped: no mirror at {args.mirror}")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="psguard-bench-prereceive-"))
    ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    try:
        started = time.perf_counter()
        bench = Bench(tmp, args.mirror)
        commits = git(bench.server, "rev-list", "--all", "--count")
        refs = len(git(bench.server, "for-each-ref").splitlines())
        print(f"server: bare clone of {args.mirror}: {commits} commits, {refs} refs "
              f"(set up in {time.perf_counter() - started:.1f} s)")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
        bench.push("origin", f"{bench.ref(bench.main)}:refs/heads/warm-up")  # caches
        print(f"{'case':34} {'expected':>9} {'ok':>4} {'hook median ms':>15} "
              f"{'max ms':>8} {'CPU median ms':>14}  raw key shown")
        for name, case, accept in CASES:
            row = run_case(bench, name, args.runs, case, accept)
            print(f"{name:34} {row['expected']:>9} {'yes' if row['as_expected'] else 'NO':>4} "
                  f"{float(row['median']) * 1000:15.0f} {float(row['max']) * 1000:8.0f} "
                  f"{float(row['cpu']) * 1000:14.0f}  "
                  f"{'YES' if row['raw_key_shown'] else 'no'}")
        log = bench.server / "psguard" / "bypass.log"
        entries = [json.loads(line) for line in log.read_text().splitlines()] \
            if log.exists() else []
        print(f"bypass log: {len(entries)} entries; reasons: "
              f"{sorted({str(e['reason']) for e in entries})}; "
              f"fields: {sorted(entries[0]) if entries else []}; raw key in it: "
              f"{'YES' if log.exists() and any(k in log.read_text() for k in KEYS) else 'no'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
