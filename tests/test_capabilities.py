"""The application asks adapters what they can do: no code in monitor/ names a built-in type."""

from __future__ import annotations

import ast
from pathlib import Path

from sources import BUILTIN_ADAPTERS
from sources.base import adapters

MONITOR = Path(__file__).parents[1] / "monitor"


def type_names_in_code(path: Path) -> list[str]:
    """Each string literal of `path` that is a built-in type name (docstrings aside), with line."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{path.relative_to(MONITOR.parent)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and node.value in BUILTIN_ADAPTERS
        and id(node) not in docstrings
    ]


def test_no_module_of_monitor_names_a_built_in_source_type() -> None:
    # Demo recordings are data files named after their type, not code: only *.py is read.
    found = [hit for path in sorted(MONITOR.rglob("*.py")) for hit in type_names_in_code(path)]
    assert found == []


def test_every_built_in_adapter_declares_its_own_capabilities() -> None:
    for name, adapter in adapters().items():
        if name in BUILTIN_ADAPTERS:
            module = __import__(adapter.module, fromlist=["CAPABILITIES"])
            assert adapter.capabilities is module.CAPABILITIES, name
