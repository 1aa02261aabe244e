"""The import rules between the parts of the system, read from the source with ``ast``.

Every ``import`` counts, also those inside functions: a lazy import hides a
dependency from the reader, not from the graph. The rules (docs/CONVENTIONS.md):

* the rooms (subpackages) of a service import each other one way only: no cycle;
* protocol and domain code never import views (only the factories that mount
  blueprints do), and a room's views never import another room's views;
* ``idp`` and ``gradebook_service`` never import each other; ``shared`` imports neither;
* the modules of ``idp/oidc`` import each other without a circle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("idp", "gradebook_service")


@dataclass(frozen=True)
class Import:
    """One imported module, where the import stands."""

    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    """True if ``name`` is a module or package of the repository."""
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The modules an import statement loads (``from a import b`` loads ``a.b`` if a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        parent = ".".join(base + ([node.module] if node.module else []))
    else:
        parent = node.module or ""
    found = [f"{parent}.{alias.name}" for alias in node.names
             if _is_module(f"{parent}.{alias.name}")]
    return found or [parent]


@cache
def imports(package: str) -> tuple[Import, ...]:
    """Every import of a repository module inside ``package`` (any nesting, any depth)."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, module, path.name == "__init__.py"):
                    if target.split(".")[0] in (*SERVICES, "shared"):
                        found.append(Import(module, target, path, node.lineno))
    return tuple(found)


def _graph(edges: list[tuple[str, str, Import]]) -> dict[str, dict[str, list[Import]]]:
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for a, b, evidence in edges:
        if a != b:
            graph[a][b].append(evidence)
    return graph


def _cycles(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Every two-way pair, and a shortest circle through each other node on one (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    cycles = [[a, b, a] for a in sorted(graph) for b in sorted(graph[a])
              if a < b and a in graph.get(b, {})]  # every two-way pair, then longer circles
    known = {frozenset(zip(c, c[1:], strict=False)) for c in cycles}
    for group in groups:
        for start in sorted(group):
            cycle = _shortest_cycle(graph, group, start)
            hops = frozenset(zip(cycle, cycle[1:], strict=False))
            if len(cycle) > 3 and hops not in known:
                known.add(hops)
                cycles.append(cycle)
    return cycles


def _shortest_cycle(graph: dict[str, dict[str, list[Import]]], group: set[str], start: str
                    ) -> list[str]:
    """A shortest path from ``start`` back to itself inside ``group`` (breadth first)."""
    paths, queue = {start: [start]}, [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == start:
                return paths[node] + [start]
            if nxt in group and nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    raise AssertionError(f"{start} is in a strongly connected group but on no cycle")


def _describe(graph: dict[str, dict[str, list[Import]]], cycles: list[list[str]]) -> str:
    """Each cycle hop by hop, with the file and line of the imports that make each hop."""
    lines = []
    for cycle in cycles:
        lines.append(" -> ".join(cycle))
        for a, b in zip(cycle, cycle[1:], strict=False):
            lines.extend(f"    {a} -> {b}: {i.where} imports {i.target}" for i in graph[a][b])
    return "\n".join(lines)


def _room(module: str, service: str) -> str | None:
    """The subpackage of ``service`` a module belongs to (None for the service's own modules)."""
    parts = module.split(".")
    if parts[0] != service or len(parts) < 2:
        return None
    if len(parts) == 2 and not (ROOT / service / parts[1]).is_dir():
        return None  # the factory, extensions, the model registry: the frame around the rooms
    return parts[1]


@pytest.mark.parametrize("service", [
    "gradebook_service",
    pytest.param("idp", marks=pytest.mark.xfail(
        strict=True, reason="idp rooms still import each other in circles (accounts<->oidc, "
                            "accounts<->parental_consent<->school_link)")),
])
def test_rooms_import_each_other_one_way(service):
    edges = [(_room(i.source, service), _room(i.target, service), i) for i in imports(service)]
    graph = _graph([(a, b, i) for a, b, i in edges if a and b])
    cycles = _cycles(graph)
    assert not cycles, f"{service}'s subpackages import each other in a circle:\n" + _describe(
        graph, cycles)


#: The register's top floor: home pages that gather the domains; no room imports them.
HOME_PAGES = {"family", "staff", "admin", "demo"}
#: What the request context (``gradebook_service/web``) may stand on: it sits below the domains.
BELOW_WEB = {"accounts", "school"}


def test_home_pages_on_top_and_the_request_context_below_the_domains():
    rooms = [(_room(i.source, "gradebook_service"), _room(i.target, "gradebook_service"), i)
             for i in imports("gradebook_service")]
    wrong = [i for a, b, i in rooms if a and b and a != b
             and (b in HOME_PAGES or (a == "web" and b not in BELOW_WEB))]
    assert not wrong, "a room imports a home page, or web/ imports a domain:\n" + "\n".join(
        f"    {i.where}: {i.source} imports {i.target}" for i in wrong)


def _is_view(module: str) -> bool:
    return "views" in module.split(".")


@pytest.mark.parametrize("package", [*SERVICES, "shared"])
def test_only_views_and_factories_import_views(package):
    wrong = [i for i in imports(package) if _is_view(i.target) and not _is_view(i.source)
             and not (ROOT.joinpath(*i.source.split(".")) / "__init__.py").is_file()]
    assert not wrong, "protocol and domain code import views:\n" + "\n".join(
        f"    {i.where}: {i.source} imports {i.target}" for i in wrong)


@pytest.mark.parametrize("service", SERVICES)
def test_views_import_no_other_rooms_views(service):
    wrong = [i for i in imports(service) if _is_view(i.source) and _is_view(i.target)
             and _room(i.source, service) != _room(i.target, service)]
    assert not wrong, "views import another room's views (move what they share below them):\n" \
        + "\n".join(f"    {i.where}: {i.source} imports {i.target}" for i in wrong)


@pytest.mark.parametrize(("package", "forbidden"), [
    ("idp", ("gradebook_service",)),
    ("gradebook_service", ("idp",)),
    ("shared", SERVICES),
])
def test_the_walls_between_services_hold(package, forbidden):
    wrong = [i for i in imports(package) if i.target.split(".")[0] in forbidden]
    assert not wrong, f"{package} imports {' or '.join(forbidden)}:\n" + "\n".join(
        f"    {i.where}: {i.target}" for i in wrong)


# The rules inside idp/oidc (no circle, no flask.g or session in protocol code) are held by
# tests/idp/test_oidc_structure.py.
