"""Every table of the editors' pages, with the chart drawn from it: one list of rows feeds
the HTML table, the chart and the CSV download, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from readerfund.core.money import minor_to_major
from readerfund.experiments.analysis import HOLDOUT
from readerfund.experiments.selectors import CampaignReport, Overview


@dataclass(frozen=True)
class Table:
    name: str  # also the CSV's ?csv= name
    title: str
    header: list[str]
    rows: list[list[str]]
    chart: dict[str, Any] | None = None  # {"kind": "line"|"bars", "x": [...], "series": [...]}


def _money(amount: float, currency: str) -> str:
    return f"{minor_to_major(round(amount), currency):.2f}"


def _major(amount: float, currency: str) -> float:
    return float(minor_to_major(round(amount), currency))


def _percent(share: float) -> str:
    return f"{share * 100:.2f}"


def _variant_name(key: str) -> str:
    return _("control (nothing shown)") if key == HOLDOUT else key


def overview_tables(o: Overview) -> list[Table]:
    cur = o.currency
    days = [d.isoformat() for d in o.days]
    target = [_major(o.target, cur)] * len(days) if o.target else None
    progress_series = [
        {"label": _("Received this month"), "values": [_major(v, cur) for v in o.cumulative]}
    ]
    if target:
        progress_series.append({"label": _("Monthly goal"), "values": target})
    return [
        Table(
            "summary",
            _("This month"),
            [_("Figure"), _("Value")],
            [
                [_("New supporters"), str(o.new_supporters)],
                [_("Active plans"), str(o.active_plans)],
                [
                    _("Their monthly value (%(currency)s)") % {"currency": cur},
                    _money(o.active_monthly_value, cur),
                ],
                [_("Cancellations"), str(o.cancellations)],
                [
                    _("Received this month (%(currency)s)") % {"currency": cur},
                    _money(o.cumulative[-1] if o.cumulative else 0, cur),
                ],
            ],
        ),
        Table(
            "progress",
            _("The goal's progress by day"),
            [
                _("Day"),
                _("Received that day (%(currency)s)") % {"currency": cur},
                _("Received so far (%(currency)s)") % {"currency": cur},
            ],
            [
                [d, _money(v, cur), _money(c, cur)]
                for d, v, c in zip(days, o.money_by_day, o.cumulative, strict=True)
            ],
            chart={"kind": "line", "x": days, "series": progress_series},
        ),
        Table(
            "channels",
            _("Money by channel"),
            [_("Channel"), _("Money (%(currency)s)") % {"currency": cur}],
            [[k, _money(v, cur)] for k, v in o.money_by_channel.items()],
            chart={
                "kind": "bars",
                "x": list(o.money_by_channel),
                "series": [
                    {
                        "label": _("Money"),
                        "values": [_major(v, cur) for v in o.money_by_channel.values()],
                    }
                ],
            },
        ),
        Table(
            "campaigns",
            _("Money by campaign"),
            [_("Campaign"), _("Money (%(currency)s)") % {"currency": cur}],
            [[k, _money(v, cur)] for k, v in o.money_by_campaign.items()],
            chart={
                "kind": "bars",
                "x": list(o.money_by_campaign),
                "series": [
                    {
                        "label": _("Money"),
                        "values": [_major(v, cur) for v in o.money_by_campaign.values()],
                    }
                ],
            },
        ),
    ]


def campaign_tables(r: CampaignReport) -> list[Table]:
    cur = r.currency
    funnel = Table(
        "funnel",
        _("Funnel per variant"),
        [
            _("Variant"),
            _("Impressions"),
            _("Clicks"),
            _("Checkouts started"),
            _("Gifts"),
            _("New monthly plans"),
            _("New annual plans"),
            _("Money (%(currency)s)") % {"currency": cur},
            _("Annualised value (%(currency)s)") % {"currency": cur},
        ],
        [
            [
                _variant_name(f.variant),
                str(f.impressions),
                str(f.clicks),
                str(f.checkouts),
                str(f.gifts),
                str(f.new_monthly),
                str(f.new_annual),
                _money(f.money, cur),
                _money(f.value, cur),
            ]
            for f in r.funnel
        ],
        chart={
            "kind": "bars",
            "x": [_("Impressions"), _("Clicks"), _("Checkouts started"), _("Gifts")],
            "log": True,
            "series": [
                {
                    "label": _variant_name(f.variant),
                    "values": [f.impressions, f.clicks, f.checkouts, f.gifts],
                }
                for f in r.funnel
            ],
        },
    )
    stats = Table(
        "value",
        _("Value per 1,000 views, with 95 % intervals"),
        [
            _("Variant"),
            _("Impressions"),
            _("Gifts"),
            _("Value per 1,000 views (%(currency)s)") % {"currency": cur},
            _("Low"),
            _("High"),
            _("Conversion (%)"),
            _("Low"),
            _("High"),
            _("Difference to the reference (%)"),
            _("Low"),
            _("High"),
        ],
        [
            [
                _variant_name(s.name),
                str(s.impressions),
                str(s.conversions),
                _money(s.value_per_1000.estimate, cur),
                _money(s.value_per_1000.low, cur),
                _money(s.value_per_1000.high, cur),
                _percent(s.conversion_rate.estimate),
                _percent(s.conversion_rate.low),
                _percent(s.conversion_rate.high),
                *(
                    [
                        _percent(s.relative_lift.estimate),
                        _percent(s.relative_lift.low),
                        _percent(s.relative_lift.high),
                    ]
                    if s.relative_lift
                    else ["", "", ""]
                ),
            ]
            for s in r.statistics
        ],
        chart={
            "kind": "bars",
            "x": [_variant_name(s.name) for s in r.statistics],
            "series": [
                {
                    "label": _("Value per 1,000 views"),
                    "values": [_major(s.value_per_1000.estimate, cur) for s in r.statistics],
                },
                {
                    "label": _("Low"),
                    "values": [_major(s.value_per_1000.low, cur) for s in r.statistics],
                },
                {
                    "label": _("High"),
                    "values": [_major(s.value_per_1000.high, cur) for s in r.statistics],
                },
            ],
        },
    )
    keys = sorted({k for u in r.weights_history for k in u.weights})
    weights = Table(
        "weights",
        _("Allocation weights over time"),
        [_("Updated (UTC)"), *keys],
        [
            [
                u.computed_at.strftime("%Y-%m-%d %H:%M"),
                *[_percent(float(u.weights.get(k, 0))) for k in keys],
            ]
            for u in r.weights_history
        ],
        chart={
            "kind": "line",
            "x": [u.computed_at.strftime("%Y-%m-%d %H:%M") for u in r.weights_history],
            "series": [
                {
                    "label": k,
                    "values": [float(u.weights.get(k, 0)) * 100 for u in r.weights_history],
                }
                for k in keys
            ],
        }
        if r.weights_history
        else None,
    )
    flags = Table(
        "flags",
        _("Implausible counts"),
        [_("Day"), _("Variant"), _("What"), _("Seen"), _("Usual")],
        [
            [
                f.day.isoformat(),
                _variant_name(f.variant),
                _("impressions") if f.what == "impressions" else _("click-through"),
                f"{f.seen:.0f}" if f.what == "impressions" else _percent(f.seen) + " %",
                f"{f.usual:.0f}" if f.what == "impressions" else _percent(f.usual) + " %",
            ]
            for f in r.flags
        ],
    )
    days = sorted({row["day"] for row in r.daily})
    variants = sorted({row["variant"] for row in r.daily}, key=lambda v: (v != HOLDOUT, v))
    per = {(row["day"], row["variant"]): row for row in r.daily}
    daily = Table(
        "daily",
        _("Impressions by day"),
        [_("Day"), *[_variant_name(v) for v in variants]],
        [
            [d.isoformat(), *[str(per.get((d, v), {}).get("impressions", 0)) for v in variants]]
            for d in days
        ],
        chart={
            "kind": "line",
            "x": [d.isoformat() for d in days],
            "series": [
                {
                    "label": _variant_name(v),
                    "values": [per.get((d, v), {}).get("impressions", 0) for d in days],
                }
                for v in variants
            ],
        },
    )
    return [funnel, stats, weights, daily, flags]
