"""The layout is the architecture: packages by layer, lower layers never importing higher ones, no cycles.

Read from the code with ``ast`` (imports inside functions included), so a shortcut taken anywhere fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "spiders", "pipelines")
# Lowest first. A module may import its own layer and the layers below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("crawler.text",),
    ("crawler.items", "crawler.knobs"),
    ("crawler.extract",),
    ("crawler.store",),
    ("crawler.alerts",),
    ("crawler.config", "crawler.settings"),
    ("crawler.components",),
    ("pipelines", "spiders"),
    ("crawler.app", "crawler.__main__"),
)
MAX_LINES = 600


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "sample_site" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def layer_of(module: str) -> int:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    if module == "crawler":
        return 0
    raise AssertionError(f"{module} is in no layer: add it to LAYERS or move it")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in PACKAGES}


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


MODULES = project_modules()
GRAPH = {m: {t for n in imports_of(p) if (t := resolve(n, MODULES)) and t != m} for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_upward_import(module: str) -> None:
    upward = [t for t in GRAPH[module] if layer_of(t) > layer_of(module)]
    assert not upward, f"{module} (layer {layer_of(module)}) imports higher layers: {upward}"


def test_pipelines_and_spiders_stay_apart() -> None:
    crossing = [(m, t) for m, targets in GRAPH.items() for t in targets
                if m.split(".")[0] in ("pipelines", "spiders") and t.split(".")[0] in ("pipelines", "spiders")
                and m.split(".")[0] != t.split(".")[0]]
    assert not crossing


def test_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(component)

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not cycles


def test_every_package_says_what_it_owns() -> None:
    for init in (ROOT / "crawler").glob("*/__init__.py"):
        if "sample_site" in init.parts:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) == 1, f"{init} needs a one-line docstring"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("crawler")))
def test_modules_stay_small(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by role"
