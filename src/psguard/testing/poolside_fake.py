"""A local stand-in for the Poolside API, for verification tests and benchmarks.

A real HTTP(S) server on 127.0.0.1 in a background thread. ``GET /v1/models`` answers
like the API: the models list for a known key, a 401 problem+json body otherwise.
Individual keys can be given a fault instead (see ``Behaviour``). Every request is
recorded (headers included) so tests can assert what was sent, and to whom.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _model(name: str, created: int) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": "poolside"}


# What an OpenAI-compatible models list looks like for a Poolside deployment.
MODELS = {"object": "list",
          "data": [_model("poolside/malibu", 1727740800), _model("poolside/point", 1727740800),
                   _model("poolside/malibu-agent", 1735689600),
                   _model("poolside/laguna-embed", 1735689600)]}
# Key metadata a deployment may add beside the list (``key``): which kind of key it is.
SERVICE_KEY = {"type": "service_account", "name": "ci-deploy", "scopes": ["inference",
               "models:read"], "expires_at": "2027-06-30T00:00:00Z"}
DEVELOPER_KEY = {"type": "developer", "name": "laptop", "scopes": ["inference"]}


@dataclass
class Behaviour:
    """What the server does for one key.

    kind: ok | restricted (403) | status (any code, e.g. 500, 418) | retry_after (429 with
    Retry-After) | fail_first (``status`` for the first ``times`` requests, then ok) |
    slow (sleep ``delay`` then ok) | drop (close without answering) | redirect (302 to
    ``location``). An ok answer lists MODELS, plus ``meta`` as the key's description,
    or is exactly ``body``.
    """

    kind: str = "ok"
    status: int = 200
    retry_after: str | None = None
    times: int = 1
    delay: float = 0.0
    location: str = ""
    seen: int = 0
    meta: dict[str, Any] | None = None  # ok: the ``key`` object sent beside the models
    body: bytes | None = None  # ok: this exact body instead (hostile or huge answers)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    key: str | None
    at: float


@dataclass
class FakePoolside:
    latency: float = 0.0  # seconds added to every answer
    tls_context: ssl.SSLContext | None = None
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    set_cookie: bool = True

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests this server handled at once
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle's
            # algorithm and delayed ACKs add ~40 ms to every answer.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops bursts of connections
            daemon_threads = True
            block_on_close = False

        self.server = Server(("127.0.0.1", 0), Handler)
        if self.tls_context is not None:
            self.server.socket = self.tls_context.wrap_socket(
                self.server.socket, server_side=True, do_handshake_on_connect=False)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- configuration -------------------------------------------------------------
    def know(self, *keys: str, meta: dict[str, Any] | None = None) -> None:
        for k in keys:
            self.behaviours[k] = Behaviour("ok", meta=meta)

    def fault(self, key: str, kind: str, **kw: Any) -> None:
        self.behaviours[key] = Behaviour(kind, **kw)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}/v1"

    # --- observation ---------------------------------------------------------------
    def count(self, key: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if key is None or r.key == key)

    def times(self, key: str) -> list[float]:
        with self._lock:
            return [r.at for r in self.requests if r.key == key]

    # --- lifecycle -----------------------------------------------------------------
    def __enter__(self) -> FakePoolside:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the API -------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        auth = h.headers.get("Authorization", "")
        key = auth[7:] if auth.startswith("Bearer ") else None
        with self._lock:
            self.requests.append(Seen(h.path, {k.lower(): v for k, v in h.headers.items()},
                                      key, time.monotonic()))
            b = self.behaviours.get(key or "")
            if b is not None:
                b.seen += 1
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._answer(h, b)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, h: BaseHTTPRequestHandler, b: Behaviour | None) -> None:
        if self.latency:
            time.sleep(self.latency)
        if h.path.rstrip("/") != "/v1/models" or h.command != "GET":
            return self._json(h, 404, {"type": "about:blank", "title": "Not Found",
                                       "status": 404}, "application/problem+json")
        if b is None:
            return self._json(h, 401, {"type": "about:blank", "title": "Unauthorized",
                                       "status": 401, "detail": "Invalid API key"},
                              "application/problem+json")
        kind = b.kind
        if kind == "fail_first":
            kind = "status" if b.seen <= b.times else "ok"
        if kind == "ok" and b.body is not None:
            return self._send(h, 200, b.body, "application/json")
        if kind == "ok":
            return self._json(h, 200, {**MODELS, "key": b.meta} if b.meta else MODELS)
        if kind == "restricted":
            return self._json(h, 403, {"type": "about:blank", "title": "Forbidden",
                                       "status": 403}, "application/problem+json")
        if kind in ("status", "retry_after"):
            extra = {"Retry-After": b.retry_after} if b.retry_after is not None else {}
            code = 429 if kind == "retry_after" else b.status
            return self._json(h, code, {"type": "about:blank", "status": code},
                              "application/problem+json", extra)
        if kind == "slow":
            time.sleep(b.delay)
            return self._json(h, 200, MODELS)
        if kind == "drop":
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return None
        if kind == "redirect":
            return self._json(h, 302, {}, extra={"Location": b.location})
        raise AssertionError(f"unknown behaviour {kind}")

    def _json(self, h: BaseHTTPRequestHandler, code: int, body: dict[str, Any],
              ctype: str = "application/json", extra: dict[str, str] | None = None) -> None:
        self._send(h, code, json.dumps(body).encode(), ctype, extra)

    def _send(self, h: BaseHTTPRequestHandler, code: int, data: bytes, ctype: str,
              extra: dict[str, str] | None = None) -> None:
        try:
            h.send_response(code)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            if self.set_cookie:
                h.send_header("Set-Cookie", "session=fake-session; Path=/")
            for name, value in (extra or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeouts, deadlines)
