"""The package's import graph follows one declared layer order and has no cycles: following a
preset through a render goes one way, down. Every import counts, also those inside functions
(lazy imports are for start-up time, not for going upward)."""

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dreamvideo"

# Lowest first; a unit (a subpackage, or a module at the package root) imports only from its own
# layer or lower ones.
LAYERS = [
    {"errors", "progress", "_tf"},
    {"config"},
    {"backbone", "videoio", "plan", "audio"},
    {"motion", "dreaming"},
    {"style", "zoom", "blender"},
    {"components"},
    {"effects"},
    {"engine"},
    {"farm", "photo", "api", "cli", "inspect", "__main__", "__init__"},
]
LAYER = {unit: number for number, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    """``dreamvideo.engine.job`` -> ``engine``; ``dreamvideo`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every dreamvideo module ``path`` imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}  # from . import submodule
    return {module for module in found if module == "dreamvideo" or module.startswith("dreamvideo.")}


def unit_graph() -> dict[str, set[str]]:
    graph = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        source = unit_of(module_name(path))
        graph[source] |= {unit_of(m) for m in imported_modules(path)} - {source}
    return graph


def test_every_unit_has_a_layer():
    units = {unit_of(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert units - set(LAYER) == set(), "give these a layer in LAYERS"


def test_nothing_imports_upward():
    upward = sorted(f"{source} -> {target}" for source, targets in unit_graph().items()
                    for target in targets if LAYER.get(target, -1) > LAYER.get(source, -1))
    assert upward == []


def test_the_unit_graph_has_no_cycles():
    graph, state, cycles = unit_graph(), {}, []

    def visit(unit, trail):
        state[unit] = "open"
        for target in sorted(graph.get(unit, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[unit] = "done"

    for unit in sorted(graph):
        if unit not in state:
            visit(unit, [unit])
    assert cycles == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
    """The parser resolves ``from ..x import y`` inside a function (the form an upward import
    usually takes)."""
    module = PACKAGE / "style" / "content.py"
    tree_imports = imported_modules(module)
    assert "dreamvideo.motion.flow" in tree_imports  # a module-level relative import
