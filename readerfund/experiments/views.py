"""The editors' pages: the month's overview and a page per campaign, each table also as CSV.

Staff only, inside the admin (its look, its login). Views read through `selectors`,
the charts draw from the same rows as the tables (`tables.py`)."""

from __future__ import annotations

from django.contrib.admin import site
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from readerfund.campaigns.models import Campaign
from readerfund.core.csv_export import csv_response
from readerfund.experiments.selectors import campaign_report, month_overview
from readerfund.experiments.tables import Table, campaign_tables, overview_tables


def _page(
    request: HttpRequest, template: str, tables: list[Table], **context: object
) -> HttpResponseBase:
    wanted = request.GET.get("csv")
    if wanted is not None:
        table = next((t for t in tables if t.name == wanted), None)
        if table is None:
            raise Http404("no such table")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return csv_response(
            filename=f"{context.get('prefix', 'insights')}-{table.name}-{stamp}.csv",
            header=table.header,
            rows=table.rows,
        )
    return render(
        request,
        template,
        {**site.each_context(request), "tables": {t.name: t for t in tables}, **context},
    )


@staff_member_required
def overview(request: HttpRequest) -> HttpResponseBase:
    data = month_overview()
    return _page(
        request,
        "experiments/overview.html",
        overview_tables(data),
        overview=data,
        title=data.month.strftime("%Y-%m"),
        campaigns=Campaign.objects.order_by("-status", "slug"),
        prefix="overview",
    )


@staff_member_required
def campaign(request: HttpRequest, slug: str) -> HttpResponseBase:
    found = get_object_or_404(Campaign, slug=slug)
    report = campaign_report(campaign=found)
    return _page(
        request,
        "experiments/campaign.html",
        campaign_tables(report),
        report=report,
        campaign=found,
        title=found.name,
        prefix=found.slug,
    )
