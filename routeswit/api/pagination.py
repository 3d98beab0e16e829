"""Cursor paging that returns a bare JSON array: `?limit=` and `?starting_after=<id>`, next page in `Link`."""

from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from routeswit.api.errors import ValidationFailed

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise ValidationFailed({"limit": ["Must be a whole number."]}) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed({"limit": [f"Must be between 1 and {MAX_LIMIT}."]})
    return limit


class StartingAfterPagination(BasePagination):
    """Pages by internal key; the view orders by `pk` (oldest first) or `-pk` (newest first)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = parse_limit(request.query_params.get("limit"))
        descending = getattr(view, "newest_first", False)
        queryset = queryset.order_by("-pk" if descending else "pk")
        cursor = request.query_params.get("starting_after")
        if cursor:
            cursor_pk = self._cursor_pk(view, queryset, cursor)
            queryset = queryset.filter(pk__lt=cursor_pk) if descending else queryset.filter(pk__gt=cursor_pk)
        rows = list(queryset[: self.limit + 1])
        self.has_more = len(rows) > self.limit
        self.page = rows[: self.limit]
        return self.page

    @staticmethod
    def _cursor_pk(view, queryset, cursor: str) -> int:
        finder = getattr(view, "cursor_pk", None)
        # The page's own (organization-scoped) queryset names the cursor, so no model needs an `org` field.
        pk = (
            finder(cursor)
            if finder
            else queryset.filter(public_id=cursor).values_list("pk", flat=True).first()
        )
        if pk is None:
            raise ValidationFailed({"starting_after": [f"No object with id {cursor!r}."]})
        return pk

    def get_paginated_response(self, data):
        headers = {}
        if self.has_more and self.page:
            url = self.request.build_absolute_uri()
            url = replace_query_param(url, "starting_after", self.page[-1].public_id)
            url = replace_query_param(url, "limit", self.limit)
            headers["Link"] = f'<{url}>; rel="next"'
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Page size (default {DEFAULT_LIMIT}, max {MAX_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
            {
                "name": "starting_after",
                "in": "query",
                "required": False,
                "description": "An id from the previous page; the next page is named in the Link header.",
                "schema": {"type": "string"},
            },
        ]
