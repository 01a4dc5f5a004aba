"""What an endpoint's answer means, decided without a server (psguard.verify.outcome)."""

from __future__ import annotations

import pytest

from psguard.verify.endpoints import VerifySettings
from psguard.verify.outcome import EndpointResult, Retry, classify, verdict

EP = "https://api.example.test/v1"


def final(code: int, *, attempt: int = 0, policy: VerifySettings | None = None,
          retry_after: float | None = None, location: str | None = None,
          time_left: float = 60.0) -> EndpointResult:
    """An answer that must be a verdict (not a retry)."""
    answer = classify(EP, code, attempt=attempt, settings=policy or VerifySettings(),
                      retry_after=retry_after, location=location, time_left=time_left)
    assert isinstance(answer, EndpointResult), answer
    return answer


@pytest.mark.parametrize("code", [200, 204, 299])
def test_success_means_live(code: int) -> None:
    r = final(code)
    assert (r.outcome, r.code) == ("live", code)
    assert r.detail == f"accepted by {EP} ({code})"


def test_403_is_a_valid_key_without_the_right_to_list_models() -> None:
    r = final(403)
    assert r.outcome == "restricted" and "valid" in r.detail and EP in r.detail


def test_401_is_rejected_and_never_retried() -> None:
    r = final(401, attempt=0, policy=VerifySettings(retries=5))
    assert (r.outcome, r.detail) == ("rejected", f"401 from {EP}")


@pytest.mark.parametrize("code", [429, 502, 503, 504])
def test_retryable_status_waits_for_retry_after(code: int) -> None:
    answer = classify(EP, code, attempt=0, settings=VerifySettings(), retry_after=2.0)
    assert answer == Retry(2.0)


def test_without_retry_after_the_pause_is_jittered_exponential_backoff() -> None:
    ceilings: list[float] = []

    def jitter(ceiling: float) -> float:
        ceilings.append(ceiling)
        return ceiling / 2

    s = VerifySettings(backoff=0.5, retries=3)
    pauses = [classify(EP, 503, attempt=a, settings=s, jitter=jitter) for a in range(3)]
    assert ceilings == [0.5, 1.0, 2.0]
    assert pauses == [Retry(0.25), Retry(0.5), Retry(1.0)]


def test_default_jitter_stays_within_the_backoff_ceiling() -> None:
    for _ in range(50):
        answer = classify(EP, 429, attempt=2, settings=VerifySettings(backoff=0.5))
        assert isinstance(answer, Retry) and 0 <= answer.pause <= 2.0


def test_a_retry_after_beyond_the_cap_gives_up_with_the_reason() -> None:
    r = final(429, retry_after=120.0, policy=VerifySettings(max_retry_after=30.0))
    assert r.outcome == "unknown" and r.code == 429
    assert r.detail == (f"{EP} answered 429 with Retry-After 120 s, more than the 30 s cap; "
                        "not retried")


def test_no_retry_when_the_pause_would_pass_the_deadline() -> None:
    r = final(503, retry_after=5.0, time_left=4.0)
    assert r.outcome == "unknown"
    assert r.detail == f"{EP} answered 503; no time left to retry before the deadline"


def test_when_attempts_run_out_the_verdict_counts_them() -> None:
    s = VerifySettings(retries=2)
    assert final(429, attempt=2, policy=s).detail == \
        f"rate limited by {EP} (429) after 3 attempts"
    assert final(503, attempt=2, policy=s).detail == \
        f"server error 503 from {EP} after 3 attempts"
    # with retries switched off, the first answer is final and no count is shown
    assert final(502, policy=VerifySettings(retries=0)).detail == f"server error 502 from {EP}"


def test_other_server_errors_are_unknown_without_retrying() -> None:
    r = final(500, policy=VerifySettings(retries=3))
    assert (r.outcome, r.detail) == ("unknown", f"server error 500 from {EP}")


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_a_redirect_is_reported_by_host_only_and_not_followed(code: int, key: str) -> None:
    location = f"https://evil.example.net/collect?token={key}&next=/v1/models"
    r = final(code, location=location)
    assert r.outcome == "unknown"
    assert r.detail == (f"{EP} redirected ({code}) to evil.example.net; redirects are not "
                        "followed")
    assert key not in r.detail and "collect" not in r.detail


def test_a_redirect_without_location_says_elsewhere() -> None:
    assert "redirected (302) to elsewhere" in final(302).detail


@pytest.mark.parametrize("code", [100, 404, 418])
def test_anything_else_is_unknown_with_its_code(code: int) -> None:
    r = verdict(EP, code)
    assert (r.outcome, r.code) == ("unknown", code)
    assert r.detail == f"unexpected answer {code} from {EP}"
