"""Hot-path statements run on the driver's cursor, in the session's own transaction.

SQLAlchemy's execution machinery costs about 40 µs a statement on top of SQLite's own 5-15 µs;
a chat turn runs seven. A `DriverStatement` keeps the SQL defined once, as a Core construct,
compiles it once per dialect (and, for inserts, per set of columns) and then hands the string
straight to the DBAPI cursor. Parameters and results pass through the column types' own bind
and result processors, so what is written and read is exactly what SQLAlchemy would write and
read. Only for statements whose parameters are all given explicitly: Python-side column
defaults are not applied (SQLAlchemy applies those in its execution context).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # bind names in order, for qmark/format paramstyles
    fixed: dict[str, Any]  # values of binds written into the statement itself (`id == 1`)
    binds: tuple[tuple[str, Processor], ...]  # names whose values need converting
    row: Any  # the namedtuple class of result rows, or None for statements without rows
    results: tuple[Processor | None, ...]


class DriverResult:
    """Rows of one execution (already fetched) and the affected row count."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def all(self) -> list[Any]:
        return self.rows


class DriverStatement:
    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def execute(
        self, connection: Connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> DriverResult:
        """Run with one parameter set (rows fetched) or several (executemany, no rows)."""
        many = not isinstance(params, Mapping)
        sets: Sequence[Mapping[str, Any]] = params if many else (params,)  # type: ignore[assignment]
        dialect = connection.dialect
        compiled = self._compile(dialect, tuple(sets[0]))
        arguments = [self._arguments(compiled, values) for values in sets]
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if many:
                cursor.executemany(compiled.sql, arguments)
                return DriverResult([], cursor.rowcount)
            cursor.execute(compiled.sql, arguments[0])
            rows: list[Any] = []
            if compiled.row is not None:
                results = compiled.results
                make = compiled.row._make
                rows = [
                    make(
                        value if process is None else process(value)
                        for value, process in zip(raw, results, strict=True)
                    )
                    for raw in cursor.fetchall()
                ]
            return DriverResult(rows, cursor.rowcount)
        finally:
            cursor.close()

    @staticmethod
    def _arguments(compiled: _Compiled, values: Mapping[str, Any]) -> Any:
        if compiled.fixed or compiled.binds:
            values = {**compiled.fixed, **values}
            for name, process in compiled.binds:
                values[name] = process(values[name])
        if compiled.positional is None:
            return values
        return tuple(values[name] for name in compiled.positional)

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        cache_key = (dialect.name, keys)
        found = self._compiled.get(cache_key)
        if found is not None:
            return found
        compiler = self._statement.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiler, SQLCompiler)
        binds = []
        fixed = {
            name: bind.value
            for name, bind in compiler.binds.items()
            if not bind.required and bind.callable is None and name not in keys
        }
        for name, bind in compiler.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        positional = tuple(compiler.positiontup or ()) if compiler.positional else None
        row: Any = None
        results: tuple[Processor | None, ...] = ()
        columns = getattr(self._statement, "selected_columns", None)
        if columns is not None and len(columns):
            names = list(columns.keys())
            row = namedtuple("Row", names, rename=True)  # type: ignore[misc,no-redef]
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            )
        compiled = _Compiled(compiler.string, positional, fixed, tuple(binds), row, results)
        self._compiled[cache_key] = compiled
        return compiled
