"""Candidates to findings: deduplicate by secret, apply inline suppression and the
confidence threshold."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from psguard.models import CONFIDENCE_ORDER, EXPOSURE_ORDER, Candidate, Finding


def group_candidates(candidates: Iterable[Candidate], min_confidence: str, *,
                     pre_existing: Collection[tuple[str, str]] = ()
                     ) -> tuple[list[Finding], int]:
    """One finding per (rule, secret), with every unsuppressed location.

    A secret whose every occurrence carries an inline allow marker is dropped; one
    that is allowed in some places but not others is reported at the others.
    `pre_existing`: (rule, secret) pairs HEAD already held (staged scans): reported,
    not blocking. Returns the findings and how many secrets inline markers suppressed.
    """
    by_secret: dict[tuple[str, str], list[Candidate]] = {}
    for cand in candidates:
        by_secret.setdefault((cand.rule, cand.secret), []).append(cand)
    threshold = CONFIDENCE_ORDER[min_confidence]
    findings: list[Finding] = []
    suppressed = 0
    for (rule, secret), cands in by_secret.items():
        confidence = max(cands, key=lambda c: c.confidence_rank).confidence
        if CONFIDENCE_ORDER[confidence] < threshold:
            continue
        kept = [c for c in cands if not c.suppressed]
        if not kept:
            suppressed += 1
            continue
        kept.sort(key=_location_order)
        findings.append(Finding(rule=rule, secret=secret, confidence=confidence,
                                candidates=_unique_locations(kept),
                                pre_existing=(rule, secret) in pre_existing))
    findings.sort(key=finding_order)
    return findings, suppressed


def _location_order(c: Candidate) -> tuple[str, str, int, str, str, str]:
    """By kind, path and offset; ties (one path and offset in several commits) by
    date, commit and blob, so that the order never depends on which order the
    objects were read in."""
    o = c.origin
    return (o.kind, o.path or "", c.offset, o.date or "", o.commit or "", o.blob or "")


def _unique_locations(cands: list[Candidate]) -> list[Candidate]:
    seen: dict[tuple[object, ...], int] = {}
    out: list[Candidate] = []
    for c in cands:
        key = (c.origin, c.offset)
        if key not in seen:
            seen[key] = len(out)
            out.append(c)
        elif c.more > out[seen[key]].more:  # the same place twice: count the rest once
            out[seen[key]] = out[seen[key]].replace(more=c.more)
    return out


_STATUS_ORDER = {"live": 0, "unknown": 1, "not_checked": 2, "rejected": 3}


def finding_order(f: Finding) -> tuple[int, int, int, str, tuple[str, str, int, str, str, str],
                                       str]:
    """Live keys first, then the most exposed, then the most confident, then by path;
    ties by first place (kind, offset, date, commit) and key, so that the order never
    depends on which order a scan met them in."""
    first = _location_order(f.candidates[0]) if f.candidates else ("", "", 0, "", "", "")
    return (_STATUS_ORDER.get(f.verification.status, 2),
            -EXPOSURE_ORDER.get(f.exposure or "", -1),
            -CONFIDENCE_ORDER[f.confidence],
            first[1], first, f.secret)
