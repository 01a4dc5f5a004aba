"""The verifier: ``GET {endpoint}/models`` with ``Authorization: Bearer <key>``.

Worker threads + httpx.Client: one client per endpoint, a global bound on requests
in flight (the number of workers), a token-bucket rate limit per endpoint, retries with
exponential backoff and full jitter on 429/502/503/504 (honouring ``Retry-After`` up to
a cap), connect and read timeouts and an overall deadline after which every unanswered
key is "unknown". What each answer means (and whether to retry it) is decided by the
pure functions of verify/outcome.py; this module does the waiting and the sending.

Requests carry only the ``Authorization`` header and a psguard ``User-Agent`` (plus
the transport's own Host/Connection); redirects are never followed, cookies are never
stored or sent, proxies and CA settings from the environment apply only as described
in :func:`ssl_context` and :func:`_client_for`.
"""

from __future__ import annotations

import email.utils
import queue
import ssl
import threading
import time
from collections.abc import Iterable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from psguard.models import Record, redact
from psguard.verify.cache import VerifyCache
from psguard.verify.endpoints import ENV_CA_BUNDLE, VerifySettings, is_loopback_url
from psguard.verify.outcome import RETRY_STATUSES, EndpointResult, classify
from psguard.version import __version__

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"psguard/{__version__} (+key verification)"


class KeyResult(Record):
    """The combined verdict for one key over all endpoints."""

    __slots__ = ("status", "endpoint", "detail", "reach")

    def __init__(self, status: str, endpoint: str | None, detail: str,
                 reach: dict[str, Any] | None = None) -> None:
        self.status = status  # live | rejected | unknown | not_checked
        self.endpoint = endpoint
        self.detail = detail
        self.reach = reach


def scrub(text: str, secret: str) -> str:
    """Defence in depth: no message we produce may carry the raw key."""
    return text.replace(secret, redact(secret)) if secret else text


def ssl_context(environ: dict[str, str] | None = None) -> ssl.SSLContext:
    """The CAs trusted for HTTPS endpoints.

    ``PSGUARD_CA_BUNDLE`` (a PEM file) replaces the defaults: for a private
    deployment's own CA, a TLS-inspecting proxy, or tests. Otherwise OpenSSL's usual
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` apply, else certifi's bundle.
    """
    import os

    from psguard.errors import ConfigError

    env = os.environ if environ is None else environ
    bundle = env.get(ENV_CA_BUNDLE)
    try:
        if bundle:
            return ssl.create_default_context(cafile=bundle)
        if env.get("SSL_CERT_FILE") or env.get("SSL_CERT_DIR"):
            return ssl.create_default_context(cafile=env.get("SSL_CERT_FILE") or None,
                                              capath=env.get("SSL_CERT_DIR") or None)
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except (OSError, ssl.SSLError) as exc:
        name = ENV_CA_BUNDLE if bundle else "SSL_CERT_FILE/SSL_CERT_DIR"
        raise ConfigError(f"{name}: cannot load CA certificates: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None


class RateLimiter:
    """Token bucket shared by threads: `rate` requests per second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self._tokens = self.burst
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; return how long to wait before using it (0 if none)."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1  # below zero: a reservation, paid back by later refills
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe_transport_error(exc: Exception, settings: VerifySettings) -> str:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timed out after {settings.connect_timeout:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no answer within the read timeout ({settings.read_timeout:g} s)"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "verify_message", None) or getattr(cause, "reason", None)
            return f"TLS error: {reason or cause}"
        cause = cause.__cause__ or cause.__context__
    if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
        return f"TLS error: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection dropped: {text}"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {text}"
    return f"request failed: {type(exc).__name__}: {text}"


def _read_bounded(resp: httpx.Response) -> bytes | None:
    """At most MAX_BODY bytes of the (decoded) body; None if it is longer: a peer's
    answer is never read whole on trust."""
    from psguard.verify.reach import MAX_BODY

    got = bytearray()
    for part in resp.iter_bytes():
        got += part
        if len(got) > MAX_BODY:
            return None
    return bytes(got)


def _with_reach(answer: EndpointResult, body: bytes | None) -> EndpointResult:
    """A live answer with what its models list says the key reaches."""
    if answer.outcome != "live":
        return answer
    if body is None:
        answer.detail += "; its models list was not read (longer than 256 KB)"
        return answer
    from psguard.verify.reach import parse

    answer.reach = parse(body)
    return answer


class Verifier:
    """Checks each unique key at most once per endpoint per run.

    A pool of daemon worker threads (``concurrency`` of them) shares one httpx.Client
    per endpoint; each worker takes a key and asks the endpoints in order. When the
    deadline passes, the answers so far are used, the workers still waiting are
    abandoned (their request timeouts were already cut to the deadline) and every
    unanswered key is "unknown".
    """

    def __init__(self, endpoints: list[str], settings: VerifySettings,
                 cache: VerifyCache | None = None) -> None:
        self.endpoints = endpoints
        self.settings = settings
        self.cache = cache
        self.requests: dict[str, int] = dict.fromkeys(endpoints, 0)  # sent, per endpoint
        self.cache_hits = 0
        self.deadline_hit = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._partial: dict[str, dict[str, EndpointResult]] = {}
        self._deadline_at = 0.0

    def verify(self, secrets: Iterable[str]) -> dict[str, KeyResult]:
        keys = list(dict.fromkeys(secrets))
        if not keys:
            return {}
        s = self.settings
        self._deadline_at = time.monotonic() + s.deadline
        self._partial = {k: {} for k in keys}
        self._limiters = {ep: RateLimiter(s.rate, min(s.concurrency, s.rate))
                          for ep in self.endpoints}
        https = any(urlsplit(ep).scheme == "https" for ep in self.endpoints)
        ctx = ssl_context() if https else None
        self._clients = {ep: self._client_for(ep, ctx) for ep in self.endpoints}
        todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for k in keys:
            todo.put(k)
        workers = [threading.Thread(target=self._worker, args=(todo,), daemon=True,
                                    name=f"psguard-verify-{i}")
                   for i in range(min(s.concurrency, len(keys)))]
        for w in workers:
            w.start()
        for w in workers:
            w.join(max(0.0, self._deadline_at - time.monotonic()))
        with self._lock:
            self._stop.set()
            self.deadline_hit = any(w.is_alive() for w in workers)
            results = {k: self._combine(k) for k in keys}
            if self.cache is not None:
                self.cache.save()
        if not self.deadline_hit:
            for client in self._clients.values():
                client.close()
        return results

    def _worker(self, todo: queue.SimpleQueue[str]) -> None:
        while not self._stop.is_set():
            try:
                key = todo.get_nowait()
            except queue.Empty:
                return
            try:
                self._verify_key(key)
            except Exception as exc:  # never let a bug kill the pool or leak the key
                with self._lock:
                    if not self._stop.is_set():
                        for ep in self.endpoints:
                            self._partial[key].setdefault(ep, EndpointResult(
                                "unknown", scrub(f"internal error: {type(exc).__name__}",
                                                 key)))

    def _client_for(self, endpoint: str, ctx: ssl.SSLContext | None) -> httpx.Client:
        import httpx

        s = self.settings
        client = httpx.Client(
            verify=ctx if ctx is not None else True,
            follow_redirects=False,
            # Proxies from HTTPS_PROXY/NO_PROXY apply to remote endpoints (an HTTPS
            # tunnel: the proxy never sees the key); loopback endpoints never use one.
            trust_env=not is_loopback_url(endpoint),
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout,
                                  write=s.read_timeout, pool=s.deadline),
            limits=httpx.Limits(max_connections=s.concurrency,
                                max_keepalive_connections=s.concurrency),
        )
        for name in list(client.headers.keys()):
            if name.lower() != "connection":
                del client.headers[name]
        client.headers["User-Agent"] = USER_AGENT
        return client

    def _verify_key(self, key: str) -> None:
        # Endpoints in the user's order; the first that accepts the key settles it,
        # so a live key is not sent to further endpoints.
        for ep in self.endpoints:
            if self._stop.is_set():
                return
            result = self._check(key, ep)
            with self._lock:
                if self._stop.is_set():
                    return  # too late: the verdict has been given
                self._partial[key][ep] = result
                if self.cache is not None and not result.cached \
                        and result.outcome != "unknown":
                    self.cache.put(key, ep, result.outcome, result.detail, result.code,
                                   result.reach)
            if result.outcome in ("live", "restricted"):
                return

    def _check(self, key: str, endpoint: str) -> EndpointResult:
        if self.cache is not None:
            with self._lock:
                hit = self.cache.get(key, endpoint)
            if hit is not None:
                with self._lock:
                    self.cache_hits += 1
                age = max(0, int(time.time() - hit.checked_at))
                return EndpointResult(hit.outcome, f"{hit.detail} (cached {age} s ago)",
                                      hit.code, cached=True, reach=hit.reach)
        result = self._request(key, endpoint)
        result.detail = scrub(result.detail, key)
        return result

    def _request(self, key: str, endpoint: str) -> EndpointResult:
        """Ask one endpoint about one key, retrying what `classify` says to retry."""
        import httpx

        attempt = 0
        while True:
            timeout = self._slot(endpoint)
            if timeout is None:
                return EndpointResult("unknown", self._deadline_text())
            try:
                resp, body = self._send(key, endpoint, timeout)
            except httpx.HTTPError as exc:
                return self._transport_failure(exc)
            code = resp.status_code
            answer = classify(
                endpoint, code, attempt=attempt, settings=self.settings,
                retry_after=(parse_retry_after(resp.headers.get("Retry-After"))
                             if code in RETRY_STATUSES else None),
                location=resp.headers.get("Location"),
                time_left=self._deadline_at - time.monotonic())
            if isinstance(answer, EndpointResult):
                return _with_reach(answer, body)
            if self._stop.wait(answer.pause):
                return EndpointResult("unknown", self._deadline_text())
            attempt += 1

    def _slot(self, endpoint: str) -> httpx.Timeout | None:
        """Wait for the endpoint's rate limit; the request's timeouts, cut to what is
        left of the deadline (None: nothing is left)."""
        import httpx

        wait = self._limiters[endpoint].reserve()
        if wait and self._stop.wait(wait):
            return None
        remaining = self._deadline_at - time.monotonic()
        if remaining <= 0:
            return None
        s = self.settings
        return httpx.Timeout(connect=min(s.connect_timeout, remaining),
                             read=min(s.read_timeout, remaining),
                             write=min(s.read_timeout, remaining), pool=remaining)

    def _send(self, key: str, endpoint: str, timeout: httpx.Timeout
              ) -> tuple[httpx.Response, bytes | None]:
        """The answer and, for a 2xx, its body (None: longer than reach.MAX_BODY)."""
        # Only ever to a configured endpoint's /models, through its own client (no
        # redirects, no cookies): the URL is never taken from an answer.
        with self._lock:
            self.requests[endpoint] += 1
        with self._clients[endpoint].stream(
                "GET", f"{endpoint}/models", headers={"Authorization": f"Bearer {key}"},
                timeout=timeout) as resp:
            if not 200 <= resp.status_code < 300:
                return resp, b""
            return resp, _read_bounded(resp)

    def _transport_failure(self, exc: Exception) -> EndpointResult:
        import httpx

        if (isinstance(exc, httpx.TimeoutException)
                and time.monotonic() >= self._deadline_at - 0.05):
            # The timeout was cut short by the overall deadline: say so, not "timed out".
            return EndpointResult("unknown", self._deadline_text())
        return EndpointResult("unknown", _describe_transport_error(exc, self.settings))

    def _deadline_text(self) -> str:
        return (f"verification deadline ({self.settings.deadline:g} s) reached before "
                "an answer")

    def _combine(self, key: str) -> KeyResult:
        answers = self._partial[key]
        for ep, r in answers.items():
            if r.outcome in ("live", "restricted"):
                return KeyResult("live", ep, r.detail, r.reach)
        missing = [ep for ep in self.endpoints if ep not in answers]
        unknown = {ep: r for ep, r in answers.items() if r.outcome == "unknown"}
        if not missing and not unknown:
            eps = ", ".join(self.endpoints)
            cached = " (cached)" if all(r.cached for r in answers.values()) else ""
            where = "the configured endpoint" if len(self.endpoints) == 1 else \
                "every configured endpoint"
            return KeyResult("rejected", self.endpoints[0] if len(self.endpoints) == 1
                             else None,
                             f"401 from {where} ({eps}){cached}: revoked, or a key of a "
                             "deployment that is not configured (add it with --endpoint "
                             "or PSGUARD_ENDPOINTS)")
        reasons = [r.detail for r in unknown.values()]
        reasons += [f"{ep}: {self._deadline_text()}" for ep in missing]
        rejected = [ep for ep, r in answers.items() if r.outcome == "rejected"]
        if rejected:
            reasons.append(f"401 from {', '.join(rejected)}")
        first = next(iter(unknown), missing[0] if missing else None)
        return KeyResult("unknown", first, scrub("; ".join(reasons), key))
