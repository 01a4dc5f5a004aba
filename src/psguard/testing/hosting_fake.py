"""A local stand-in for the GitHub and GitLab REST APIs (the calls `psguard audit
--github-org/--gitlab-group` makes), on 127.0.0.1 in a background thread.

GitHub: `GET /orgs/{org}/repos`, pages linked by `Link: <…>; rel="next"`, the token as
`Authorization: Bearer`. GitLab: `GET /groups/{group}/projects`, pages by `X-Next-Page`,
the token as `PRIVATE-TOKEN`. A wrong token gets 401. With `rate_limit_page`, the first
request for that page is rate limited (GitHub: 403 with X-RateLimit-Remaining: 0 and
X-RateLimit-Reset; GitLab: 429 with Retry-After), the next one answered.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeHosting:
    def __init__(self, token: str, repos: list[dict[str, Any]], *, per_page: int = 2,
                 rate_limit_page: int | None = None) -> None:
        """repos: {"name", "url", "fork": bool, "archived": bool} in listing order."""
        self.token = token
        self.repos = repos
        self.per_page = per_page
        self.rate_limit_page = rate_limit_page
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._limited = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHosting:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def pages_asked(self) -> list[int]:
        return [int(parse_qs(urlsplit(path).query).get("page", ["1"])[0])
                for path, _ in self.requests]

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append((h.path, {k.lower(): v for k, v in h.headers.items()}))
        parts = urlsplit(h.path)
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        github = parts.path.startswith("/orgs/")
        if github:
            authorised = h.headers.get("Authorization") == f"Bearer {self.token}"
        else:
            authorised = h.headers.get("PRIVATE-TOKEN") == self.token
        if not authorised:
            return self._send(h, 401, {"message": "Bad credentials"})
        if page == self.rate_limit_page and not self._limited:
            self._limited = True
            if github:
                return self._send(h, 403, {"message": "API rate limit exceeded"}, {
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(time.time()) + 1)})
            return self._send(h, 429, {"message": "429 Too Many Requests"},
                              {"Retry-After": "1"})
        chunk = self.repos[(page - 1) * self.per_page: page * self.per_page]
        more = page * self.per_page < len(self.repos)
        headers: dict[str, str] = {}
        if github:
            body: list[dict[str, Any]] = [
                {"name": r["name"], "clone_url": r["url"], "fork": r["fork"],
                 "archived": r["archived"]} for r in chunk]
            if more:
                query = parts.query.replace(f"page={page}", "") if "page=" in parts.query \
                    else parts.query
                headers["Link"] = (f'<{self.url}{parts.path}?{query.strip("&")}'
                                   f'&page={page + 1}>; rel="next"')
        else:
            body = [{"name": r["name"], "http_url_to_repo": r["url"], "archived": r["archived"],
                     **({"forked_from_project": {"id": 1}} if r["fork"] else {})}
                    for r in chunk]
            headers["X-Next-Page"] = str(page + 1) if more else ""
        return self._send(h, 200, body, headers)

    def _send(self, h: BaseHTTPRequestHandler, code: int, body: Any,
              headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        h.send_response(code)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)
