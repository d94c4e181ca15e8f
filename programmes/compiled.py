"""Queries the ORM compiles once per process and runs again with new values.

Every request of a phone's survey reads its round, programme, seminar, survey set-up and
draft in one query (surveys.access.get_survey_session). Building that QuerySet and compiling
it to SQL cost more CPU than running it and rendering the page together: about 2 ms of
Python against 0.2 ms for the database's answer. The query's shape never changes; only the
round's id and the draft's differ. So each process has the ORM compile it once, with sample
values standing for the parameters, keeps the SQL and the compiler, and from then on sends
the SQL with the request's values and turns the row into model instances exactly as
iterating the QuerySet would (the compiler's converters, `Model.from_db`, the populators of
`select_related`, annotations).

Use it only for a hot query of fixed shape whose parameters are all arguments of the
builder; everything else stays an ordinary QuerySet. The compiled SQL is per database alias
and per process, and holds no data: nothing another worker needs is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat

from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators


class CompiledQuery:
    """The first row of `build(*values)`, compiled once per database alias.

    `fields` are the model fields whose values the arguments are (they prepare each value
    for the database as a lookup on that field would); `samples` are values of those types
    that appear nowhere else in the query, so that the compiled parameters can be told
    apart: each parameter equal to a prepared sample takes the matching argument's value,
    any other parameter is a constant of the query and is sent as compiled.
    """

    def __init__(
        self, build: Callable[..., QuerySet], *, fields: Sequence[Field], samples: Sequence
    ) -> None:
        if len(fields) != len(samples):
            raise ValueError("one sample per field")
        self.build, self.fields, self.samples = build, tuple(fields), tuple(samples)
        self._compiled: dict[str, tuple] = {}

    def first(self, *values, using: str = "default") -> Model | None:
        sql, slots, compiler, make = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        if not all(map(_in_range, self.fields, values, repeat(connection))):
            return None  # as a lookup on the field finds nothing (Django 5.0 and later)
        prepared = [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(self.fields, values, strict=True)
        ]
        params = [prepared[slot] if isinstance(slot, int) else slot[0] for slot in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        return make(next(iter(compiler.results_iter([[row]]))))

    def _compile(self, using: str) -> tuple:
        queryset = self.build(*self.samples).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        connection = connections[using]
        samples = [
            field.get_db_prep_value(sample, connection, prepared=False)
            for field, sample in zip(self.fields, self.samples, strict=True)
        ]
        slots: list[int | tuple] = []
        for param in params:
            matches = [index for index, sample in enumerate(samples) if sample == param]
            slots.append(matches[0] if matches else (param,))
        if sorted({slot for slot in slots if isinstance(slot, int)}) != list(range(len(samples))):
            raise ValueError(f"every sample must appear in the query: {params!r}")
        self._compiled[using] = (sql, slots, compiler, _maker(compiler, using))
        return self._compiled[using]


def _in_range(field: Field, value, connection) -> bool:
    """Whether an integer fits the field's column; any other value is left to the database."""
    kind = field.get_internal_type()
    if kind not in connection.ops.integer_field_ranges:
        return True
    low, high = connection.ops.integer_field_range(kind)
    return (low is None or value >= low) and (high is None or value <= high)


def _maker(compiler, using: str) -> Callable[[Sequence], Model]:
    """What turns one converted row into instances, as django.db.models.query.ModelIterable
    does it (the populators hold no row: they are made once, as there, for every row)."""
    select, klass_info = compiler.select, compiler.klass_info
    model = klass_info["model"]
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, using)
    annotations = tuple(compiler.annotation_col_map.items())

    def make(row: Sequence) -> Model:
        instance = model.from_db(using, names, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        for name, position in annotations:
            setattr(instance, name, row[position])
        return instance

    return make
