"""No SQL is built from strings: queries go through SQLAlchemy's expressions and bound
parameters. A statement text made with an f-string, `%`, `+` or `.format()` is a failure unless
its call (or the line above) carries `# sql-safe: <why>` (DDL over names the code itself
makes: a partition's date, a sequence name from the catalogue, an integer setting), so each
exception is visible and argued where it is written."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src" / "citywatch"
SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript", "executemany"}
MARKER = "# sql-safe:"


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _built(node: ast.expr) -> bool:
    """A string assembled at run time: f-string, concatenation, % or .format()."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    return isinstance(node, ast.Call) and _name(node.func) == "format"


def built_sql(path: Path, root: Path = SRC.parent) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _name(node.func) not in SQL_CALLS or not node.args:
            continue
        if not _built(node.args[0]):
            continue
        # The marker may sit on the call's lines or on the comment line just above it.
        span = lines[max(node.lineno - 2, 0) : (node.end_lineno or node.lineno)]
        if not any(MARKER in line for line in span):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_statement_is_assembled_from_strings_without_a_reason():
    found = [where for path in sorted(SRC.rglob("*.py")) for where in built_sql(path)]
    assert found == [], "SQL built from strings (bind parameters, or argue it with # sql-safe:)"


def test_the_check_catches_what_it_is_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(c, name):\n"
        "    c.execute(text(f\"SELECT * FROM t WHERE name = '{name}'\"))\n"
        "    c.execute('SELECT 1 WHERE x = ' + name)\n"
        "    c.execute(text('SELECT :n'), {'n': name})\n"
        "    c.execute(text(f'SET x = {int(name)}'))  # sql-safe: an integer\n",
        encoding="utf-8",
    )
    assert sorted(built_sql(sample, tmp_path)) == ["sample.py:2", "sample.py:3"]
