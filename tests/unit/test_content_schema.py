"""The content schema against the code and the docs: the ids the flows ask for are exactly
the specs, and content/README.md's tables are the ones the specs render."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import content
from flows import engine, plan
from flows.content_schema import (
    LEAD,
    MESSAGE_PLACEHOLDERS,
    MESSAGE_SPECS,
    PLAN_SPECS,
    QUESTION,
    ENDING,
    REPLY,
    RETRY,
    WORDS,
    markdown_table,
    placeholder_table,
)

ROOT = Path(__file__).resolve().parents[2]
README = (Path(content.__file__).resolve().parent / "README.md").read_text(encoding="utf-8")
SPEC_IDS = {spec.id for spec in MESSAGE_SPECS} | {spec.id for spec in PLAN_SPECS}


def _literals(node: ast.AST, names: dict[str, list[ast.AST]]):
    """The message ids an argument can hold: a literal, either side of `a if c else b`, the
    values of `{...}.get(x)`, or what a local name was assigned."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body, names)
        yield from _literals(node.orelse, names)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Dict):
        for value in node.func.value.values:
            yield from _literals(value, names)
    elif isinstance(node, ast.Name):
        for assigned in names.get(node.id, ()):
            yield from _literals(assigned, names)


def asked_in_code() -> dict[str, set[str]]:
    """Every id the flows and adapters ask for by name: `ctx.text("id")`, `content.text(...)`,
    `content.plan.text(...)` and PLAN's `say(ctx, "id")`, with the file that asks."""
    asked: dict[str, set[str]] = {}
    files = sorted((ROOT / "flows").glob("*.py")) + sorted((ROOT / "bot").rglob("*.py"))
    for path in files:
        if path.name.startswith("content"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Module))]:
            names: dict[str, list[ast.AST]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    names.setdefault(node.targets[0].id, []).append(node.value)
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name == "text" and node.args:
                    arg = node.args[0]
                elif name == "say" and len(node.args) > 1:
                    arg = node.args[1]
                else:
                    continue
                for id in _literals(arg, names):
                    asked.setdefault(id, set()).add(path.name)
    # Ids the code keeps in tables rather than at the call.
    for table in (engine.REPLY_FOR, engine.CARRIER_REPLY, engine.CHECKIN_REPLY):
        for id in table.values():
            asked.setdefault(id, set()).add("engine.py")
    for step in plan.STEPS.values():
        asked.setdefault(step.question, set()).add("plan.py")
        asked.setdefault(step.retry, set()).add("plan.py")
    return asked


def test_the_ids_the_code_asks_for_are_exactly_the_specs():
    asked = asked_in_code()
    unknown = {id: files for id, files in asked.items() if id not in SPEC_IDS}
    assert unknown == {}, "the code asks for texts no spec declares"
    assert SPEC_IDS - set(asked) == set(), "specs no code sends: drop them from the schema and the file"


def test_the_scan_finds_ids_asked_through_a_variable():
    asked = asked_in_code()
    assert {"done", "done_texts", "part_saved"} <= set(asked)          # plan.py: ending = ... if ... else ...
    assert {"show_mat_yes", "show_mat_no"} <= set(asked)               # my_plan.py: {...}.get(...)
    assert "unavailable" in asked and "webhook.py" in asked["unavailable"]


def test_ids_are_unique_and_roles_known():
    for specs in (MESSAGE_SPECS, PLAN_SPECS):
        ids = [spec.id for spec in specs]
        assert len(ids) == len(set(ids))
    assert {spec.role for spec in MESSAGE_SPECS} == {REPLY}
    assert {spec.role for spec in PLAN_SPECS} == {REPLY, QUESTION, RETRY, LEAD, ENDING, WORDS}


@pytest.mark.parametrize("spec", MESSAGE_SPECS + PLAN_SPECS, ids=lambda s: s.id)
def test_a_placeholder_a_text_must_contain_is_one_it_may_use(spec):
    for words in spec.must_contain:
        for name in re.findall(r"\{(\w+)\}", words):
            assert name in spec.placeholders


def test_every_message_placeholder_has_a_sample_and_a_line_in_the_readme():
    used = {name for spec in MESSAGE_SPECS for name in spec.placeholders}
    assert used == {p.name for p in MESSAGE_PLACEHOLDERS}
    assert placeholder_table() in README


@pytest.mark.parametrize("specs", [MESSAGE_SPECS, PLAN_SPECS], ids=["messages.yaml", "plan.yaml"])
def test_the_readme_id_table_is_the_one_the_specs_render(specs):
    """To update the README after changing a spec, paste the output of:
    python -c "from flows.content_schema import *; print(markdown_table(MESSAGE_SPECS))" (or PLAN_SPECS)."""
    assert markdown_table(specs) in README


def test_the_readme_points_only_at_files_the_project_has():
    for name in re.findall(r"\b([A-Za-z_./]+\.(?:md|py|yaml|txt))\b", README):
        if "*" in name or name.startswith("examples/"):
            continue
        found = [p for p in (ROOT / name, ROOT / "content" / name) if p.exists()]
        if "/" not in name:  # a bare module or file name: anywhere in the project's own folders
            found += [p for folder in ("flows", "bot", "content", "tests", "bench") for p in (ROOT / folder).rglob(name)]
        assert found, f"content/README.md names {name}, which the project does not have"
