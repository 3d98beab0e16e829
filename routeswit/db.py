"""Small query helpers shared by the selectors."""

from django.db.models import QuerySet


def one_or_none(queryset: QuerySet):
    """The single row of a lookup by a unique key, or None.

    Unlike `.first()` this adds no ORDER BY pk, which can lead PostgreSQL to walk the primary-key index
    instead of using the unique index the lookup names.
    """
    rows = list(queryset[:2])
    return rows[0] if rows else None
