"""A real headless browser for the tests: Debian's chromium, and a loopback web server
that serves pages and records every request made to it (a page that fetches anything
shows up there)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Set in CI (.ci/run): a missing browser fails the tests instead of skipping them.
REQUIRE_ENV = "PSGUARD_REQUIRE_BROWSER"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps"]


def chromium() -> str | None:
    """The chromium binary on PATH, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def _run(exe: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """chromium with a fresh profile; `timeout` catches a hang, it is not a speed."""
    with tempfile.TemporaryDirectory(prefix="psguard-chromium-") as profile:
        proc = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AssertionError(f"chromium exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc


def dump_dom(exe: str, url: str) -> str:
    """The document as the browser holds it after loading `url` (scripts run, if any
    are allowed to)."""
    return _run(exe, "--dump-dom", url).stdout


def print_pdf(exe: str, url: str, pdf: str) -> None:
    _run(exe, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)


class Recorder:
    """Pages served on 127.0.0.1, and every path any client asked for."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                body = recorder.pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def recording_server(pages: dict[str, bytes]) -> Iterator[Recorder]:
    recorder = Recorder(pages)
    thread = threading.Thread(target=recorder.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.server.shutdown()
        recorder.server.server_close()
        thread.join()


class Dom(HTMLParser):
    """A rendered document, parsed: its elements in order, its title, its text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._stack: list[str] = []
        self._title: list[str] = []
        self._text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "title" in self._stack:
            self._title.append(data)
        elif not {"style", "script"} & set(self._stack):
            self._text.append(data)

    @property
    def title(self) -> str:
        return "".join(self._title)

    @property
    def text(self) -> str:
        """The visible text, each text node apart, whitespace runs as one space."""
        return " ".join(" ".join(self._text).split())

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]
