"""`flows/` is pure: it imports only what is allowed here, reads no clock and opens no file.

An allow-list rather than a deny-list, so a new dependency has to be added here on
purpose; the folder is found from this file, so the test checks the same files from any
working directory (and fails if it finds none).
"""

from __future__ import annotations

import ast
import pathlib

import pytest

FLOWS = pathlib.Path(__file__).resolve().parents[2] / "flows"
MODULES = sorted(FLOWS.glob("*.py"))

# The standard library's pure parts, and the two computing libraries the engine scores
# and matches with. zoneinfo reads the tz database, which is data that ships with Python
# or tzdata, not the world's state.
ALLOWED = frozenset({
    "__future__", "dataclasses", "datetime", "enum", "functools", "hashlib", "itertools", "math",
    "re", "string", "types", "typing", "unicodedata", "zoneinfo", "collections", "operator",
    "numpy", "rapidfuzz", "flows",
})
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "monotonic"), ("time", "perf_counter")}


def test_the_purity_check_finds_the_engine():
    assert FLOWS.is_dir()
    assert {"engine.py", "understand.py", "plan.py"} <= {path.name for path in MODULES}


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield "flows" if node.level else (node.module or "")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_flows_imports_only_what_is_allowed(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name in _imports(tree):
        assert name.split(".")[0] in ALLOWED, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_flows_reads_no_clock_and_opens_no_file(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in CLOCK_READS, f"{path.name} reads the clock ({node.value.id}.{node.attr})"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "input", "print", "exec", "eval"}, f"{path.name} calls {node.func.id}()"


def test_the_check_would_catch_a_forbidden_import(tmp_path):
    bad = ast.parse("import sqlalchemy\nfrom bot import db\nimport os\n")
    assert [name for name in _imports(bad) if name.split(".")[0] not in ALLOWED] == ["sqlalchemy", "bot", "os"]
