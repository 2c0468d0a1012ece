"""Import-linter contract types of our own (see the `[tool.importlinter]` table).

- `acyclic_modules`: no import cycle between any two modules of a package,
  function-local imports included (import-linter's own `acyclic_siblings`
  only looks at siblings).
- `domain_transports`: no domain imports another domain's transports.
- `core`: the core modules import no domain and none of the `forbidden`
  modules, directly or through others.

A domain is a subpackage with a `domain.py`, so a new domain is covered by
every contract as soon as it exists.
"""

from __future__ import annotations

import sys
from typing import Any

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    inside = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges[node]
            if position < len(successors):
                work.append((node, position + 1))
                nxt = successors[position]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work and work[-1][0] != node:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _domains(graph: grimp.ImportGraph, root: str) -> set[str]:
    """The packages of `root` that have a `domain.py`."""
    return {
        m.split(".")[1]
        for m in graph.modules
        if m.count(".") == 2 and m.startswith(root + ".") and m.endswith(".domain")
    }


class CoreContract(Contract):
    """The core modules import no domain and no module of `forbidden`, even indirectly."""

    root = fields.StringField()
    core = fields.ListField(subfield=fields.StringField())
    forbidden = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root = str(self.root)
        targets = sorted(
            {f"{root}.{d}" for d in _domains(graph, root)} | {str(f) for f in self.forbidden}  # type: ignore[attr-defined]
        )
        broken: list[dict[str, Any]] = []
        for source in (str(c) for c in self.core):  # type: ignore[attr-defined]
            for target in targets:
                if target not in graph.modules:
                    continue
                chains = graph.find_shortest_chains(
                    importer=source, imported=target, as_packages=True
                )
                for chain in sorted(chains):
                    broken.append({"source": source, "target": target, "chain": list(chain)})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            output.print_error(f"{item['source']} must not import {item['target']}:")
            output.indent_cursor()
            output.print_error(" -> ".join(item["chain"]))
            output.new_line()


class AcyclicModulesContract(Contract):
    """No module of `package` imports, directly or through others, a module that imports it."""

    package = fields.StringField()

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        cycles = _cycles(graph, str(self.package))
        described = []
        for component in cycles:
            first, second = component[0], None
            for module in component[1:]:
                if graph.direct_import_exists(importer=first, imported=module):
                    second = module
                    break
            path = None
            if second:
                back = graph.find_shortest_chain(importer=second, imported=first)
                path = [first, *(back or [])]
            described.append({"modules": component, "example": path})
        return ContractCheck(kept=not cycles, metadata={"cycles": described})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"A cycle of {len(cycle['modules'])} modules:")
            for module in cycle["modules"]:
                output.indent_cursor()
                output.print_error(f"- {module}")
            if cycle["example"]:
                output.print_error("for example " + " -> ".join(cycle["example"]))
            output.new_line()


def _is_transport(module: str, kinds: set[str]) -> bool:
    """`pages`, or a domain's second pages module such as `lesson_pages`."""
    return module in kinds or any(module.endswith(f"_{kind}") for kind in kinds)


class DomainTransportsContract(Contract):
    """Modules of one domain never import another domain's transport modules."""

    root = fields.StringField()
    transports = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root = str(self.root)
        kinds = {str(t) for t in self.transports}  # type: ignore[attr-defined]
        domains = _domains(graph, root)
        broken: list[dict[str, Any]] = []
        for importer in sorted(graph.modules):
            parts = importer.split(".")
            if len(parts) < 2 or parts[0] != root or parts[1] not in domains:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = imported.split(".")
                if (
                    len(target) >= 3
                    and target[0] == root
                    and target[1] in domains
                    and target[1] != parts[1]
                    and _is_transport(target[2], kinds)
                ):
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = [d["line_number"] for d in details]
                    broken.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            lines = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(f"{item['importer']} -> {item['imported']} ({lines})")


if __name__ == "__main__":  # pragma: no cover - a quick look without the linter
    graph = grimp.build_graph(sys.argv[1] if len(sys.argv) > 1 else "cosmostream")
    for component in _cycles(graph, "cosmostream"):
        print(len(component), component)
