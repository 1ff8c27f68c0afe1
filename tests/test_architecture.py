"""Import rules of workshop/, checked on the source (AST), so a new violation fails here, named.

- workshop/ops.py (the op contract) is a leaf: it imports no workshop module.
- No cycles between the domain packages (accounts, activities, drafting, live = the engine,
  measures, protocols, sessions, any new one; each top-level module of shared code is a node
  of its own). The outer layer (pages and socket handlers, app wiring, the CLI) may import any
  domain and is left out of that graph.
- No cycles between files at all (outer layer included).

Every import counts: module level, inside functions (lazy) and under TYPE_CHECKING, because a
lazy import hides a dependency but does not remove it.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workshop"

# The outer layer: it wires domains together, so it may import any of them.
OUTER = (
    "workshop/app.py",
    "workshop/cli.py",
    "workshop/web.py",
    "workshop/demo.py",
    "workshop/extensions.py",
    "workshop/rate_limits.py",
    "workshop/migrate.py",
    "workshop/models.py",
    "workshop/*/views.py",
    "workshop/*/*_views.py",
    "workshop/live/transport/*",
    "workshop/drafting/sockets.py",
    "workshop/migrations/*",
)

# Cycles another branch removes; the lead deletes these lines at merge. Nothing else belongs here.
ALLOWED_FILE_CYCLES: set[frozenset[str]] = set()
ALLOWED_PACKAGE_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p): p for p in sorted(package.rglob("*.py"))}


def imports_of(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The workshop modules a file imports, anywhere in it (resolved to files where possible)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package upwards
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            # `from pkg import sub` imports the submodule when there is one.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of a module a.b: count a.b
                target = target.rpartition(".")[0]
            if target.startswith("workshop") and target != "workshop" and target != name:
                found.add(target)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = all_modules(package)
    return {name: imports_of(path, name, modules) for name, path in modules.items()}


def is_outer(name: str, modules: dict[str, Path]) -> bool:
    path = modules[name].relative_to(ROOT).as_posix()
    return any(fnmatch(path, pattern) for pattern in OUTER)


def domain_of(name: str) -> str:
    """workshop.measures.record -> workshop.measures; a top-level module is its own node."""
    return ".".join(name.split(".")[:2])


def package_graph(graph: dict[str, set[str]], modules: dict[str, Path]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        if is_outer(source, modules):
            continue
        packages[domain_of(source)]
        for target in targets:
            if not is_outer(target, modules) and domain_of(target) != domain_of(source):
                packages[domain_of(source)].add(domain_of(target))
    return dict(packages)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle path (a -> b -> a) in each group of nodes that import each other."""
    return [_one_cycle(graph, component) for component in strongly_connected(graph)]


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A readable cycle inside a component: a -> b -> … -> a (breadth-first, shortest from its first node)."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return paths[node] + [start]
            if nxt in component and nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return sorted(component)


def _unallowed(graph: dict[str, set[str]], allowed: set[frozenset[str]]) -> list[str]:
    """Each group of mutually importing nodes that is not allowed: one cycle, and all its members."""
    found = []
    for component in strongly_connected(graph):
        if frozenset(component) in allowed:
            continue
        found.append(
            " -> ".join(_one_cycle(graph, component))
            + (f"   (all caught in this knot: {', '.join(sorted(component))})" if len(component) > 2 else "")
        )
    return found


def test_the_op_contract_imports_no_workshop_module():
    graph = import_graph()
    assert graph["workshop.ops"] == set(), f"workshop/ops.py must stay a leaf; it imports {graph['workshop.ops']}"


def test_no_import_cycles_between_domain_packages():
    modules = all_modules()
    found = _unallowed(package_graph(import_graph(), modules), ALLOWED_PACKAGE_CYCLES)
    assert not found, "import cycles between domain packages:\n  " + "\n  ".join(found)


def test_no_import_cycles_between_files():
    found = _unallowed(import_graph(), ALLOWED_FILE_CYCLES)
    assert not found, "import cycles between files:\n  " + "\n  ".join(found)


@pytest.fixture
def tiny_package(tmp_path, monkeypatch):
    """A throwaway workshop/ tree, to see that the scan finds what it should."""
    root = tmp_path / "workshop"
    for rel, text in {
        "__init__.py": "",
        "ops.py": "",
        "a/__init__.py": "",
        "a/one.py": "from workshop.b import two\n",
        "b/__init__.py": "",
        "b/two.py": "def later():\n    from ..a import one\n",
        "c/__init__.py": "",
        "c/three.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from workshop.a.one import x\n",
        "a/views.py": "from workshop.c import three\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    return root


def test_the_scan_sees_lazy_relative_and_type_checking_imports(tiny_package):
    graph = import_graph(tiny_package)
    assert graph["workshop.b.two"] == {"workshop.a.one"}
    assert graph["workshop.c.three"] == {"workshop.a.one"}
    assert cycles(graph) == [["workshop.a.one", "workshop.b.two", "workshop.a.one"]]
    modules = all_modules(tiny_package)
    packages = package_graph(graph, modules)
    assert packages["workshop.a"] == {"workshop.b"}  # a/views.py -> c is the outer layer's: left out
    assert packages["workshop.c"] == {"workshop.a"}
    assert cycles(packages) == [["workshop.a", "workshop.b", "workshop.a"]]


def test_live_imports_nothing_of_the_pages():
    """The engine is domain: it knows no page (a view, the register's pages) — what it needs of a
    measure it asks measures/. Its transport may use the HTTP helpers, never a page module."""
    modules = all_modules()
    graph = import_graph()
    pages = {
        name
        for name, path in modules.items()
        if fnmatch(path.relative_to(ROOT).as_posix(), "workshop/*/*views.py") or name.startswith("workshop.register")
    }
    wrong = []
    for name, targets in graph.items():
        if not name.startswith("workshop.live"):
            continue
        engine_side = not name.startswith("workshop.live.transport")
        for target in sorted(targets):
            outside = is_outer(target, modules) and not target.startswith("workshop.live")
            if target in pages or (engine_side and outside):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "live/ reaches into the pages:\n  " + "\n  ".join(wrong)


# --- no activity type name outside its activity -----------------------------------------------------
# Shared code asks the activity (its label, presets, options, ranked_by_votes, bot_op, protocol …)
# instead of testing `step["type"] == "dot_vote"`. A type's name may appear only in the module that
# defines it (and in migrations, which keep history). The same word with another meaning is listed
# here with that meaning; nothing else belongs in this table.
OTHER_MEANINGS = {
    "draft": {  # a record revision written by co-drafting, a protocol's or a measure's state
        "workshop/drafting/record_sync.py",
        "workshop/measures/status.py",
        "workshop/protocols/model.py",
        "workshop/protocols/models.py",
        "templates/measures/record.html",
        "templates/measures/history.html",
    },
    # a record line's source: a card or a cluster row; a suggestion's kind (a cluster to make) and
    # the accepted one's event field (the cluster it made)
    "cluster": {
        "workshop/register/public.py",
        "workshop/suggestions/grouping.py",
        "workshop/activities/cluster_suggestions.py",
    },
    "summary": {"workshop/monitoring/calendar.py"},  # an ICS event's SUMMARY
    "action_items": {"workshop/activities/models.py"},  # the table of the tasks
}
JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.S)
QUOTED = re.compile(r"""["']([a-z_]+)["']""")


def activity_types() -> dict[str, str]:
    """Type name -> the file of the activity module that defines it (type = "…" in its class)."""
    found = {}
    for path in sorted((PACKAGE / "activities").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (
                        isinstance(item, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "type" for t in item.targets)
                        and isinstance(item.value, ast.Constant)
                        and isinstance(item.value.value, str)
                        and item.value.value
                    ):
                        found[item.value.value] = path.relative_to(ROOT).as_posix()
    return found


def type_names_in_python(path: Path, types: set[str]) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in types
    ]


def type_names_in_template(path: Path, types: set[str]) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    found = []
    for block in JINJA.finditer(text):
        for name in QUOTED.findall(block.group()):
            if name in types:
                found.append((text.count("\n", 0, block.start()) + 1, name))
    return found


def type_name_uses(root: Path = ROOT) -> list[str]:
    types = activity_types()
    names = set(types)
    wrong = []
    files = [p for p in sorted((root / "workshop").rglob("*.py")) if "migrations" not in p.parts]
    files += sorted((root / "templates").rglob("*.html"))
    for path in files:
        rel = path.relative_to(root).as_posix()
        scan = type_names_in_python if path.suffix == ".py" else type_names_in_template
        for line, name in scan(path, names):
            if types.get(name) == rel or rel in OTHER_MEANINGS.get(name, ()):
                continue
            wrong.append(f"{rel}:{line}: '{name}'")
    return wrong


def test_no_activity_type_name_outside_its_activity():
    wrong = type_name_uses()
    assert not wrong, "activity type names outside their module (ask the activity instead):\n  " + "\n  ".join(wrong)


def test_the_type_name_scan_sees_python_and_jinja(tmp_path, monkeypatch):
    (tmp_path / "workshop" / "activities").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    (tmp_path / "workshop" / "activities" / "vote.py").write_text('class V:\n    type = "vote"\n')
    (tmp_path / "workshop" / "shared.py").write_text('def f(step):\n    return step["type"] == "vote"\n')
    (tmp_path / "templates" / "page.html").write_text('<p>vote</p>\n{% if step.type == "vote" %}x{% endif %}\n')
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "workshop")
    assert type_name_uses(tmp_path) == ["workshop/shared.py:2: 'vote'", "templates/page.html:2: 'vote'"]
