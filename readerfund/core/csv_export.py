"""One admin action for every list the operator may want in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(*, filename: str, header: Sequence[str], rows: Any) -> StreamingHttpResponse:
    """Streams rows (iterables of values) as a CSV download, safe to open in a spreadsheet."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([_cell(v) for v in row]) for row in [header, *rows])
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.action(description=_("Export the selected rows as CSV"))
def export_csv(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Model]
) -> StreamingHttpResponse:
    """Exports the columns of the model's `csv_fields` (default: its list_display fields)."""
    fields: Sequence[str] = getattr(modeladmin, "csv_fields", None) or [
        name for name in modeladmin.get_list_display(request) if isinstance(name, str)
    ]
    model = queryset.model
    stamp = timezone.now().strftime("%Y%m%d-%H%M")

    def value(obj: Model, name: str) -> Any:
        current: Any = obj
        for part in name.split("__"):
            current = getattr(current, part, None) if current is not None else None
        return current() if callable(current) else current

    rows = ([value(obj, name) for name in fields] for obj in queryset.iterator())
    return csv_response(
        filename=f"{model._meta.model_name}-{stamp}.csv", header=list(fields), rows=rows
    )
