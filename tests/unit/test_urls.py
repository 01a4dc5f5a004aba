"""psguard.urls: which arguments are URLs, and their credential-free forms;
git/mirror.py's reading of git's failure messages."""

from __future__ import annotations

from pathlib import Path

from psguard.git.mirror import classify, mirror_path
from psguard.urls import is_remote, scrub_credentials, strip_credentials


def test_remote_or_path() -> None:
    for url in ("https://h/x.git", "git://h/x", "ssh://git@h/x", "file:///srv/x.git",
                "git@github.com:org/x.git"):
        assert is_remote(url), url
    for path in (".", "repo", "/srv/x.git", "C:/x", "./a:b"):
        assert not is_remote(path), path


def test_credentials_stripped() -> None:
    assert strip_credentials("https://u:tok123@h.example/o/x.git") == "https://h.example/o/x.git"
    assert strip_credentials("https://tok123@h.example/x") == "https://h.example/x"
    assert (strip_credentials("https://h/x.git?private_token=abc&ref=main")
            == "https://h/x.git?ref=main")
    assert strip_credentials("ssh://git@h/x.git") == "ssh://git@h/x.git"  # a user name
    assert strip_credentials("ssh://git:pw@h/x.git") == "ssh://h/x.git"
    assert strip_credentials("git@h:o/x.git") == "git@h:o/x.git"


def test_credentials_scrubbed_from_messages() -> None:
    text = "fatal: unable to access 'https://u:tok123@h/x.git/?access_token=zz9': 403"
    assert "tok123" not in scrub_credentials(text)
    assert "zz9" not in scrub_credentials(text)


def test_mirror_path_ignores_credentials(tmp_path: Path) -> None:
    a = mirror_path("https://u:one@h/o/x.git", tmp_path)
    assert a == mirror_path("https://u:two@h/o/x.git", tmp_path)
    assert "one" not in a.name and a.parent == tmp_path


def test_failure_reasons() -> None:
    assert classify("fatal: Authentication failed for 'https://h/x'") == "authentication"
    assert classify("fatal: remote error: access denied or repository not exported: /m.git"
                    ) == "not found"
    assert classify("fatal: unable to access 'https://h/': Could not resolve host: h"
                    ) == "network"
    assert classify("error: inflate: data stream error\nfatal: index-pack failed"
                    ) == "corrupt"
    for dropped in ("fatal: packet write failed: Broken pipe",
                    "fatal: read error: Connection reset by peer",
                    "fatal: the remote end hung up unexpectedly"):
        assert classify(dropped) == "network", dropped
