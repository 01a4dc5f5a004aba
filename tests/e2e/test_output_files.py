"""Report and baseline files are never written through a link (issue 19, row 11).

A repository can commit `psguard.sarif`, `.psguard-baseline.json` or a `reports/`
folder as a symbolic link pointing outside itself; a CI job that then runs
`psguard ci --output psguard.sarif` must not write there. A refused write is exit 2
with one line on stderr; a report holding raw keys is written mode 0600.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from psguard.testing import Repo, make_key, run_psguard

ORIGINAL = "ssh-ed25519 AAAA... the user's own file\n"


def _outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def _repo_with_link(repo: Repo, name: str, target: Path) -> None:
    repo.write("app.py", "import os\n")
    (repo.path / name).symlink_to(target)
    repo.commit("add a link")
    assert repo.git("ls-files", "-s", name).startswith("120000")  # committed as a link


@pytest.mark.parametrize("existing", [True, False], ids=["existing", "dangling"])
def test_scan_output_refuses_a_committed_symlink(repo: Repo, tmp_path: Path,
                                                 existing: bool) -> None:
    stolen = _outside(tmp_path) / "authorized_keys"
    if existing:
        stolen.write_text(ORIGINAL, encoding="utf-8")
    _repo_with_link(repo, "psguard.sarif", stolen)
    run = run_psguard("scan", "--format", "sarif", "--output", "psguard.sarif", cwd=repo.path)
    assert run.code == 2
    [line] = run.stderr.strip().splitlines()
    assert line == ("psguard: error: --output psguard.sarif: is a symbolic link; psguard "
                    "does not write through links (remove it, or choose another file)")
    if existing:
        assert stolen.read_text(encoding="utf-8") == ORIGINAL
    else:
        assert not stolen.exists()
    assert (repo.path / "psguard.sarif").is_symlink()


def test_a_symlinked_folder_inside_the_repository_is_refused(repo: Repo,
                                                             tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    _repo_with_link(repo, "reports", outside)
    run = run_psguard("scan", "--format", "json", "--output", "reports/psguard.json",
                      cwd=repo.path)
    assert run.code == 2
    [line] = run.stderr.strip().splitlines()
    assert "reports is a symbolic link inside the repository" in line
    assert list(outside.iterdir()) == []
    # the same path given absolute is refused too
    run = run_psguard("scan", "--output", str(repo.path / "reports" / "x.txt"), str(repo.path))
    assert run.code == 2 and list(outside.iterdir()) == []
    # a link to another work tree is not taken for the top of one
    other = tmp_path / "other-clone"
    (other / ".git").mkdir(parents=True)
    (repo.path / "elsewhere").symlink_to(other)
    run = run_psguard("scan", "--output", "elsewhere/psguard.txt", str(repo.path),
                      cwd=repo.path)
    assert run.code == 2 and "elsewhere is a symbolic link" in run.stderr
    assert sorted(p.name for p in other.iterdir()) == [".git"]


def test_ci_output_and_summary_are_not_written_through_links(repo: Repo,
                                                             tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    stolen = outside / "stolen.sarif"
    stolen.write_text(ORIGINAL, encoding="utf-8")
    repo.write("README.md", "project\n")
    base = repo.commit("initial")
    (repo.path / "psguard.sarif").symlink_to(stolen)
    (repo.path / "summary.md").symlink_to(stolen)
    repo.write("settings.py", f'KEY = "{make_key()}"\n')
    repo.commit("key and links")
    run = run_psguard("ci", "--range", f"{base}..HEAD", "--no-fetch", "--format", "sarif",
                      "--output", "psguard.sarif", cwd=repo.path)
    assert run.code == 2
    assert ("psguard: error: --output psguard.sarif: is a symbolic link; psguard does not "
            "write through links (remove it, or choose another file)") in run.stderr
    run = run_psguard("ci", "--range", f"{base}..HEAD", "--no-fetch", "--summary",
                      "summary.md", cwd=repo.path)
    assert run.code == 1  # the finding decides; the summary is only refused
    assert "summary summary.md: is a symbolic link" in run.stderr
    assert stolen.read_text(encoding="utf-8") == ORIGINAL


def test_baseline_create_and_update_refuse_links(repo: Repo, tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    repo.write("settings.py", f'KEY = "{make_key()}"\n')
    repo.commit("legacy key")
    # create: a dangling link where the baseline goes
    dangling = outside / "created-by-psguard.json"
    (repo.path / ".psguard-baseline.json").symlink_to(dangling)
    run = run_psguard("baseline", "create", str(repo.path))
    assert run.code == 2 and not dangling.exists()
    (repo.path / ".psguard-baseline.json").unlink()
    # update: a link to a real baseline outside the repository
    real = outside / "baseline.json"
    assert run_psguard("baseline", "create", "--output", str(real), str(repo.path)).code == 0
    before = real.read_text(encoding="utf-8")
    (repo.path / ".psguard-baseline.json").symlink_to(real)
    repo.write("more.py", f'OTHER = "{make_key()}"\n')
    run = run_psguard("baseline", "update", str(repo.path))
    assert run.code == 2
    [line] = run.stderr.strip().splitlines()
    assert "is a symbolic link; psguard does not write through links" in line
    assert real.read_text(encoding="utf-8") == before


def test_reports_with_raw_keys_are_private_and_others_follow_the_umask(
        repo: Repo, tmp_path: Path) -> None:
    key = make_key()
    repo.write("settings.py", f'KEY = "{key}"\n')
    repo.commit("key")
    out = tmp_path / "reports"
    out.mkdir()
    secret_report = out / "raw.json"
    secret_report.write_text("old report\n", encoding="utf-8")
    secret_report.chmod(0o644)
    run = run_psguard("scan", "--format", "json", "--show-secrets", "--output",
                      str(secret_report), str(repo.path))
    assert run.code == 1, run.stderr
    assert key in secret_report.read_text(encoding="utf-8")
    assert stat.S_IMODE(secret_report.stat().st_mode) == 0o600
    plain = out / "redacted.json"
    run = run_psguard("scan", "--format", "json", "--output", str(plain), str(repo.path))
    assert run.code == 1 and key not in plain.read_text(encoding="utf-8")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~umask
    assert json.loads(plain.read_text(encoding="utf-8"))["schema"] == "psguard/v1"
    assert sorted(p.name for p in out.iterdir()) == ["raw.json", "redacted.json"]  # no temp
