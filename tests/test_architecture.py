"""The package's architecture: import layers, no import cycles, imports at module level,
no module over 500 lines without a stated reason."""

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "handshake"
#: optional dependencies a function may import where it needs them (``pip install handshake[hpc]``)
OPTIONAL = {"pyamg"}
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_import_layers_hold():
    """continuum < atomistic < materials, dislocations < coupling, dynamics < fracture, alloys
    < scenario < studies < hpc < cli (the contract in pyproject.toml, checked by import-linter)."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]


def test_no_import_cycles():
    graph = grimp.build_graph("handshake")
    cycles = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            # a package imports its own submodules to re-export them; that is not a cycle
            if importer.startswith(imported + ".") or imported.startswith(importer + "."):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None and not any(importer.startswith(m + ".") or m.startswith(importer + ".")
                                            for m in back[1:-1]):
                cycles.append(" -> ".join((importer, *back[:-1], importer)))
    assert not cycles, "\n".join(cycles)


def function_imports(path: Path) -> list[str]:
    """Imports inside functions of ``path``, except of optional dependencies."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    names = [a.name for a in sub.names]
                elif isinstance(sub, ast.ImportFrom):
                    names = [("." * sub.level) + (sub.module or "")]
                else:
                    continue
                found += [f"{path.relative_to(ROOT)}:{sub.lineno}: {n}" for n in names
                          if n.split(".")[0] not in OPTIONAL]
    return found


def test_imports_at_module_level():
    inside = [line for path in MODULES for line in function_imports(path)]
    assert not inside, "\n".join(inside)


def test_long_modules_say_why():
    silent = []
    for path in MODULES:
        lines = path.read_text().count("\n")
        if lines > 500 and "Longer than 500 lines" not in (ast.get_docstring(ast.parse(path.read_text())) or ""):
            silent.append(f"{path.relative_to(ROOT)}: {lines} lines and no reason in its docstring")
    assert not silent, "\n".join(silent)
