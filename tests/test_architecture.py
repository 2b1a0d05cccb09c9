"""Dependencies point one way: core < media < shows < episodes < transcripts < shell.

Read with :mod:`ast` from the source files, so the test sees every import, including those
inside functions and ``if TYPE_CHECKING:`` blocks. The picture and the rules are in
docs/architecture.md, "Layers".

- The direction test counts every import. A module may import its own layer and any lower one.
- The cycle test counts module-level imports only (those that run when the module is loaded,
  ``TYPE_CHECKING`` blocks excluded): no two modules may need each other to load.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("podcast", "episodes", "transcripts")

LAYERS = ("core", "media", "shows", "episodes", "transcripts", "shell")
RANK = {name: rank for rank, name in enumerate(LAYERS)}

# Known violations still to be removed, as (importer, imported) module pairs. Must end empty.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def layer_of(module: str) -> str:
    """The layer a first-party module belongs to; anything unlisted under podcast is shell."""
    parts = module.split(".")
    if parts[0] in ("episodes", "transcripts"):
        return parts[0]
    if len(parts) > 1 and parts[1] in ("core", "media", "shows"):
        return parts[1]
    return "shell"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[module_name(path)] = path
    return modules


MODULES = source_files()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    module_level: bool


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str) -> str | None:
    """The deepest first-party module a dotted name refers to (``a.b.C`` -> ``a.b``)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _walk(
    node: ast.AST, module_level: bool = True
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, module_level
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, False)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _walk(ast.Module(body=[statement], type_ignores=[]), False)
            for statement in child.orelse:
                yield from _walk(ast.Module(body=[statement], type_ignores=[]), module_level)
        else:
            yield from _walk(child, module_level)


def imports_of(module: str) -> list[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found = []
    for node, module_level in _walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                drop = node.level - 1 if is_package else node.level
                anchor = anchor[: len(anchor) - drop] if drop else anchor
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the module pkg.sub when there is one.
            targets = [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            resolved = _resolve(target)
            if resolved is not None and resolved != module:
                found.append(Import(module, resolved, node.lineno, module_level))
    return found


ALL_IMPORTS = [found for module in MODULES for found in imports_of(module)]


def test_the_layers_are_found() -> None:
    layers = {layer_of(module) for module in MODULES}
    assert layers == set(LAYERS), layers


def direction_violations() -> list[Import]:
    return [
        found
        for found in ALL_IMPORTS
        if RANK[layer_of(found.imported)] > RANK[layer_of(found.importer)]
    ]


def test_imports_point_down_the_layers() -> None:
    wrong = [
        f"{found.importer} ({layer_of(found.importer)}, line {found.line}) imports "
        f"{found.imported} ({layer_of(found.imported)})"
        for found in direction_violations()
        if (found.importer, found.imported) not in ALLOWED
    ]
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(set(wrong)))


def test_the_allow_list_holds_only_live_violations() -> None:
    live = {(found.importer, found.imported) for found in direction_violations()}
    stale = ALLOWED - live
    assert not stale, f"no longer violated, remove from ALLOWED: {sorted(stale)}"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    edges: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in ALL_IMPORTS:
        if found.module_level:
            edges[found.importer].add(found.imported)
    assert not cycles(edges), f"import cycles between modules: {cycles(edges)}"


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_reader_sees_imports_in_functions_and_type_checking_blocks() -> None:
    tree_source = (
        "from typing import TYPE_CHECKING\n"
        "import podcast.app\n"
        "if TYPE_CHECKING:\n"
        "    from podcast import cli\n"
        "def f():\n"
        "    from podcast.feed import routes\n"
    )
    tree = ast.parse(tree_source)
    seen = [
        (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name, level)
        for node, level in _walk(tree)
    ]
    assert seen == [
        ("typing", True),
        ("podcast.app", True),
        ("podcast", False),
        ("podcast.feed", False),
    ]


def test_only_the_jobs_shell_knows_the_queue() -> None:
    """Domains queue work through ``podcast.core.jobs``; huey is ``podcast/jobs/``'s business
    (docs/architecture.md, "Jobs")."""
    assert layer_of("podcast.core.jobs") == "core"
    assert layer_of("podcast.jobs.queue") == "shell"
    outside = []
    for module, path in MODULES.items():
        if module == "podcast.jobs" or module.startswith("podcast.jobs."):
            continue
        for node, _level in _walk(ast.parse(path.read_text(), str(path))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            if any(name == "huey" or name.startswith("huey.") for name in names):
                outside.append(module)
    assert not outside, f"only podcast/jobs/ may import huey: {outside}"
