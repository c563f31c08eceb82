"""The import rules of the architecture hold: no circles between the project's modules, nothing imports the CLI
entry point, and the import-linter contracts in .importlinter are kept."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("qa", "scoring", "transcription", "mystery_shopper")
TOP_MODULES = ("cli",)
SKIPPED = ("qa/db/migrations",)


def project_modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the project (migrations apart: Alembic loads them)."""
    found = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if any(relative.as_posix().startswith(s) for s in SKIPPED):
                continue
            parts = relative.with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules that ``name`` imports anywhere in its file (inside functions too: a circle is a circle)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()

    def add(target: str) -> None:
        while target and target not in modules:  # `import qa.db.calls.x` → the nearest module that exists
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                add(sub if sub in modules else module)  # `from qa.db import calls` imports the module qa.db.calls
    return out


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_the_graph_sees_the_project():
    graph = import_graph()
    assert {"cli", "qa.core.types", "qa.pipeline.batch", "scoring.score", "transcription.transcribe"} <= set(graph)
    assert "qa.pipeline.executors" in graph["qa.pipeline.batch"]
    assert "qa.core.hooks" in graph["qa.pipeline.processor"]
    assert not any(m.startswith("qa.db.migrations") for m in graph)


def test_finds_a_circle_when_there_is_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_between_modules():
    found = circles(import_graph())
    assert not found, "import circles (break each by moving the shared part down a layer):\n" + "\n".join(
        " ⇄ ".join(c) for c in found
    )


def test_nothing_imports_the_cli_entry_point():
    importers = sorted(m for m, targets in import_graph().items() if "cli" in targets)
    assert importers == [], f"cli.py is the top of the tree; move what {importers} need into qa/"


def test_import_linter_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed: pip install -e '.[test]'")
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def _commands() -> list[tuple[str, ast.FunctionDef]]:
    """Every Typer command and callback of the CLI (functions under @app.command / @x.callback)."""
    found = []
    for path in sorted((ROOT / "qa" / "cli").glob("*.py")) + [ROOT / "cli.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", "") in ("command", "callback") for d in node.decorator_list
            ):
                found.append((f"{path.name}:{node.name}", node))
    return found


def test_cli_commands_are_thin():
    """Parse, call one library function, render: no command's code (after its signature and docstring) is longer
    than 25 lines, and cli.py only registers the groups."""
    commands = _commands()
    assert len(commands) > 40  # the walk sees the CLI
    too_long = {}
    for name, node in commands:
        body = node.body[1:] if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) else node.body
        if body and node.end_lineno - body[0].lineno + 1 > 25:
            too_long[name] = node.end_lineno - body[0].lineno + 1
    assert too_long == {}
    assert len((ROOT / "cli.py").read_text(encoding="utf-8").splitlines()) <= 150
