"""A table's body in one pass: a year of days or weights is thousands of cells, and the
template language's loops cost about ten times as much per cell (docs/benchmarks.md)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from readerfund.experiments.tables import Table

register = template.Library()


@register.simple_tag
def table_body(table: Table) -> SafeString:
    """<tr>s with the first cell as the row's header; "Nothing yet." without rows."""
    if not table.rows:
        return format_html(
            '<tr><td colspan="{}">{}</td></tr>', len(table.header), _("Nothing yet.")
        )
    return format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html(
                    '<th scope="row">{}</th>{}',
                    row[0],
                    format_html_join("", "<td>{}</td>", ((cell,) for cell in row[1:])),
                ),
            )
            for row in table.rows
        ),
    )
