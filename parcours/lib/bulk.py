"""Fast INSERT and UPDATE of many rows of one model (no domain logic)."""

import operator
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.db import connections, models, router
from django.utils import timezone

Values = tuple[Any, ...]


# Column types whose Python values the database drivers take as they are.
_AS_IS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)


class BulkWriter:
    """INSERT and UPDATE many rows of one model with `executemany`.

    `bulk_create` and `bulk_update` send each value of each row through the field's
    whole save pipeline (about 60 µs a row on SQLite, three times the insert itself).
    Here the columns the caller sets are prepared with the field's own
    `get_db_prep_save` only when their type needs it (dates, decimals), and the others
    (organisation, timestamps, defaults) once for all rows. Inserted rows come back
    without their primary key: the caller reads keys and pks back in one query.
    SQL is built from the model's own table and column names only.
    """

    def __init__(
        self,
        model: type[models.Model],
        columns: tuple[str, ...],
        fixed: dict[str, Any],
        *,
        prepared_columns: Iterable[str] = (),
    ) -> None:
        """`columns` are the attnames each row gives, in order; `fixed` the values shared
        by all rows; `prepared_columns` those the caller already gives in database form
        (a JSON column's text, say)."""
        self.connection = conn = connections[router.db_for_write(model)]
        qn = conn.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_attname = {f.attname: f for f in fields}
        now = fixed.get("updated_at") or timezone.now()

        def prepared(field: "models.Field[Any, Any]", value: Any) -> Any:
            return field.get_db_prep_save(value, connection=conn)

        self.adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(columns):
            field = by_attname[name]
            target = field.target_field if isinstance(field, models.ForeignKey) else field
            if not isinstance(target, _AS_IS) and name not in prepared_columns:
                self.adapters.append((i, partial(prepared, field)))
        constants: list[Any] = []
        positions: list[int] = []
        for field in fields:
            if field.attname in columns:
                positions.append(columns.index(field.attname))
                continue
            if field.attname in fixed:
                value = fixed[field.attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            positions.append(len(columns) + len(constants))
            constants.append(prepared(field, value))
        self.constants = tuple(constants)
        self.pick = operator.itemgetter(*positions)
        table = qn(model._meta.db_table)
        names = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.insert_sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        # An update sets the import's columns and, when the model has one, updated_at.
        assignments = [f"{qn(by_attname[c].column)} = %s" for c in columns]
        self.stamp: tuple[Any, ...] = ()
        if "updated_at" in by_attname:
            assignments.append(f"{qn(by_attname['updated_at'].column)} = %s")
            self.stamp = (prepared(by_attname["updated_at"], now),)
        pk = qn(model._meta.pk.column)
        self.update_sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk} = %s"  # noqa: S608

    def _prepare(self, values: Values) -> Values:
        if not self.adapters:
            return values
        row = list(values)
        for i, adapt in self.adapters:
            row[i] = adapt(row[i])
        return tuple(row)

    def insert(self, rows: Iterable[Values]) -> None:
        pick, constants = self.pick, self.constants
        params = [pick(self._prepare(values) + constants) for values in rows]
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # Django's cursors bind parameters client-side there, which makes
                # executemany slow (about 60 µs a row); COPY streams the rows.
                with cursor.copy(self.copy_sql) as copy:
                    for row in params:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, params)

    def update(self, rows: Iterable[tuple[int, Values]]) -> None:
        stamp = self.stamp
        params = [(*self._prepare(values), *stamp, pk) for pk, values in rows]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.update_sql, params)
