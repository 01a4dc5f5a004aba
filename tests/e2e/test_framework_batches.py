"""Thousands of staged files under the pre-commit framework: it splits their names into
batches and runs the hook once per batch; the report is printed once."""

from __future__ import annotations

import subprocess

from psguard.testing import Repo, make_key, output

# The framework passes at most 128 KB of file names a batch: 4,000 names of ~50
# characters (about 200 KB) make at least two batches.
FILES = 4000


def _config(framework: dict[str, str]) -> str:
    # a second hook that shows how many batches the framework ran
    return ("repos:\n"
            f"  - repo: {framework['repo']}\n    rev: {framework['rev']}\n"
            "    hooks:\n      - id: psguard\n"
            "  - repo: local\n    hooks:\n"
            "      - id: count-batches\n        name: count batches\n"
            "        entry: sh -c 'echo one-batch' --\n        language: system\n"
            "        require_serial: true\n        verbose: true\n")


def _commit(repo: Repo) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-q", "-m", "many files"], cwd=repo.path,
                          env=repo.env, text=True, capture_output=True)


def test_many_staged_files_one_report_and_still_blocked(
        fw_repo: Repo, framework: dict[str, str]) -> None:
    fw_repo.write(".pre-commit-config.yaml", _config(framework))
    fw_repo.commit("config", ".pre-commit-config.yaml")
    key = make_key()
    for i in range(FILES):
        fw_repo.write(f"generated/module-{i:05d}-with-a-rather-long-name.txt", f"{i}\n")
    fw_repo.write("generated/settings.env", f"POOLSIDE_API_KEY={key}\n")
    fw_repo.git("add", "generated")
    proc = _commit(fw_repo)
    out = output(proc)
    assert out.count("one-batch") >= 2, out[-2000:]  # the framework did split the files
    assert proc.returncode != 0
    assert out.count("commit blocked: 1 Poolside API key") == 1, out[-4000:]
    assert out.count("generated/settings.env:1:18") == 1
    assert key not in out
    assert fw_repo.git("log", "--format=%s", "-1") == "config"

    # the next attempt (another framework run, same index) is judged again, not waved
    # through by what the last run recorded
    proc = _commit(fw_repo)
    assert proc.returncode != 0
    assert output(proc).count("commit blocked: 1 Poolside API key") == 1

    # once the key is gone, the commit goes through
    fw_repo.write("generated/settings.env", "POOLSIDE_API_KEY=${FROM_THE_VAULT}\n")
    fw_repo.git("add", "generated/settings.env")
    proc = _commit(fw_repo)
    assert proc.returncode == 0, output(proc)[-2000:]
