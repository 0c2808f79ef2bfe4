"""The ``public_surface`` import-linter contract: every package names its public surface in its
``__init__``'s ``__all__`` (the objects it exports, and the submodules other rooms may import,
as Python's ``from package import *`` reads it); a module outside a package imports the
package or one of those submodules, never another: the rest is private."""

from __future__ import annotations

import ast

import grimp
from importlinter import Contract, ContractCheck, fields, output

from lint.importcontracts import _lines, _strings, _within, module_path


class PublicSurfaceContract(Contract):
    """Each package of ``containers`` has an ``__all__``, and is entered from outside only
    through itself or the submodules its ``__all__`` names."""

    type_name = "public_surface"

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        found = surface_breaches(graph, _strings(self.containers))
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["found"]:
            output.print_error(f"-   {line}", bold=False)
        output.new_line()


def declared_surface(source: str) -> list[str] | None:
    """The names of ``__all__`` in a package's ``__init__`` source; None when it has none."""
    for node in ast.parse(source).body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if ([getattr(t, "id", None) for t in targets] == ["__all__"]
                and isinstance(value, ast.List | ast.Tuple)):
            return [e.value for e in value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None


def _bound(source: str) -> set[str]:
    """Names a module binds at its top level (imports, assignments, functions, classes)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for tg in targets for n in ast.walk(tg) if isinstance(n, ast.Name))
    return names


def surface_breaches(graph: grimp.ImportGraph, containers: list[str]) -> list[str]:
    """What breaks the ``public_surface`` contract: packages without ``__all__`` (or naming what
    they do not have), and imports of a package's private submodules from outside it."""
    found: list[str] = []
    public: dict[str, set[str]] = {}
    for package in sorted(m for m in graph.modules
                          if _within(m, containers) and m not in containers):
        path = module_path(package)
        if path is None or path.name != "__init__.py":
            continue  # a module, not a package
        source = path.read_text(encoding="utf-8")
        names = declared_surface(source)
        if names is None:
            found.append(f"{package}: its __init__ names no public surface (__all__)")
            continue
        children = {c.rsplit(".", 1)[1] for c in graph.find_children(package)}
        public[package] = children & set(names)
        found.extend(f"{package}.__all__ names {n!r}: neither a submodule nor defined there"
                     for n in sorted(set(names) - children - _bound(source)))
    for importer in sorted(m for m in graph.modules if _within(m, containers)):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            for package, allowed in public.items():
                if (not imported.startswith(package + ".") or _within(importer, [package])):
                    continue
                child = imported[len(package) + 1:].split(".")[0]
                if child not in allowed:
                    lines = _lines(graph, importer, imported)
                    found.append(f"{importer} (l.{lines}) imports {imported}: private to "
                                 f"{package}, whose __all__ does not name {child!r}")
    return found
