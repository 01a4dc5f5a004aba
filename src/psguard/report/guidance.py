"""What to do about a finding, for the reports that cannot show the full text report.

A finding carries its own remediation steps when the remediation stage has run;
otherwise they are computed from it by psguard.stages.remediation, the one source of them.
"""

from __future__ import annotations

from psguard.models import Finding, Remediation

REVOKE = ("Revoke the key: a developer key under your user menu (bottom left) → Developer API "
          "Keys; a service account key in the Poolside Console under Security → API Keys")
MOVE = ("Move the key out of the code: read it from the POOLSIDE_API_KEY environment variable "
        "or your secret store at run time")


def steps(f: Finding) -> list[Remediation]:
    """The finding's steps; a finding built outside run_scan gets them computed here."""
    if f.remediation:
        return f.remediation
    from psguard.stages.remediation import steps as remediation_steps

    return remediation_steps(f)


def step_text(step: Remediation) -> str:
    """A step's text without trailing punctuation, for "text: command" layouts."""
    return step.text.rstrip().rstrip(":.;")


def shown_secret(f: Finding, show_secrets: bool) -> str:
    return f.secret if show_secrets else f.redacted


def exposure_label(f: Finding) -> str:
    return f.exposure or "not in a repository"


def status_label(status: str) -> str:
    return status.replace("_", " ")


def is_blocking_by_default(f: Finding) -> bool:
    """Reports do not know --fail-on; they mark everything but pre-existing keys."""
    return not f.pre_existing
