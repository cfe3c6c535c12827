"""Imports run one way: `common` at the bottom, `igde` and `dpde` over it (neither imports the
other), `commands.registry` over the paper packages, the commands over it and `train.py` on top;
and no two modules import each other, directly or round a longer cycle. Every import counts,
those inside functions too. Read from the source with `ast`, nothing imported."""

import ast

from tests.conftest import ROOT

PACKAGES = ("common", "igde", "dpde", "commands")


def layer(module):
    """(layer, package) of a project module: higher layers may import lower ones only."""
    if module == "train":
        return 4, "train"
    if module == "commands.registry":
        return 2, "commands"
    top = module.split(".")[0]
    return {"common": 0, "igde": 1, "dpde": 1, "commands": 3}[top], top


def project_modules():
    """{module name: source path} of every module of the packages, and train.py."""
    modules = {"train": ROOT / "train.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(path, modules):
    """The project modules the file at `path` imports (`from package import submodule` is the
    submodule)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [name if name in modules else node.module for name in names]
        else:
            continue
        imported.update(name for name in names if name in modules)
    return imported


def import_graph():
    modules = project_modules()
    return {name: imported_modules(path, modules) - {name} for name, path in modules.items()}


def test_no_module_imports_from_a_higher_layer_or_a_sibling_paper():
    upward = []
    for module, imports in import_graph().items():
        level, package = layer(module)
        for target in imports:
            target_level, target_package = layer(target)
            if target_level > level or (target_level == level == 1 and target_package != package):
                upward.append(f"{module} -> {target}")
    assert not upward, "imports against the layers:\n" + "\n".join(sorted(upward))


def find_cycles(graph):
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
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
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle():
    assert find_cycles(import_graph()) == []


def test_the_checks_see_an_upward_import_and_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    modules = project_modules()
    assert "commands.registry" in imported_modules(ROOT / "commands" / "train.py", modules)
    assert layer("common.viz") < layer("igde.model") < layer("commands.registry") < layer("commands.train")


# The commands that train nothing, and the evaluation package: none reaches the training loop.
SCORING_ONLY = (
    "commands.evaluate",
    "commands.score",
    "commands.write_split",
    "commands.omega_sweep",
    "commands.report",
    "commands.igde_middlebury",
    "commands.export",
    "common.evaluation",
)


def reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_scoring_never_imports_the_training_loop():
    graph = import_graph()
    starts = [name for name in graph if name.startswith(SCORING_ONLY)]
    assert len(starts) >= len(SCORING_ONLY)
    found = {
        f"{start} -> {target}"
        for start in starts
        for target in reachable(graph, start)
        if target.startswith("common.training")
    }
    assert not found, "scoring reaches the training loop:\n" + "\n".join(sorted(found))
