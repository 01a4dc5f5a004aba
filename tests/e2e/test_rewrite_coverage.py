"""Keys a text replacement cannot reach (issue 20): pushed only as UTF-16 text, JSON `\\u`
escapes or inside a zip, the steps say so and the one rewrite removes those files from
every commit; a key pushed only as hex is listed in the replacements file. Followed
literally against a bare remote, the history is clean (`psguard scan --history` on a
fresh mirror)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from psguard.testing import Repo, init_repo, make_key, run_psguard
from psguard.testing.procedure import psguard_on_path, run_script, text_commands


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def test_utf16_zip_and_hex_keys_are_removed_by_the_printed_rewrite(
        tmp_path: Path, git_home: Path) -> None:
    wide, zipped, hexed, escaped = make_key(), make_key(), make_key(), make_key()
    work = init_repo(tmp_path / "work", git_home)
    remote = work.add_origin(tmp_path / "remote.git")
    work.write("windows/settings.ini", f"[api]\r\nkey={wide}\r\n".encode("utf-16"))
    work.write("bundle/config.zip", _zip("app.env", f"POOLSIDE_API_KEY={zipped}\n".encode()))
    work.write("dump.txt", f"token_hex = {hexed.encode().hex()}\n")
    work.write("web/config.json",
               '{"apiKey": "' + "".join(f"\\u{ord(ch):04x}" for ch in escaped) + '"}\n')
    work.write("README.md", "docs\n")
    work.commit("add settings")
    work.write("README.md", "more docs\n")
    work.commit("docs")
    work.git("push", "-q", "-u", "origin", "main")

    report = run_psguard("scan", "--history", "--format", "json", str(work.path)).json()
    how = {loc["path"]: loc["decoded_from"] for f in report["findings"]
           for loc in f["locations"]}
    assert how == {"windows/settings.ini": "utf-16le", "bundle/config.zip": "zip:app.env",
                   "dump.txt": "hex", "web/config.json": "json-escape"}
    by_path = {f["locations"][0]["path"]: f["remediation"] for f in report["findings"]}
    for path, form in (("windows/settings.ini", "utf-16le"), ("bundle/config.zip",
                                                               "zip:app.env")):
        texts = " ".join(s["text"] for s in by_path[path])
        assert f"In {path} ({form}) the key is not stored as plain text" in texts
        assert "a text replacement cannot match" in texts
    assert "not stored as plain text" not in " ".join(s["text"] for s in by_path["dump.txt"])
    # One rewrite for all three: the same filter-repo command in every key's steps.
    rewrite = {next(s["command"] for s in steps if "--replace-text" in (s["command"] or ""))
               for steps in by_path.values()}
    assert len(rewrite) == 1
    assert ("--path bundle/config.zip --path web/config.json --path windows/settings.ini "
            "--invert-paths") in rewrite.pop()

    # Followed literally from the compact text report, from the clone on.
    text = run_psguard("scan", "--history", str(work.path), env={"NO_COLOR": "1"}).stdout
    said = " ".join(text.split())  # the text report wraps at 100 columns
    assert "In windows/settings.ini (utf-16le) the key is not stored as plain text" in said
    assert "In bundle/config.zip (zip:app.env) the key is not stored as plain text" in said
    commands = text_commands(text)
    start = next(i for i, c in enumerate(commands) if c.startswith("git clone --no-local"))
    proc = run_script(commands[start:], work.path, {**work.env, **psguard_on_path(tmp_path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr

    check = tmp_path / "check.git"
    work.git("clone", "-q", "--mirror", "--no-local", str(remote.path), str(check))
    clean = run_psguard("scan", "--history", str(check))
    assert clean.code == 0, clean.stdout + clean.stderr
    mirror = Repo(check, git_home)
    files = mirror.git("ls-tree", "-r", "--name-only", "main").splitlines()
    assert files == ["README.md", "dump.txt"]  # the two unreachable forms' files removed
    assert hexed.encode().hex() not in mirror.git("show", "main:dump.txt")
    assert "***REMOVED-POOLSIDE-KEY***" in mirror.git("show", "main:dump.txt")

