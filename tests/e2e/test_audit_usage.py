"""`psguard audit` usage errors: one line on stderr, exit 2, before any cluster starts."""

from __future__ import annotations

from pathlib import Path

from psguard.testing import run_psguard


def _one_line(args: list[str], expected: str) -> None:
    run = run_psguard("audit", *args, timeout=120)
    assert run.code == 2, run.stderr
    assert run.stderr.strip().splitlines() == [expected]
    assert run.stdout == ""


def test_nothing_to_audit() -> None:
    _one_line([], "psguard: error: nothing to audit: name repositories (URLs or paths), "
                  "--repos-from FILE, --github-org ORG or --gitlab-group GROUP")


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    _one_line([str(missing)], f"psguard: error: {missing}: no such repository (neither a "
                              "URL nor a path)")


def test_a_scheduler_address_that_is_not_one(tmp_path: Path) -> None:
    _one_line([str(tmp_path), "--scheduler", "10.0.0.5"],
              "psguard: error: --scheduler '10.0.0.5': expected tcp://HOST:PORT or "
              "tls://HOST:PORT")


def test_show_secrets_needs_keys_that_may_travel(tmp_path: Path) -> None:
    _one_line([str(tmp_path), "--show-secrets", "--keys-stay-on-workers"],
              "psguard: error: --show-secrets needs the raw keys, which leave the workers "
              "only over TLS or loopback: use a tls:// scheduler")


def test_a_remote_helper_url_is_refused(tmp_path: Path) -> None:
    _one_line(["ext::sh -c touch% /tmp/pwned"],
              "psguard: error: ext::sh -c touch% /tmp/pwned: no such repository (neither a "
              "URL nor a path)")
    _one_line(["fake+helper://u:pw99@host/x.git"],
              "psguard: error: fake+helper://host/x.git: only file, git, ssh, http and "
              "https URLs are fetched (no remote helper programs)")


def test_repos_from_reads_one_a_line(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("# our repositories\n\n" + str(tmp_path / "gone") + "  # old\n")
    _one_line(["--repos-from", str(listing)],
              f"psguard: error: {tmp_path / 'gone'}: no such repository (neither a URL nor "
              "a path)")
