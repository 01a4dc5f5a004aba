"""The rules of the house (ARCHITECTURE.md), checked on the source: no import circle,
counting imports inside functions and under TYPE_CHECKING too; no module over 400
lines; only git/ starts git; the pre-commit path's modules import no heavy library at
module level."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "psguard"


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every psguard module this file imports, wherever the import statement sits."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("psguard"):
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: _imports(path, modules) for name, path in modules.items()}
    # A package's __init__ is imported with any of its modules: no edge to it counts
    # as a circle through the package itself unless __init__ imports something.
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circle_even_through_function_level_imports() -> None:
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])


def test_cycle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_over_400_lines() -> None:
    long = {str(p.relative_to(SRC)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


def test_only_git_runs_git() -> None:
    """Outside psguard.git (and the test helpers), nothing starts processes or builds
    git command lines: they call psguard.git's functions. GitError may be caught."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        if name.startswith(("psguard.git", "psguard.testing")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) and any(a.name == "subprocess" for a in node.names):
                offenders.append(f"{name}: import subprocess")
            if isinstance(node, ast.ImportFrom) and node.module in ("subprocess",
                                                                     "psguard.git.runner"):
                names = {a.name for a in node.names} - {"GitError"}
                if names:
                    offenders.append(f"{name}: from {node.module} import {sorted(names)}")
    assert offenders == []


# (modules under this prefix, prefixes they must not import): ARCHITECTURE.md's layers
_LAYERS = [
    ("psguard.git", ("psguard.sources", "psguard.stages", "psguard.engine",
                     "psguard.decoders", "psguard.pipeline", "psguard.report",
                     "psguard.hooks", "psguard.ci", "psguard.verify", "psguard.request")),
    ("psguard.decoders", ("psguard.engine", "psguard.sources", "psguard.stages",
                          "psguard.pipeline")),
    ("psguard.engine", ("psguard.sources", "psguard.stages", "psguard.pipeline")),
    ("psguard.sources", ("psguard.stages", "psguard.pipeline", "psguard.report",
                         "psguard.hooks", "psguard.ci", "psguard.verify")),
    ("psguard.stages", ("psguard.pipeline", "psguard.report", "psguard.hooks",
                        "psguard.ci")),
]


def test_layers_import_downwards_only() -> None:
    graph = _graph()
    wrong = []
    for module, deps in graph.items():
        for prefix, forbidden in _LAYERS:
            if module.startswith(prefix):
                wrong += [f"{module} -> {d}" for d in deps if d.startswith(forbidden)]
        if not module.startswith(("psguard.commands", "psguard.cli", "psguard.__main__")):
            wrong += [f"{module} -> {d}" for d in deps
                      if d.startswith(("psguard.commands", "psguard.cli"))]
    assert wrong == []


def test_only_the_fleet_cluster_imports_dask() -> None:
    """Dask is an extra, and the hooks must never pay for it: one module imports it
    (plus the test helper that starts real clusters)."""
    allowed = {"psguard.fleet.cluster", "psguard.testing.daskproc"}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(m.split(".")[0] in ("dask", "distributed") for m in mods):
                offenders.append(name)
    assert set(offenders) <= allowed, offenders
