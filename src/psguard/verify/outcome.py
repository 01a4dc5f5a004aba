"""What one answer from a verification endpoint means: pure functions, no I/O.

The client (verify/client.py) sends ``GET {endpoint}/models`` and waits; this module
decides what the HTTP status says about the key: live (2xx), restricted (403: a valid
key that may not list models), rejected (401), or unknown with a reason. A retryable
status (429/502/503/504) gets a pause instead while attempts and time remain.

Nothing here sees the key, so no message built here can carry it; the client scrubs
every detail once more anyway.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from psguard.models import Record
from psguard.verify.endpoints import VerifySettings

RETRY_STATUSES = frozenset({429, 502, 503, 504})


class EndpointResult(Record):
    """What one endpoint said about one key."""

    __slots__ = ("outcome", "detail", "code", "cached", "reach")

    def __init__(self, outcome: str, detail: str, code: int | None = None,
                 cached: bool = False, reach: dict[str, Any] | None = None) -> None:
        self.outcome = outcome  # live | restricted | rejected | unknown
        self.detail = detail
        self.code = code
        self.cached = cached
        self.reach = reach  # live: what the answer says the key reaches (verify/reach.py)


class Retry(Record):
    """Ask the same endpoint again after `pause` seconds."""

    __slots__ = ("pause",)

    def __init__(self, pause: float) -> None:
        self.pause = pause


def full_jitter(ceiling: float) -> float:
    """A backoff pause anywhere in [0, ceiling]: spreads retries of many workers."""
    return random.uniform(0, ceiling)


def classify(endpoint: str, code: int, *, attempt: int, settings: VerifySettings,
             retry_after: float | None = None, location: str | None = None,
             time_left: float = float("inf"),
             jitter: Callable[[float], float] = full_jitter) -> EndpointResult | Retry:
    """The answer to attempt number `attempt` (0 for the first): a verdict, or a retry.

    `retry_after` is the parsed ``Retry-After`` header (seconds), `location` the raw
    ``Location`` header, `time_left` the seconds until the overall deadline.
    """
    if code in RETRY_STATUSES and attempt < settings.retries:
        return _retry(endpoint, code, attempt, settings, retry_after, time_left, jitter)
    return verdict(endpoint, code, attempts=attempt + 1, location=location)


def _retry(endpoint: str, code: int, attempt: int, settings: VerifySettings,
           retry_after: float | None, time_left: float,
           jitter: Callable[[float], float]) -> EndpointResult | Retry:
    if retry_after is not None and retry_after > settings.max_retry_after:
        # A server asking for a long pause is not going to answer within this run.
        return EndpointResult("unknown", f"{endpoint} answered {code} with Retry-After "
                              f"{retry_after:.0f} s, more than the "
                              f"{settings.max_retry_after:g} s cap; not retried", code)
    pause = retry_after if retry_after is not None else \
        jitter(settings.backoff * (2 ** attempt))
    if pause >= time_left:
        return EndpointResult("unknown", f"{endpoint} answered {code}; no time left to "
                              "retry before the deadline", code)
    return Retry(pause)


def verdict(endpoint: str, code: int, *, attempts: int = 1,
            location: str | None = None) -> EndpointResult:
    """The final meaning of a status that will not be retried."""
    if 200 <= code < 300:
        return EndpointResult("live", f"accepted by {endpoint} ({code})", code)
    if code == 403:
        return EndpointResult("restricted", f"accepted by {endpoint} but restricted "
                              "(403: the key is valid but may not list models)", code)
    if code == 401:
        return EndpointResult("rejected", f"401 from {endpoint}", code)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if code == 429:
        return EndpointResult("unknown", f"rate limited by {endpoint} (429){tries}", code)
    if code >= 500:
        return EndpointResult("unknown", f"server error {code} from {endpoint}{tries}", code)
    if 300 <= code < 400:
        # Only the host: the rest of a Location may echo the request, and the key is
        # never sent on to it (redirects are not followed).
        target = urlsplit(location or "").hostname or "elsewhere"
        return EndpointResult("unknown", f"{endpoint} redirected ({code}) to {target}; "
                              "redirects are not followed", code)
    return EndpointResult("unknown", f"unexpected answer {code} from {endpoint}", code)
