"""The OpenID provider's structure, read from its imports (AST): no circle, no Flask globals.

Protocol code knows nothing of views or the browser session (pyop's rule): the
authorization view passes an explicit ``Authentication`` in, the grants carry
their state on Authlib's request object.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

IDP = Path(__file__).resolve().parents[2] / "idp"
OIDC = IDP / "oidc"
#: The HTTP side: the views and what only they import.
HTTP_MODULES = {"idp.oidc.views", "idp.oidc.authorize"}


def module_name(path: Path) -> str:
    parts = path.relative_to(IDP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST) -> list[tuple[ast.AST, str, str | None]]:
    """Every import as (node, module, imported name or None); ``from a import b`` names ``a.b`` too."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node, node.module, alias.name) for alias in node.names]
    return found


def targets(module: str, name: str | None) -> set[str]:
    """The modules an import loads: ``from idp.oidc import keys`` loads ``idp.oidc.keys``."""
    candidates = {module}
    if name is not None and (OIDC.parent.parent / (module + "." + name).replace(".", "/")) \
            .with_suffix(".py").exists():
        candidates.add(module + "." + name)
    return candidates


def parsed(directory: Path) -> dict[str, ast.AST]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in sorted(directory.rglob("*.py"))}


OIDC_MODULES = parsed(OIDC)
PROTOCOL_MODULES = sorted(set(OIDC_MODULES) - HTTP_MODULES)


def oidc_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, tree in OIDC_MODULES.items():
        graph[name] = {t for _, module, imported in imports(tree)
                       for t in targets(module, imported)
                       if t in OIDC_MODULES and t != name and t != "idp.oidc"}
    return graph


def test_oidc_modules_import_each_other_without_a_circle():
    graph = oidc_graph()
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                pytest.fail("import circle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_no_lazy_imports_of_the_project_inside_oidc():
    """A function-level import of our own code is how circles were hidden; none is left."""
    lazy = []
    for name, tree in OIDC_MODULES.items():
        for func in ast.walk(tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lazy += [f"{name}.{func.name}: {module}" for _, module, _ in imports(func)
                         if module.split(".")[0] in ("idp", "shared")]
    assert lazy == []


@pytest.mark.parametrize("module", PROTOCOL_MODULES)
def test_protocol_code_reads_no_flask_globals_and_imports_no_views(module):
    forbidden = []
    for _, imported_module, name in imports(OIDC_MODULES[module]):
        loaded = targets(imported_module, name)
        if imported_module == "flask" and name in ("g", "session"):
            forbidden.append(f"flask.{name}")
        if imported_module in ("flask.g", "flask.session"):
            forbidden.append(imported_module)
        forbidden += [t for t in loaded if t == "idp.accounts.session" or t in HTTP_MODULES
                      or t.endswith(".views")]
    assert forbidden == []


def test_models_do_not_import_clients():
    loaded = {t for _, module, name in imports(OIDC_MODULES["idp.oidc.models"])
              for t in targets(module, name)}
    assert "idp.oidc.clients" not in loaded


def test_no_oidc_import_is_guarded_by_import_error():
    """Other packages call the provider's services plainly (e.g. revocation on password change)."""
    guarded = []
    for name, tree in parsed(IDP).items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches_import_error = any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError",
                                                               "ModuleNotFoundError")
                for h in node.handlers)
            if catches_import_error:
                guarded += [f"{name}: {module}" for stmt in node.body
                            for _, module, _ in imports(stmt) if module.startswith("idp.oidc")]
    assert guarded == []
