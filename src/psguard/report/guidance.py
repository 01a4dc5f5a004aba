"""What to do about a finding, for the reports that cannot show the full text report.

A finding carries its own remediation steps when the remediation stage has run; these
defaults, chosen by where the key has gone, cover the rest.
"""

from __future__ import annotations

from psguard.models import Finding, Remediation

REVOKE = ("Revoke the key: a developer key under your user menu (bottom left) → Developer API "
          "Keys; a service account key in the Poolside Console under Security → API Keys")
MOVE = ("Move the key out of the code: read it from the POOLSIDE_API_KEY environment variable "
        "or your secret store at run time")


def default_steps(f: Finding) -> list[Remediation]:
    path = next((c.origin.path for c in f.candidates if c.origin.path), None)
    if f.exposure == "pushed":
        return [Remediation(REVOKE + " (it has left this machine: treat it as leaked)"),
                Remediation(MOVE),
                Remediation("Then remove it from the history if your policy asks for it "
                            "(git filter-repo), and force-push")]
    if f.exposure == "local":
        return [Remediation("Rewrite the commits that are not pushed yet so they no longer "
                            "hold the key", "git rebase -i @{upstream}"),
                Remediation(MOVE)]
    if f.exposure == "staged":
        return [Remediation("Unstage the file", f"git restore --staged -- {path}"
                            if path else "git restore --staged -- <file>"),
                Remediation(MOVE)]
    return [Remediation(MOVE)]


def steps(f: Finding) -> list[Remediation]:
    return f.remediation or default_steps(f)


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
