"""Every dotted ``components.`` name in the product's docstrings and comments resolves.

A docstring that points to ``components.sweep.sweep_k`` after the sweep has moved sends the
reader nowhere. This walks ``components/``, ``pages/``, ``app.py`` and ``serve.py``, collects
each ``components.x.y[.z]`` name in a docstring (Sphinx roles such as
:func:`components.ui.cache.views.legend` and bare mentions alike) or a comment, and resolves it
by importing the longest module prefix and getting the rest as attributes.
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SOURCES = (
    *sorted((PROJECT_ROOT / "components").rglob("*.py")),
    *sorted((PROJECT_ROOT / "pages").glob("*.py")),
    PROJECT_ROOT / "app.py",
    PROJECT_ROOT / "serve.py",
)
# A name starts at "components." not preceded by a word character, a dot or a slash (a path
# such as ``static/components.js`` is not one), and each part is an identifier, so a full stop
# after the name is not taken in.
REFERENCE = re.compile(r"(?<![\w./])components(?:\.[A-Za-z_]\w*)+")
# Known dead references in files that are being rewritten elsewhere: (file, name). Each one
# goes from here when its file is fixed (the test then holds that file to the rule too).
KNOWN_UNRESOLVED: set[tuple[str, str]] = set()


def _docstrings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(first line, text) of the module's, every class's and every function's docstring."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                yield body[0].value.lineno, body[0].value.value


def _comments(source: str) -> Iterator[tuple[int, str]]:
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def references(path: Path) -> Iterator[tuple[int, str]]:
    """Each ``components.`` dotted name in the file's docstrings and comments, with its line."""
    source = path.read_text(encoding="utf-8")
    for first_line, text in [*_docstrings(ast.parse(source)), *_comments(source)]:
        for match in REFERENCE.finditer(text):
            yield first_line + text.count("\n", 0, match.start()), match.group()


def _has_attribute(owner: object, name: str) -> bool:
    """True for an attribute, and for a dataclass field or an annotated name of a class."""
    if hasattr(owner, name):
        return True
    if isinstance(owner, type):
        return any(name in getattr(base, "__annotations__", {}) for base in owner.__mro__)
    return False


def resolves(dotted: str) -> bool:
    """Import the longest module prefix of ``dotted`` and find the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            owner: object = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and module_name.startswith(error.name):
                continue  # this prefix is not a module; try a shorter one
            raise
        for name in parts[cut:]:
            if not _has_attribute(owner, name):
                return False
            owner = getattr(owner, name, None)
        return True
    return False


def test_the_walk_finds_references() -> None:
    found = {name for path in SOURCES for _, name in references(path)}
    assert "components.engine.clustering" in found and len(found) > 20


def test_every_components_reference_resolves() -> None:
    unresolved = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: {name}"
        for path in SOURCES
        for line, name in references(path)
        if (path.relative_to(PROJECT_ROOT).as_posix(), name) not in KNOWN_UNRESOLVED
        and not resolves(name)
    ]
    assert not unresolved, "References to no module or name:\n" + "\n".join(unresolved)


def test_resolves_modules_attributes_and_dataclass_fields_only() -> None:
    assert resolves("components.engine.sweep.run.sweep_k")
    assert resolves("components.engine.sweep.run.SweepResult.labels")  # a dataclass field
    assert not resolves("components.sweep.sweep_k")  # no such module
    assert not resolves("components.engine.sweep.run.no_such_name")
