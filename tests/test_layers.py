"""The warehouse side stands on its own: no module in warehouse/ imports the app (queries/, the
pages, components), so the data team builds the marts with `python -m warehouse` and
`python -m warehouse.refresh` without the app; the app hands its definitions and its demo
write-back to the build instead (queries/demo_book.py)."""
import ast
from pathlib import Path

WAREHOUSE = Path(__file__).resolve().parent.parent / "warehouse"
APP_PACKAGES = {"queries", "components", "pages", "planning", "app"}


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every import in the file, wherever it is written (a function's
    body included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_module_of_the_warehouse_imports_the_app():
    modules = sorted(WAREHOUSE.rglob("*.py"))
    assert len(modules) >= 8  # the package was found
    offenders = {str(m.relative_to(WAREHOUSE)): sorted(imported_packages(m) & APP_PACKAGES) for m in modules}
    assert {m: p for m, p in offenders.items() if p} == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    """The old `python -m warehouse` imported queries.demo_writeback inside main(): the check
    must see that form too."""
    module = tmp_path / "m.py"
    module.write_text("def main():\n    from queries.demo_writeback import seeder\n    import queries.db\n")
    assert imported_packages(module) == {"queries"}
