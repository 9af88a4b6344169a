"""The apps depend one way: core, then booking, then intake, then the apps that build on it
(exercise programs, the clinical record), then the pages that compose them (the public booking
flow and its API, the demo loader). A lower app reaches a higher one only through extension
points it offers (signals, hooks, registries), never by importing it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "physiofit"

# Lower numbers are lower layers. An app may import only apps of a strictly lower layer.
LAYERS = {
    "core": 0,
    "booking": 1,
    "blog": 1,
    "intake": 2,
    "website": 2,
    "exercises": 3,
    "care": 3,
    "flow": 4,
}


def imported_apps(path: Path, app: str) -> set[tuple[str, int]]:
    """The physiofit apps a module imports, with the line, absolute and relative imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    depth = len(path.relative_to(PACKAGE / app).parts)  # 1 for a module at the app's top
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module or ""]
            elif node.level > depth:  # climbs out of the app: ..other from the app's top
                names = [f"physiofit.{node.module or ''}"]
        for name in names:
            parts = name.split(".")
            if parts[0] == "physiofit" and len(parts) > 1 and parts[1] in LAYERS:
                found.add((parts[1], node.lineno))
    return found


def violations(app: str) -> list[str]:
    wrong = []
    for path in sorted((PACKAGE / app).rglob("*.py")):
        for other, line in sorted(imported_apps(path, app)):
            if other != app and LAYERS[other] >= LAYERS[app]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {other}")
    return wrong


def test_every_app_has_a_layer():
    apps = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert apps - {"settings"} == set(LAYERS)


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_no_app_imports_one_above_it(app):
    assert violations(app) == []


def test_the_guard_sees_absolute_relative_and_nested_imports(tmp_path, monkeypatch):
    """The check itself can fail: a booking module importing intake, three ways."""
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path)
    (tmp_path / "booking" / "sub").mkdir(parents=True)
    (tmp_path / "booking" / "a.py").write_text("from physiofit.intake import services\n")
    (tmp_path / "booking" / "b.py").write_text("def f():\n    from ..intake import gate\n")
    (tmp_path / "booking" / "sub" / "c.py").write_text("import physiofit.exercises.models\n")
    (tmp_path / "booking" / "d.py").write_text(
        "from .models import Patient\nfrom physiofit.core import x\n"
    )
    assert [line.split(" imports ")[1] for line in violations("booking")] == [
        "intake",
        "intake",
        "exercises",
    ]
