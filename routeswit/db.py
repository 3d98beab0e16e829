"""Small query helpers shared by the selectors."""

from django.db.models import FloatField, Func, QuerySet


def one_or_none(queryset: QuerySet):
    """The single row of a lookup by a unique key, or None.

    Unlike `.first()` this adds no ORDER BY pk, which can lead PostgreSQL to walk the primary-key index
    instead of using the unique index the lookup names.
    """
    rows = list(queryset[:2])
    return rows[0] if rows else None


class SecondsBetween(Func):
    """end - start in seconds (float), on PostgreSQL and SQLite."""

    output_field = FloatField()
    arg_joiner = " - "

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = "((julianday(%(expressions)s)) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)
