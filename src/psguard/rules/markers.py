"""Inline allow markers: comments that suppress a finding on their line.

psguard's own, and the markers of gitleaks and detect-secrets so teams can migrate.
The engine looks for them on a candidate's line, in plain and in decoded content.
"""

from __future__ import annotations

ALLOW_MARKERS = (b"psguard:allow", b"gitleaks:allow", b"pragma: allowlist secret")
