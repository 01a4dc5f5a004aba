"""Reports: one module per format, each a function from ScanResult to text."""

from __future__ import annotations

from psguard.models import ScanResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

# format name -> "module:function"; modules are imported only when used, so a clean
# pre-commit run never pays for rich.
FORMATS: dict[str, str] = {
    "text": "psguard.report.text:render",
    "json": "psguard.report.json_report:render",
    "sarif": "psguard.report.sarif:render",
    "junit": "psguard.report.junit:render",
    "github": "psguard.report.github:render",
    "markdown": "psguard.report.markdown:render",
    "gitlab": "psguard.report.gitlab:render",
    "html": "psguard.report.html_report:render",
}


def render(fmt: str, result: ScanResult, *, show_secrets: bool, color: bool,
           explain: bool = False) -> str:
    """`explain`: the text and Markdown reports give every key every step (they
    otherwise say several pushed keys' shared procedure once; other formats always do)."""
    module_name, func_name = FORMATS[fmt].split(":")
    from importlib import import_module  # here: importlib brings warnings to every run

    func: Callable[..., str] = getattr(import_module(module_name), func_name)
    if explain and fmt in ("text", "markdown"):
        return func(result, show_secrets=show_secrets, color=color, explain=True)
    return func(result, show_secrets=show_secrets, color=color)
