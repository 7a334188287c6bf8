"""The core must stay pure: no Django, no I/O, no clock of its own."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "game" / "core"
FORBIDDEN = {"django", "channels", "asgiref", "time", "datetime", "random", "secrets", "os",
             "socket", "asyncio", "requests", "redis", "psycopg", "sqlite3", "uuid"}  # fmt: skip


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_core_imports_no_django_no_io_and_no_clock():
    offenders = {path.name: sorted(imported_roots(path) & FORBIDDEN) for path in CORE.glob("*.py")}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_core_has_modules_to_check():
    assert len(list(CORE.glob("*.py"))) >= 8
