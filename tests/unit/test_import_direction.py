"""Dependencies inside bot/ point one way (README, Development), and no module imports itself round a circle."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"

# package → the bot packages it may import (besides itself and the package root `bot`)
ALLOWED = {
    "bot.domain": {"bot.domain"},
    "bot.db": {"bot.domain"},
    "bot.ingest": {"bot.domain", "bot.db", "bot.settings"},
    "bot.llm": {"bot.domain", "bot.db", "bot.settings"},
    "bot.slack.blocks": {"bot.domain"},
    "bot.charts": {"bot.domain"},  # drawing: a domain Chart in, PNG bytes out
}
# Services are given a ChartRenderer (services/ports.py); they never draw themselves.
NEVER_FROM_SERVICES = ("bot.slack", "bot.jobs", "bot.commands", "bot.demo", "bot.cli", "bot.runtime", "bot.charts")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Every module under bot/ → the bot.* names it imports (resolved to known modules)."""
    files = sorted(BOT.rglob("*.py"))
    known = {module_name(f) for f in files}
    graph: dict[str, set[str]] = {}
    for path in files:
        module = module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*parent, *([node.module] if node.module else [])])
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            for name in names:
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name.startswith("bot.") and name != module:
                    found.add(name)
        graph[module] = found
    return graph


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_each_layer_imports_only_the_layers_below_it():
    wrong = []
    for module, imported in imports().items():
        for package, allowed in ALLOWED.items():
            if within(module, package):
                ok = allowed | {package}
                wrong += [f"{module} → {name}" for name in imported if not any(within(name, a) for a in ok)]
        if within(module, "bot.services"):
            wrong += [f"{module} → {name}" for name in imported if any(within(name, n) for n in NEVER_FROM_SERVICES)]
    assert wrong == []


def test_no_import_cycles():
    graph = imports()
    # A package's __init__ that re-exports its own modules ties it to itself: not a cycle.
    edges = {m: {d for d in deps if not within(m, d)} for m, deps in graph.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(edges.get(module, ())):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep] if dep in path else [module, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_check_sees_a_wrong_import(tmp_path, monkeypatch):
    """The rule is not vacuous: a domain module importing the database is caught."""
    fake = tmp_path / "bot"
    (fake / "domain").mkdir(parents=True)
    (fake / "db").mkdir()
    for init in (fake / "__init__.py", fake / "domain" / "__init__.py", fake / "db" / "__init__.py"):
        init.write_text("")
    (fake / "db" / "models.py").write_text("X = 1\n")
    (fake / "domain" / "rules.py").write_text("from bot.db.models import X\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["BOT"]), "BOT", fake)
    assert imports()["bot.domain.rules"] == {"bot.db.models"}
    try:
        test_each_layer_imports_only_the_layers_below_it()
    except AssertionError:
        return
    raise AssertionError("a domain → db import was not reported")
