"""Git hooks: through the real pre-commit framework, and installed by `psguard install`.

Every test drives real git commands in temporary repositories; hooks run the way git
runs them. The pre-commit framework's fixtures (`framework`, `fw_repo`) live in
conftest.py, shared with every e2e test that installs the hooks the way users do.
"""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from psguard.testing import Repo, git_run, make_key, output, run_psguard

# --- the pre-commit framework (fixtures in conftest.py) --------------------------------


def test_framework_blocks_a_commit_that_adds_a_key(fw_repo: Repo) -> None:
    key = make_key()
    fw_repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    fw_repo.git("add", "settings.py")
    proc = git_run(fw_repo, "commit", "-m", "add settings")
    assert proc.returncode == 1
    out = output(proc)
    assert key not in out
    assert key[-4:] in out and "settings.py:1:21" in out
    assert "What to do now" in out and "git restore --staged settings.py" in out
    assert "SKIP=psguard" in out and "--no-verify" in out
    assert fw_repo.git("log", "--format=%s", "-1") == "add pre-commit config"
    # the documented bypass works
    proc = git_run(fw_repo, "commit", "-m", "add settings", env={"SKIP": "psguard"})
    assert proc.returncode == 0, output(proc)


def test_framework_blocks_a_staged_log_repeating_a_key_and_counts_every_place(
        fw_repo: Repo) -> None:
    # 2 MB, a key on every line: the hook took 27 s on this before the engine was made
    # linear. The timeout detects a hang, it is not a speed limit.
    from psguard.testing.repeats import repeated_keys

    key = make_key()
    data, count = repeated_keys(key, 2 * 1024 * 1024, "every-line")
    fw_repo.write("server.log", data)
    fw_repo.git("add", "server.log")
    proc = subprocess.run(["git", "commit", "-m", "add log"], cwd=fw_repo.path,
                          env=fw_repo.env, text=True, capture_output=True, timeout=900)
    assert proc.returncode == 1
    out = output(proc)
    assert key not in out and "server.log:1:9" in out
    assert f"… and {count - 10} more place(s)" in out  # 10 listed, the rest counted
    assert fw_repo.git("log", "--format=%s", "-1") == "add pre-commit config"


def test_framework_lets_a_clean_commit_through(fw_repo: Repo) -> None:
    fw_repo.write("app.py", "import os\nKEY = os.environ['POOLSIDE_API_KEY']  # ps-<your-key>\n")
    fw_repo.git("add", "app.py")
    proc = git_run(fw_repo, "commit", "-m", "read the key from the environment")
    assert proc.returncode == 0, output(proc)
    assert fw_repo.git("log", "--format=%s", "-1") == "read the key from the environment"


def test_framework_commit_msg_hook_blocks_a_key_in_the_message(fw_repo: Repo) -> None:
    key = make_key()
    fw_repo.write("a.txt", "fine\n")
    fw_repo.git("add", "a.txt")
    proc = git_run(fw_repo, "commit", "-m", f"rotate to {key}")
    assert proc.returncode == 1
    out = output(proc)
    assert key not in out and key[-4:] in out
    assert "commit message holds a Poolside API key" in out
    assert "COMMIT_EDITMSG" in out
    assert fw_repo.git("log", "--format=%s", "-1") == "add pre-commit config"


def test_framework_pre_push_blocks_a_branch_with_a_key(fw_repo: Repo, tmp_path: Path) -> None:
    fw_repo.add_origin(tmp_path / "remote.git")
    proc = git_run(fw_repo, "push", "-u", "origin", "main")
    assert proc.returncode == 0, output(proc)
    key = make_key()
    fw_repo.git("checkout", "-q", "-b", "feature")
    fw_repo.write("deploy.sh", f"export POOLSIDE_API_KEY={key}\n")
    fw_repo.git("add", "deploy.sh")
    assert git_run(fw_repo, "commit", "-m", "deploy", env={"SKIP": "psguard"}).returncode == 0
    fw_repo.write("more.txt", "more\n")
    fw_repo.commit("more", "more.txt")
    proc = git_run(fw_repo, "push", "origin", "feature")
    assert proc.returncode != 0
    out = output(proc)
    assert key not in out and key[-4:] in out
    assert "push blocked" in out and "deploy.sh" in out
    assert git_run(fw_repo, "ls-remote", "--heads", "origin", "feature").stdout == ""
    # a clean branch pushes
    fw_repo.git("checkout", "-q", "main")
    fw_repo.git("checkout", "-q", "-b", "clean")
    fw_repo.write("ok.txt", "ok\n")
    fw_repo.commit("ok", "ok.txt")
    proc = git_run(fw_repo, "push", "origin", "clean")
    assert proc.returncode == 0, output(proc)


# --- psguard install -------------------------------------------------------------------------


def hooks_dir(repo: Repo) -> Path:
    return repo.path / ".git" / "hooks"


def install(repo: Repo, *args: str):
    return run_psguard("install", *args, str(repo.path), env={"HOME": str(repo.home)})


def test_install_writes_three_hooks_that_block_and_pass(repo: Repo, tmp_path: Path) -> None:
    run = install(repo)
    assert run.code == 0, run.stderr
    for hook in ("pre-commit", "pre-push", "commit-msg"):
        path = hooks_dir(repo) / hook
        assert path.stat().st_mode & stat.S_IXUSR
        assert sys.executable in path.read_text()
    key = make_key()
    repo.write("config.yaml", f"poolside:\n  api_key: {key}\n")
    repo.git("add", "config.yaml")
    proc = git_run(repo, "commit", "-m", "config")
    assert proc.returncode == 1
    out = output(proc)
    assert key not in out and "config.yaml:2:12" in out and "git commit --no-verify" in out
    repo.git("rm", "-q", "--cached", "config.yaml")
    repo.write("notes.txt", "hello\n")
    repo.git("add", "notes.txt")
    assert git_run(repo, "commit", "-m", "notes").returncode == 0
    proc = git_run(repo, "commit", "--allow-empty", "-m", f"key is {key}")
    assert proc.returncode == 1 and "commit message" in output(proc)
    # pre-push: a new branch whose commits hold the key, to a local bare remote
    repo.add_origin(tmp_path / "remote.git")
    assert git_run(repo, "push", "-q", "origin", "main").returncode == 0
    repo.git("checkout", "-q", "-b", "topic")
    repo.git("add", "config.yaml")
    assert git_run(repo, "commit", "--no-verify", "-m", "config").returncode == 0
    proc = git_run(repo, "push", "origin", "topic")
    assert proc.returncode != 0
    assert "push blocked" in output(proc) and key not in output(proc)
    # deleting a remote branch pushes no content: never blocked
    assert git_run(repo, "push", "-q", "origin", "main:gone").returncode == 0
    assert git_run(repo, "push", "-q", "origin", ":gone").returncode == 0


def test_install_respects_core_hooks_path(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", "ci/hooks")
    run = install(repo, "--hook", "pre-commit")
    assert run.code == 0, run.stderr
    assert (repo.path / "ci" / "hooks" / "pre-commit").exists()
    assert not (hooks_dir(repo) / "pre-commit").exists()
    assert not (repo.path / "ci" / "hooks" / "pre-push").exists()
    key = make_key()
    repo.write("k.txt", f"{key}\n")
    repo.git("add", "k.txt")
    assert git_run(repo, "commit", "-m", "k").returncode == 1


def _existing_hook(repo: Repo, name: str, body: str) -> Path:
    path = hooks_dir(repo) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_install_chains_to_an_existing_hook_and_uninstall_restores_it(repo: Repo) -> None:
    marker = repo.path / "ran.txt"
    original = f'echo "original ran with $# arg(s)" >> "{marker}"\nexit 0'
    _existing_hook(repo, "commit-msg", original)
    before = (hooks_dir(repo) / "commit-msg").read_text()
    run = install(repo)
    assert run.code == 0
    assert "kept as commit-msg.psguard-orig" in run.stdout
    assert (hooks_dir(repo) / "commit-msg.psguard-orig").read_text() == before
    # clean commit: the original ran (with git's argument) and psguard let it through
    assert git_run(repo, "commit", "--allow-empty", "-m", "hello").returncode == 0
    assert marker.read_text() == "original ran with 1 arg(s)\n"
    # a key in the message: the original runs first, psguard blocks
    key = make_key()
    proc = git_run(repo, "commit", "--allow-empty", "-m", f"oops {key}")
    assert proc.returncode == 1 and "commit message" in output(proc)
    assert marker.read_text().count("original ran") == 2
    # reinstalling keeps the chain (no double wrapping)
    assert install(repo).code == 0
    assert (hooks_dir(repo) / "commit-msg.psguard-orig").read_text() == before
    # uninstall puts the original back and removes the others
    run = install(repo, "--uninstall")
    assert run.code == 0, run.stderr
    assert (hooks_dir(repo) / "commit-msg").read_text() == before
    assert not (hooks_dir(repo) / "commit-msg.psguard-orig").exists()
    assert not (hooks_dir(repo) / "pre-commit").exists()
    assert not (hooks_dir(repo) / "pre-push").exists()
    assert git_run(repo, "commit", "--allow-empty", "-m", f"oops {key}").returncode == 0


def test_a_failing_original_hook_keeps_its_exit_code(repo: Repo) -> None:
    _existing_hook(repo, "pre-commit", 'echo "lint failed" >&2\nexit 3')
    assert install(repo, "--hook", "pre-commit").code == 0
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    proc = git_run(repo, "commit", "-m", "a")
    assert proc.returncode == 1  # git reports a failed hook as 1
    assert "lint failed" in proc.stderr
    # the hook itself exits with the original's code
    hook = subprocess.run([str(hooks_dir(repo) / "pre-commit")], cwd=repo.path,
                          env=repo.env, capture_output=True)
    assert hook.returncode == 3


def test_install_refuses_to_overwrite_silently(repo: Repo) -> None:
    _existing_hook(repo, "pre-push", "exit 0")
    _existing_hook(repo, "pre-push.psguard-orig", "echo older")
    run = install(repo, "--hook", "pre-push")
    assert run.code == 2
    assert "psguard: error:" in run.stderr and "--force" in run.stderr
    assert (hooks_dir(repo) / "pre-push").read_text() == "#!/bin/sh\nexit 0\n"
    run = install(repo, "--hook", "pre-push", "--force")
    assert run.code == 0
    assert (hooks_dir(repo) / "pre-push.psguard-orig").read_text() == "#!/bin/sh\nexit 0\n"


def test_installed_hook_fails_closed_when_psguard_cannot_run(repo: Repo) -> None:
    assert install(repo, "--hook", "pre-commit").code == 0
    hook = hooks_dir(repo) / "pre-commit"
    text = hook.read_text()
    # The virtual environment that installed the hook is gone.
    hook.write_text(text.replace(f"PSGUARD_PYTHON={sys.executable}",
                                 f"PSGUARD_PYTHON={repo.path / 'no-such-python'}"))
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    proc = git_run(repo, "commit", "-m", "a")
    assert proc.returncode == 1
    assert "cannot run psguard" in proc.stderr and "fail closed" in proc.stderr
    # An interpreter that no longer has psguard (exits 1 like a finding would).
    fake = repo.home / "python-without-psguard"
    fake.write_text("#!/bin/sh\necho \"No module named psguard\" >&2\nexit 1\n")
    fake.chmod(0o755)
    hook.write_text(text.replace(f"PSGUARD_PYTHON={sys.executable}", f"PSGUARD_PYTHON={fake}"))
    proc = git_run(repo, "commit", "-m", "a")
    assert proc.returncode == 1
    assert "cannot run psguard" in proc.stderr
    # restored: a clean commit goes through
    hook.write_text(text)
    assert git_run(repo, "commit", "-m", "a").returncode == 0


def test_a_psguard_folder_in_the_work_tree_does_not_run_instead_of_psguard(repo: Repo) -> None:
    """git runs hooks at the top of the work tree, and `python -m` (or -c) puts that
    directory first on the import path: a repository's own psguard/ would have run in
    place of psguard, and let every key through."""
    assert install(repo, "--hook", "pre-commit").code == 0
    marker = repo.home / "ran"
    planted = f"open({str(marker)!r}, 'w').close()\nimport sys\nsys.exit(0)\n"
    for name in ("__init__.py", "__main__.py", "cli.py"):
        repo.write(f"psguard/{name}", planted)
    repo.write("config.py", f"POOLSIDE_API_KEY = '{make_key()}'\n")
    repo.git("add", "psguard", "config.py")
    proc = git_run(repo, "commit", "-m", "a")
    assert proc.returncode == 1
    assert "POOLSIDE_API_KEY" in proc.stderr or "config.py" in proc.stderr
    assert not marker.exists()


def run_python(repo: Repo, code: str) -> subprocess.CompletedProcess[str]:
    """Python code run in the repository's work tree, as git runs a hook there."""
    return subprocess.run([sys.executable, "-c", code], cwd=repo.path, env=repo.env,
                          capture_output=True, text=True)


def test_hook_crash_blocks_with_a_clear_message(repo: Repo) -> None:
    """An unexpected exception inside the hook blocks (fail closed), without a key."""
    key = make_key()
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    harness = (
        "import sys, psguard.pipeline as app\n"
        "def boom(*_args, **_kwargs):\n"
        f"    raise RuntimeError('parser exploded near {key}')\n"
        "app.run_scan = boom\n"
        "from psguard.cli import main\n"
        "sys.exit(main(['hook', 'pre-commit']))\n"
    )
    proc = run_python(repo, harness)
    assert proc.returncode == 2
    assert "internal error in the pre-commit hook" in proc.stderr
    assert "blocked" in proc.stderr and "--no-verify" in proc.stderr
    assert key not in proc.stderr and key[-4:] in proc.stderr


def test_hook_outside_a_repository_blocks(tmp_path: Path) -> None:
    run = run_psguard("hook", "pre-commit", cwd=tmp_path)
    assert run.code == 2
    assert "not a git repository" in run.stderr and "blocked" in run.stderr


def test_pre_commit_hook_does_not_block_keys_already_in_head(repo: Repo) -> None:
    key = make_key()
    repo.write("old.py", f'KEY = "{key}"\n')
    repo.commit("old key", "old.py")
    repo.write("old.py", f'KEY = "{key}"\nOTHER = 1\n')
    repo.git("add", "old.py")
    run = run_psguard("hook", "pre-commit", cwd=repo.path)
    assert run.code == 0, run.stderr
    assert "already in HEAD" in run.stderr


def test_pre_push_reads_pre_commit_variables(repo: Repo) -> None:
    """PRE_COMMIT_FROM_REF/TO_REF as the framework sets them: only that range counts."""
    key = make_key()
    root = repo.commit("root")
    repo.write("a.txt", f"{key}\n")
    with_key = repo.commit("key", "a.txt")
    repo.write("b.txt", "clean\n")
    tip = repo.commit("clean", "b.txt")
    env = {"PRE_COMMIT_FROM_REF": with_key, "PRE_COMMIT_TO_REF": tip,
           "PRE_COMMIT_REMOTE_NAME": "origin", "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
           "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main"}
    assert run_psguard("hook", "pre-push", cwd=repo.path, env=env).code == 0
    env["PRE_COMMIT_FROM_REF"] = root
    run = run_psguard("hook", "pre-push", cwd=repo.path, env=env)
    assert run.code == 1 and "a.txt" in run.stderr and key not in run.stderr
    # pushing from the root commit: the framework sets no FROM/TO, only the branch
    del env["PRE_COMMIT_FROM_REF"], env["PRE_COMMIT_TO_REF"]
    assert run_psguard("hook", "pre-push", cwd=repo.path, env=env).code == 1


def test_pre_push_stdin_protocol(repo: Repo, tmp_path: Path) -> None:
    """git's pre-push input, line by line: updates, new branches, deletions, several refs."""
    remote = repo.add_origin(tmp_path / "remote.git")
    old_key = make_key()
    repo.write("old.txt", f"{old_key}\n")
    repo.commit("a key that is already on the remote", "old.txt")
    repo.git("push", "-q", "origin", "main")
    pushed = repo.git("rev-parse", "main")
    zero = "0" * 40
    # an update of main with a clean commit: the old key is not this push's business
    repo.write("a.txt", "a\n")
    clean = repo.commit("clean", "a.txt")
    update = f"refs/heads/main {clean} refs/heads/main {pushed}\n"
    run = run_psguard("hook", "pre-push", "origin", str(remote.path), cwd=repo.path,
                      input=update)
    assert run.code == 0, run.stderr
    # a new branch with a key, pushed together with the clean update
    key = make_key()
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("b.txt", f"{key}\n")
    topic = repo.commit("key", "b.txt")
    both = update + f"refs/heads/topic {topic} refs/heads/topic {zero}\n"
    run = run_psguard("hook", "pre-push", "origin", str(remote.path), cwd=repo.path,
                      input=both)
    assert run.code == 1
    assert "b.txt" in run.stderr and "old.txt" not in run.stderr and key not in run.stderr
    assert "topic" in run.stderr and "git push --no-verify" in run.stderr
    # deleting a branch pushes nothing
    delete = f"(delete) {zero} refs/heads/topic {topic}\n"
    run = run_psguard("hook", "pre-push", "origin", str(remote.path), cwd=repo.path,
                      input=delete)
    assert run.code == 0
    # pushing to a URL (no remote-tracking refs): the remote's sha still bounds the range
    run = run_psguard("hook", "pre-push", str(remote.path), str(remote.path), cwd=repo.path,
                      input=update)
    assert run.code == 0, run.stderr


def test_clean_pre_commit_path_imports_no_heavy_modules(repo: Repo) -> None:
    """rich, GitPython and httpx each cost 70-180 ms to import: never on a clean commit."""
    repo.write("a.txt", "nothing to see\n")
    repo.git("add", "a.txt")
    harness = (
        "import sys\n"
        "from psguard.cli import main\n"
        "code = main(['hook', 'pre-commit'])\n"
        "heavy = sorted(m for m in ('rich', 'git', 'httpx', 'dask', 'distributed')\n"
        "               if m in sys.modules)\n"
        "print(code, ','.join(heavy) or '-')\n"
    )
    proc = run_python(repo, harness)
    assert proc.stdout.split() == ["0", "-"], proc.stdout + proc.stderr


def test_blocking_pre_commit_path_never_imports_dask(repo: Repo) -> None:
    """Dask (the audit's engine, an extra) is not on any hook's path, even when the
    hook blocks and reports."""
    repo.write("a.env", f"POOLSIDE_API_KEY={make_key()}\n")
    repo.git("add", "a.env")
    harness = (
        "import sys\n"
        "from psguard.cli import main\n"
        "code = main(['hook', 'pre-commit'])\n"
        "print(code, sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    proc = run_python(repo, harness)
    assert proc.stdout.split("\n")[-2] == "1 []", proc.stdout + proc.stderr


def test_framework_run_all_files_scans_the_tree(fw_repo: Repo) -> None:
    """`pre-commit run --all-files` (what CI and pre-commit.ci run) checks every file."""
    key = make_key()
    fw_repo.write("old/config.ini", f"[poolside]\napi_key = {key}\n")
    fw_repo.git("add", "old/config.ini")
    assert git_run(fw_repo, "commit", "-m", "old", env={"SKIP": "psguard"}).returncode == 0
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "psguard",
                           "--all-files"], cwd=fw_repo.path, env=fw_repo.env,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    out = output(proc)
    assert "old/config.ini:2:11" in out and key not in out and "files checked" in out
    fw_repo.git("rm", "-q", "old/config.ini")
    fw_repo.commit("remove")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "psguard",
                           "--all-files"], cwd=fw_repo.path, env=fw_repo.env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, output(proc)


def test_pre_commit_hook_with_file_names(repo: Repo) -> None:
    key = make_key()
    repo.write("tracked.txt", f"{key}\n")
    repo.commit("tracked", "tracked.txt")
    repo.write("new.txt", "clean\n")
    repo.git("add", "new.txt")
    # the framework in a normal commit passes exactly the staged files: HEAD's key is old
    assert run_psguard("hook", "pre-commit", "new.txt", cwd=repo.path).code == 0
    # --all-files passes every file: the committed key is found in the work tree
    run = run_psguard("hook", "pre-commit", "new.txt", "tracked.txt", cwd=repo.path)
    assert run.code == 1 and "tracked.txt:1:1" in run.stderr and key not in run.stderr


# --- file names are never options (issue 19, row 1) -------------------------------------


def _fw_args_config(framework: dict[str, str], args: str) -> str:
    """psguard's pre-commit hook with the user's own `args:` in the config."""
    return ("default_install_hook_types: [pre-commit, pre-push, commit-msg]\nrepos:\n"
            f"  - repo: {framework['repo']}\n    rev: {framework['rev']}\n    hooks:\n"
            f"      - id: psguard\n        args: {args}\n")


@pytest.mark.parametrize("name", ["-h", "--help", "--fail-on=rejected", "--show-secrets",
                                  "--config"])
def test_framework_file_named_like_an_option_is_a_file(fw_repo: Repo, name: str) -> None:
    key = make_key()
    fw_repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    fw_repo.write(name, "nothing here\n")
    fw_repo.git("add", "--", "settings.py", name)
    proc = git_run(fw_repo, "commit", "-m", "sneak it in")
    out = output(proc)
    assert proc.returncode != 0, out
    assert "commit blocked" in out and key[-4:] in out
    assert key not in out and "usage:" not in out
    assert fw_repo.git("log", "--format=%s", "-1") == "add pre-commit config"


def test_framework_honours_the_users_args(fw_repo: Repo, framework: dict[str, str]) -> None:
    fw_repo.write(".pre-commit-config.yaml", _fw_args_config(framework, "[--show-secrets]"))
    fw_repo.commit("show keys in hook output", ".pre-commit-config.yaml")
    key = make_key()
    fw_repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    fw_repo.write("-h", "a file, not an option\n")
    fw_repo.git("add", "--", "settings.py", "-h")
    proc = git_run(fw_repo, "commit", "-m", "add settings")
    assert proc.returncode == 1, output(proc)
    assert key in output(proc)  # the user's own --show-secrets took effect


def test_framework_fail_on_live_without_verification_blocks(
        fw_repo: Repo, framework: dict[str, str]) -> None:
    fw_repo.write(".pre-commit-config.yaml", _fw_args_config(framework, "[--fail-on, live]"))
    fw_repo.git("add", ".pre-commit-config.yaml")
    # a hook that can never block refuses every commit, its own config's included
    assert "can never block" in output(git_run(fw_repo, "commit", "-m", "only live keys"))
    git_run(fw_repo, "commit", "--no-verify", "-m", "only live keys block")
    key = make_key()
    fw_repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    fw_repo.git("add", "settings.py")
    proc = git_run(fw_repo, "commit", "-m", "add settings")
    out = output(proc)
    assert proc.returncode != 0, out
    assert "--fail-on live can never block without verification" in out
    assert fw_repo.git("log", "--format=%s", "-1") == "only live keys block"


def test_native_hook_file_named_like_an_option_is_a_file(repo: Repo) -> None:
    assert install(repo).code == 0
    key = make_key()
    repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    repo.write("--show-secrets", "x\n")
    repo.git("add", "--", "settings.py", "--show-secrets")
    proc = git_run(repo, "commit", "-m", "sneak it in")
    out = output(proc)
    assert proc.returncode == 1, out
    assert key not in out and key[-4:] in out


def test_hook_unknown_option_blocks_with_one_line(repo: Repo) -> None:
    key = make_key()
    repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    repo.git("add", "settings.py")
    run = run_psguard("hook", "pre-commit", "--no-such-option", "settings.py", cwd=repo.path)
    assert run.code == 2
    assert run.stderr.count("\n") == 1 and "unknown option '--no-such-option'" in run.stderr
