"""How the reports lay out what to do about a finding; the words are remediation's.

Every sentence comes from psguard.stages.remediation, the one voice for advice: this
module only picks a finding's steps and shapes them for "text: command" layouts.
"""

from __future__ import annotations

from collections.abc import Callable

from psguard.models import Finding, Remediation
from psguard.stages.remediation import ACCEPT
from psguard.stages.remediation import steps as remediation_steps


def steps(f: Finding) -> list[Remediation]:
    """The finding's steps; a finding built outside run_scan gets them computed here."""
    return f.remediation or remediation_steps(f)


def step_text(step: Remediation) -> str:
    """A step's text without trailing punctuation, for "text: command" layouts."""
    return step.text.rstrip().rstrip(":.;")


def step_line(step: Remediation, code: Callable[[str], str] = str) -> str:
    """One line: "text: command" (the command shaped by `code`), or the text alone."""
    if step.command:
        return f"{step_text(step)}: {code(step.command)}"
    return step.text


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def accept_line(f: Finding, fingerprint: str | None = None) -> str:
    """How to accept this finding, as a line of its own (`fingerprint`: as shown)."""
    return f"{capitalised(ACCEPT)}: {fingerprint or f.fingerprint}"


def shown_secret(f: Finding, show_secrets: bool) -> str:
    return f.secret if show_secrets else f.redacted


def exposure_label(f: Finding) -> str:
    return f.exposure or "not in a repository"


def status_label(status: str) -> str:
    return status.replace("_", " ")
