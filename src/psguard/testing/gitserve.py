"""Local git servers for transport tests: smart HTTP with basic auth (git http-backend),
git:// (git daemon) and a stand-in ssh that runs the remote command locally.

Each is the real git server program over a real socket on 127.0.0.1, so a test sees
exactly the programs a client-side `git fetch` starts on that transport.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def basic_auth(user: str, password: str) -> str:
    """The Authorization header value for HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class _Backend(BaseHTTPRequestHandler):
    root: Path
    auth: str | None
    seen: list[str]
    delay: float

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        self.seen.append(self.headers.get("Authorization") or "")
        if self.delay:
            time.sleep(self.delay)
        body = self._body() if self.command == "POST" else b""
        if self.auth is not None and self.headers.get("Authorization") != self.auth:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = {"PATH": os.environ.get("PATH", ""), "GIT_PROJECT_ROOT": str(self.root),
               "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
               "REQUEST_METHOD": self.command, "REMOTE_ADDR": "127.0.0.1",
               "CONTENT_TYPE": self.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(body)), "GIT_CONFIG_NOSYSTEM": "1",
               "HOME": str(self.root)}
        for header, name in (("Git-Protocol", "HTTP_GIT_PROTOCOL"),
                             ("Content-Encoding", "HTTP_CONTENT_ENCODING")):
            if self.headers.get(header):
                env[name] = self.headers[header]
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             capture_output=True).stdout
        head, payload = _split_cgi(out)
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name and name.lower() != "content-length":
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _split_cgi(out: bytes) -> tuple[bytes, bytes]:
    """A CGI answer's headers and body: they part at the first blank line."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = out.partition(sep)
        if found and b"\n\n" not in head and b"\r\n\r\n" not in head:
            return head, body
    return out, b""


class HttpGitServer:
    """Smart HTTP for the bare repositories under root; with `auth` (a header value
    from basic_auth) every request without it gets 401. `seen` records each request's
    Authorization header. `delay`: seconds every answer waits (a slow server, so that
    a test can act while clients are mid-fetch)."""

    def __init__(self, root: Path, auth: str | None = None, delay: float = 0.0) -> None:
        self.seen: list[str] = []
        handler = type("Backend", (_Backend,), {"root": root, "auth": auth,
                                                "seen": self.seen, "delay": delay})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HttpGitServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def git_daemon(root: Path, *, push: bool = False) -> Iterator[str]:
    """`git daemon` serving the repositories under root; yields its git:// base URL.
    push: also accept pushes (receive-pack, which runs the repositories' hooks)."""
    port = _free_port()
    proc = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={root}",
         *(["--enable=receive-pack"] if push else []),
         "--listen=127.0.0.1", f"--port={port}", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root)})
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("git daemon did not start")
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def fake_ssh(bin_dir: Path, log: Path) -> Path:
    """An `ssh` that logs its arguments to log and runs the remote command (its last
    argument) locally: git's own tests reach ssh URLs this way. Answers OpenSSH's `-G`
    probe, so git treats it as OpenSSH."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "fake-ssh"
    script.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"$*\" >> '{log}'\n"
        "[ \"$1\" = -G ] && exit 0\n"
        "for last; do :; done\n"
        "exec sh -c \"$last\"\n", encoding="utf-8")
    script.chmod(0o755)
    return script


class FlakyProxy:
    """A TCP proxy on 127.0.0.1 to `port` that closes the first `drop` connections at
    once (a network failure, as a client sees it) and forwards the rest."""

    def __init__(self, port: int, drop: int) -> None:
        self.target = port
        self.drop = drop
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.connections <= self.drop:
                conn.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)
