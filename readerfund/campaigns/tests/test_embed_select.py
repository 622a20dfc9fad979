"""The embed's pure decisions (`window.readerfund.select` / `explain`), run in real Chromium.

Each test states a rule of docs/embed.md as a property and checks it over many generated
readers, campaigns and moments; the cases of one example go to the browser in one call.
"""

from __future__ import annotations

import base64
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page, Route, expect

from readerfund.campaigns.models import Campaign, Variant
from readerfund.campaigns.playbook import campaign_document, embed_bundle, embed_strings
from readerfund.campaigns.tests.factories import targeting_everyone

pytestmark = pytest.mark.browser

DAY = 86400
NOW = 1_795_000_000  # 2026-11-18, a Wednesday
CHANNELS = ("banner", "header", "ask")
EMPTY_PLAYBOOK = {
    "version": 3,
    "endpoints": {"events": "/api/events", "geo": "/api/geo", "preview": "/api/preview"},
    "needsCountry": False,
    "goal": None,
    "methods": {"*": ["visa", "mastercard", "bank"]},  # marks of the methods offered
    "strings": embed_strings(),  # the labels as the server compiles them
    "campaigns": [],
}
READER = {
    "country": "DE",
    "lang": "en",
    "section": "world",
    "tags": ["elections"],
    "pageType": "article",
    "device": "desktop",
    "supporter": False,
}
examples = settings(max_examples=50, deadline=None)

# Runs select for many [playbook, context, state, now] cases; per channel the winner as
# {"campaign": id, "variant": id or None, "control": bool}, or None.
SELECT_MANY = """(cases) => cases.map(([pb, ctx, st, now]) => {
  const picked = window.readerfund.select(pb, ctx, st, now);
  const out = {};
  for (const [channel, pick] of Object.entries(picked)) {
    out[channel] = pick && {
      campaign: pick.campaign.id,
      variant: pick.variant ? pick.variant.id : null,
      control: !!pick.control,
    };
  }
  return out;
})"""


def embed_script(playbook: dict[str, Any]) -> str:
    """What the server serves at /embed.js: the built embed with this playbook."""
    return embed_bundle(playbook).decode()


@pytest.fixture(scope="module")
def embed_page(browser: Browser) -> Iterator[Page]:
    """One blank page with the embed loaded, shared by the module (the functions are pure)."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=embed_script(EMPTY_PLAYBOOK))
    assert page.evaluate("window.readerfund.version") == 3
    assert errors == []
    yield page
    context.close()


def campaign(
    campaign_id: str = "c1",
    *,
    channel: str = "ask",
    priority: int = 0,
    control_share: int = 0,
    variants: list[dict[str, Any]] | None = None,
    **rules: Any,
) -> dict[str, Any]:
    """A campaign that matches everyone, as the server compiles it (an open bound is left out);
    keyword arguments override targeting/frequency rules."""
    targeting = targeting_everyone()
    frequency = {
        "perDays": 30,
        "minDaysBetween": 0,
        "dismissDays": 7,
        "snoozeDays": 30,
    }
    for name, value in rules.items():
        (targeting if name in targeting else frequency)[name] = value
    return {
        "id": campaign_id,
        "channel": channel,
        "priority": priority,
        "controlShare": control_share,
        "round": 0,
        "targeting": targeting,
        "frequency": frequency,
        "variants": variants or [{"id": "a", "weight": 1, "heading": "Support us"}],
    }


def playbook(*campaigns: dict[str, Any]) -> dict[str, Any]:
    """The campaigns listed as the server lists them: highest priority first (stable)."""
    ordered = sorted(campaigns, key=lambda c: -c["priority"])
    return {**EMPTY_PLAYBOOK, "campaigns": ordered}


def state(seed: str = "seed-1", **fields: Any) -> dict[str, Any]:
    """The device's history as the embed reads it (state.js): every part present."""
    empty: dict[str, Any] = {
        "views": [],
        "shown": {},
        "assigned": {},
        "dismissed": {},
        "snoozed": {},
    }
    return {"seed": seed, **empty, **fields}


def select_many(page: Page, cases: list[list[Any]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = page.evaluate(SELECT_MANY, cases)
    return results


def shown_ids(page: Page, cases: list[list[Any]], channel: str = "ask") -> list[str | None]:
    return [r[channel] and r[channel]["campaign"] for r in select_many(page, cases)]


def supporter_token(exp: int) -> str:
    return f"2.{exp}:signature-not-checked-on-the-device"


# (a) -------------------------------------------------------------------------------------
@examples
@given(
    dismiss_days=st.integers(1, 365),
    fractions=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=20),
)
def test_a_dismissed_message_stays_hidden_for_its_dismiss_days(embed_page, dismiss_days, fractions):
    # given a reader who dismissed the campaign at NOW (the embed stores the end of the period)
    pb = playbook(campaign(dismissDays=dismiss_days))
    reader = state(dismissed={"c1": NOW + dismiss_days * DAY})
    inside = [NOW + int(f * dismiss_days * DAY) for f in fractions]
    after = [NOW + dismiss_days * DAY + int(f * 30 * DAY) for f in fractions]

    # when the embed decides inside and after the hidden period
    seen = shown_ids(embed_page, [[pb, READER, reader, t] for t in inside + after])

    # then it shows only after the period
    assert seen == [None] * len(inside) + ["c1"] * len(after)


# (b) -------------------------------------------------------------------------------------
campaign_specs = st.lists(
    st.tuples(st.sampled_from(CHANNELS), st.integers(-3, 3), st.booleans()),
    min_size=1,
    max_size=12,
)


@examples
@given(specs=campaign_specs)
def test_priority_picks_exactly_one_winner_per_channel(embed_page, specs):
    # given campaigns on random channels and priorities, listed as the server lists them
    # (highest priority first); some fail their targeting
    campaigns = [
        campaign(
            f"c{i}",
            channel=channel,
            priority=priority,
            countries={"include": [] if matches else ["RU"], "exclude": []},
        )
        for i, (channel, priority, matches) in enumerate(specs)
    ]
    pb = playbook(*campaigns)

    # when the embed decides
    [picked] = select_many(embed_page, [[pb, READER, state(), NOW]])
    explained = embed_page.evaluate(
        "([pb, ctx, st, now]) => window.readerfund.explain(pb, ctx, st, now)",
        [pb, READER, state(), NOW],
    )

    # then per channel the winner is the first matching campaign of the highest priority
    matched = {f"c{i}": matches for i, (_, _, matches) in enumerate(specs)}
    assert [(e["id"], e["matched"]) for e in explained] == [
        (c["id"], matched[c["id"]]) for c in pb["campaigns"]
    ]
    for channel in CHANNELS:
        matching = [
            (-priority, i)
            for i, (ch, priority, matches) in enumerate(specs)
            if ch == channel and matches
        ]
        expected = f"c{min(matching)[1]}" if matching else None
        assert (picked[channel] and picked[channel]["campaign"]) == expected


# (c) -------------------------------------------------------------------------------------
# Each rule, with a value that leaves out the reader in READER.
EXCLUDING_RULES = {
    "countries": {"include": ["RU", "BY"], "exclude": []},
    "languages": ["ru"],
    "sections": {"include": ["culture"], "exclude": []},
    "tags": {"include": ["war", "sanctions"], "exclude": []},
    "pageTypes": ["front"],
    "devices": ["mobile", "tablet"],
}


@examples
@given(
    rules=st.lists(
        st.lists(st.sampled_from(sorted(EXCLUDING_RULES)), min_size=1, max_size=6, unique=True),
        min_size=1,
        max_size=6,
    ),
    channels=st.lists(st.sampled_from(CHANNELS), min_size=6, max_size=6),
    country_known=st.booleans(),
)
def test_a_reader_outside_every_include_list_sees_nothing(
    embed_page, rules, channels, country_known
):
    # given campaigns that each include only other countries, languages, sections, …
    campaigns = [
        campaign(f"c{i}", channel=channels[i], **{n: EXCLUDING_RULES[n] for n in names})  # type: ignore[arg-type]
        for i, names in enumerate(rules)
    ]
    reader = {**READER, "country": READER["country"] if country_known else None}

    # when the embed decides
    [picked] = select_many(embed_page, [[playbook(*campaigns), reader, state(), NOW]])

    # then no channel shows anything
    assert picked == {"banner": None, "header": None, "ask": None}


def test_a_country_include_list_needs_a_known_country(embed_page):
    pb = playbook(campaign(countries={"include": ["RU"], "exclude": []}))

    seen = shown_ids(
        embed_page,
        [
            [pb, {**READER, "country": None}, state(), NOW],
            [pb, {**READER, "country": "RU"}, state(), NOW],
        ],
    )

    assert seen == [None, "c1"]


def test_excluded_countries_sections_and_tags_hide_the_campaign(embed_page):
    cases = [
        campaign(countries={"include": [], "exclude": ["DE"]}),
        campaign(sections={"include": [], "exclude": ["world"]}),
        campaign(tags={"include": [], "exclude": ["elections"]}),
        campaign(languages=["en"], pageTypes=["article"], devices=["desktop"]),
        campaign(languages=["ru"]),
    ]

    seen = shown_ids(embed_page, [[playbook(c), READER, state(), NOW] for c in cases])

    assert seen == [None, None, None, "c1", None]


def test_a_language_rule_matches_regional_variants(embed_page):
    # the server compiles the codes in lower case (test_playbook); pages write tags as they like
    pb = playbook(campaign(languages=["en"]))
    regional = playbook(campaign(languages=["en-gb"]))

    seen = shown_ids(
        embed_page,
        [[pb, {**READER, "lang": lang}, state(), NOW] for lang in ("en-GB", "EN", "eng", "ru")]
        + [[regional, {**READER, "lang": lang}, state(), NOW] for lang in ("en-GB", "en")],
    )

    assert seen == ["c1", "c1", None, None, "c1", None]


def test_the_schedule_is_start_inclusive_and_end_exclusive(embed_page):
    start, end = 1_793_491_200, 1_796_083_200  # 2026-11-01 and 2026-12-01, 00:00 UTC
    pb = playbook({**campaign(), "start": start, "end": end})
    # an absent bound is open
    starts = playbook({**campaign(), "start": start})
    ends = playbook({**campaign(), "end": end})

    seen = shown_ids(
        embed_page,
        [[pb, READER, state(), t] for t in (start - 1, start, end - 1, end)]
        + [[starts, READER, state(), t] for t in (start - 1, start + 400 * DAY)]
        + [[ends, READER, state(), t] for t in (0, end)],
    )

    assert seen == [None, "c1", "c1", None, None, "c1", "c1", None]


# (d) -------------------------------------------------------------------------------------
SEEDS = [f"{random.Random(i).getrandbits(128):032x}" for i in range(2000)]


@pytest.mark.parametrize("weights", [(1, 1), (1, 3), (2, 1, 1)])
def test_variants_are_stable_per_seed_and_split_by_weight(embed_page, weights):
    # given a campaign whose variants have these weights
    variants = [{"id": f"v{i}", "weight": w, "heading": "h"} for i, w in enumerate(weights)]
    pb = playbook(campaign(variants=variants))
    cases = [[pb, READER, state(seed), NOW] for seed in SEEDS]

    # when 2000 devices decide, twice, the second time days later
    first = [r["ask"]["variant"] for r in select_many(embed_page, cases)]
    later = [
        r["ask"]["variant"]
        for r in select_many(embed_page, [[*c[:3], NOW + 9 * DAY] for c in cases])
    ]

    # then each device keeps its variant, and the split is within ±5 % of the weights
    assert first == later
    counts = Counter(first)
    for i, weight in enumerate(weights):
        assert abs(counts[f"v{i}"] / len(SEEDS) - weight / sum(weights)) < 0.05


def test_variant_buckets_of_two_campaigns_are_independent(embed_page):
    # given two 50/50 campaigns on different channels
    variants = [{"id": "x", "weight": 1}, {"id": "y", "weight": 1}]
    pb = playbook(
        campaign("first", channel="banner", variants=variants),
        campaign("second", channel="ask", variants=variants),
    )

    # when 2000 devices decide
    results = select_many(embed_page, [[pb, READER, state(seed), NOW] for seed in SEEDS])

    # then knowing a device's variant in one campaign tells nothing about the other
    pairs = Counter((r["banner"]["variant"], r["ask"]["variant"]) for r in results)
    for pair in [("x", "x"), ("x", "y"), ("y", "x"), ("y", "y")]:
        assert abs(pairs[pair] / len(SEEDS) - 0.25) < 0.04


def test_a_variant_of_weight_zero_never_shows(embed_page):
    # compiled by the server, which leaves it out
    compiled = campaign_document(
        Campaign(slug="c1", channel="ask"),
        [Variant(key="off", weight=0), Variant(key="on", weight=1)],
    )
    # a device that was shown it keeps it no longer
    devices = [state(seed, assigned={"c1": ["off", 0]}) for seed in SEEDS[:300]]

    results = select_many(embed_page, [[playbook(compiled), READER, d, NOW] for d in devices])

    assert {r["ask"]["variant"] for r in results} == {"on"}


def test_a_kept_variant_stays_until_a_new_round(embed_page):
    variants = [{"id": f"v{i}", "weight": 1} for i in range(4)]
    kept = {"c1": ["v3", 0]}
    this_round = playbook(campaign(variants=variants))
    next_round = playbook({**campaign(variants=variants), "round": 1})

    first = select_many(
        embed_page, [[this_round, READER, state(s, assigned=kept), NOW] for s in SEEDS[:200]]
    )
    later = select_many(
        embed_page, [[next_round, READER, state(s, assigned=kept), NOW] for s in SEEDS[:200]]
    )

    assert {r["ask"]["variant"] for r in first} == {"v3"}
    assert {r["ask"]["variant"] for r in later} == {"v0", "v1", "v2", "v3"}


# (e) -------------------------------------------------------------------------------------
@pytest.mark.parametrize("control_share", [10, 25, 50])
def test_the_control_share_is_held_out_and_sees_nothing_else(embed_page, control_share):
    # given a campaign with a control group, and a lower-priority one on the same channel
    pb = playbook(
        campaign(
            "main",
            priority=10,
            control_share=control_share,
            variants=[{"id": "a", "weight": 1}, {"id": "b", "weight": 1}],
        ),
        campaign("fallback", priority=1),
    )

    # when 2000 devices decide
    picks = [
        r["ask"] for r in select_many(embed_page, [[pb, READER, state(s), NOW] for s in SEEDS])
    ]

    # then about that share is held out, and the holdout sees neither campaign
    held_out = [p for p in picks if p["control"]]
    assert abs(len(held_out) / len(SEEDS) - control_share / 100) < 0.04
    assert {p["campaign"] for p in picks} == {"main"}
    assert all(p["variant"] is None for p in held_out)
    # and the variants still split evenly among the readers who see the campaign
    treated = Counter(p["variant"] for p in picks if not p["control"])
    assert abs(treated["a"] / treated.total() - 0.5) < 0.05


def test_a_control_decision_is_stable_per_seed(embed_page):
    pb = playbook(campaign(control_share=50))
    cases = [[pb, READER, state(seed), NOW] for seed in SEEDS[:200]]

    first = [r["ask"]["control"] for r in select_many(embed_page, cases)]
    again = [r["ask"]["control"] for r in select_many(embed_page, cases)]

    assert first == again
    assert 0 < sum(first) < len(first)


# (f) -------------------------------------------------------------------------------------
@examples
@given(
    snooze_days=st.integers(1, 120),
    fractions=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=20),
)
def test_remind_me_later_hides_the_ask_for_its_snooze_days(embed_page, snooze_days, fractions):
    # given a reader who chose "remind me later" at NOW
    pb = playbook(campaign(snoozeDays=snooze_days))
    reader = state(snoozed={"c1": NOW + snooze_days * DAY})
    inside = [NOW + int(f * snooze_days * DAY) for f in fractions]
    after = [NOW + snooze_days * DAY + int(f * 10 * DAY) for f in fractions]

    seen = shown_ids(embed_page, [[pb, READER, reader, t] for t in inside + after])

    assert seen == [None] * len(inside) + ["c1"] * len(after)


def test_a_snooze_hides_only_its_own_campaign(embed_page):
    pb = playbook(campaign("snoozed", priority=5), campaign("other", priority=1))
    reader = state(snoozed={"snoozed": NOW + DAY})

    assert shown_ids(embed_page, [[pb, READER, reader, NOW]]) == ["other"]


# (g) -------------------------------------------------------------------------------------
@examples
@given(
    days=st.integers(1, 60),
    recent=st.lists(st.integers(0, 59), max_size=15),
    older=st.lists(st.integers(0, 30), max_size=10),
    minimum=st.integers(0, 12),
)
def test_article_count_minimum_counts_views_within_its_days(
    embed_page, days, recent, older, minimum
):
    # given views on days inside the window (today counts) and before it
    today = NOW // DAY
    inside = [today - (offset % days) for offset in recent]
    outside = [today - days - offset for offset in older]
    reader = state(views=sorted(outside + inside))
    pb = playbook(campaign(articleCount={"min": minimum, "days": days}))

    [picked] = select_many(embed_page, [[pb, READER, reader, NOW]])

    # then the ask shows once the reader has read `minimum` articles in those days
    assert (picked["ask"] is not None) == (len(inside) >= minimum)


def test_the_article_count_window_is_the_last_days_days_including_today(embed_page):
    # given one view on each of the last 10 days (today included) and a 7-day window
    today = NOW // DAY
    reader = state(views=[today - back for back in range(9, -1, -1)])
    at_least = [playbook(campaign(articleCount={"min": n, "days": 7})) for n in (7, 8)]

    seen = shown_ids(embed_page, [[pb, READER, reader, NOW] for pb in at_least])

    # then exactly 7 views count
    assert seen == ["c1", None]


def test_article_count_maximum_and_the_third_view(embed_page):
    today = NOW // DAY
    pb_min = playbook(campaign(articleCount={"min": 3, "days": 7}))
    pb_max = playbook(campaign(articleCount={"min": 0, "max": 2, "days": 7}))
    two, three = [today - 1, today], [today - 1, today, today]

    seen = shown_ids(
        embed_page,
        [
            [pb_min, READER, state(views=two), NOW],
            [pb_min, READER, state(views=three), NOW],
            [pb_max, READER, state(views=two), NOW],
            [pb_max, READER, state(views=three), NOW],
        ],
    )

    assert seen == [None, "c1", "c1", None]


# (h) -------------------------------------------------------------------------------------
@examples
@given(
    max_views=st.integers(1, 8),
    per_days=st.integers(1, 60),
    recent=st.lists(st.floats(0, 1, exclude_max=True), max_size=12),
    older=st.lists(st.integers(1, 200), max_size=6),
)
def test_max_views_per_days_caps_renders(embed_page, max_views, per_days, recent, older):
    # given renders inside the last per_days days and before them
    inside = [NOW - int(f * per_days * DAY) for f in recent]
    outside = [NOW - per_days * DAY - offset for offset in older]
    reader = state(shown={"c1": sorted(outside + inside)})
    pb = playbook(campaign(maxViews=max_views, perDays=per_days))

    [picked] = select_many(embed_page, [[pb, READER, reader, NOW]])

    # then the ask shows while it has been rendered fewer than max_views times in the window
    assert (picked["ask"] is not None) == (len(inside) < max_views)


def test_min_days_between_views(embed_page):
    pb = playbook(campaign(minDaysBetween=3))
    reader = state(shown={"c1": [NOW - 10 * DAY, NOW]})

    seen = shown_ids(embed_page, [[pb, READER, reader, NOW + d] for d in (0, 3 * DAY - 1, 3 * DAY)])

    assert seen == [None, None, "c1"]


# (i) -------------------------------------------------------------------------------------
@examples
@given(expires_in=st.integers(-400 * DAY, 400 * DAY).filter(lambda s: s != 0))
def test_supporters_are_hidden_from_asks_for_non_supporters(embed_page, expires_in):
    # given a reader whose supporter token expires (or expired) `expires_in` seconds from NOW,
    # and whose context leaves supporter status to the stored token
    pb = playbook(
        campaign("for-non-supporters", channel="ask", supporters=[False]),
        campaign("for-supporters", channel="banner", supporters=[True]),
        campaign("for-everyone", channel="header", supporters=[]),
    )
    # and a page view that takes its supporter status from the token (as state.js does)
    token = supporter_token(NOW + expires_in)
    valid = embed_page.evaluate(
        "([token, now]) => window.readerfund.isSupporter(token, now)", [token, NOW]
    )
    context = {**READER, "supporter": valid}

    [picked] = select_many(embed_page, [[pb, context, state(), NOW]])

    # then a valid token hides the asks for non-supporters; an expired one is no supporter
    supporter = expires_in > 0
    assert valid is supporter
    assert (picked["ask"] is None) is supporter
    assert (picked["banner"] is not None) is supporter
    assert picked["header"] is not None


@pytest.mark.parametrize(("expires_in", "supporter"), [(-1, False), (0, False), (1, True)])
def test_a_token_is_valid_until_its_expiry_second(embed_page, expires_in, supporter):
    assert (
        embed_page.evaluate(
            "([token, now]) => window.readerfund.isSupporter(token, now)",
            [supporter_token(NOW + expires_in), NOW],
        )
        is supporter
    )


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        supporter_token(NOW + DAY).split(":")[0],  # no signature
        supporter_token(NOW + DAY).split(":")[0] + ":",  # an empty one
        "3.9999999999:sig",  # another version
        "2.:sig",  # no expiry
        "2.-9999999999:sig",
        "x2.9999999999:sig",
        # version 1's base64url JSON is no longer read
        base64.urlsafe_b64encode(b'{"v": 1, "exp": 9999999999}').decode() + ":sig",
        "%%%:sig",
    ],
)
def test_malformed_tokens_are_no_supporter(embed_page, token):
    assert (
        embed_page.evaluate(
            "([token, now]) => window.readerfund.isSupporter(token, now)", [token, NOW]
        )
        is False
    )


# explain -----------------------------------------------------------------------------------
def test_explain_names_every_failing_rule(embed_page):
    pb = playbook(
        campaign("fine"),
        campaign(
            "picky",
            countries={"include": ["RU"], "exclude": []},
            devices=["mobile"],
            maxViews=1,
        ),
    )
    reader = state(shown={"picky": [NOW - DAY]}, dismissed={"picky": NOW + DAY})

    explained = embed_page.evaluate(
        "([pb, ctx, st, now]) => window.readerfund.explain(pb, ctx, st, now)",
        [pb, READER, reader, NOW],
    )

    assert [(e["id"], e["channel"], e["matched"]) for e in explained] == [
        ("fine", "ask", True),
        ("picky", "ask", False),
    ]
    assert explained[0]["reasons"] == []
    assert explained[1]["reasons"] == ["countries", "devices", "maxViews", "dismissed"]


# rendering: the labels come from the playbook ------------------------------------------------
ASK = {
    "id": "a",
    "weight": 1,
    "heading": "Support us",
    "body": ["<p>Copy</p>"],
    "highlight": "",
    "cta": {"label": "Give", "url": "https://support.example.org/give/"},
    "secondary": {"act": "snooze", "label": "Later"},
    "currency": "USD",
    "amounts": {
        "one_off": {"choices": [500, 1000], "default": 1000},
        "monthly": {"choices": [200, 500], "default": 500},
        "annual": {"choices": [5000], "default": 5000},
    },
    "frequency": "monthly",
    "paymentMarks": ["visa", "bank"],
    "ticker": False,
    "tickerLine": False,
}


RUSSIAN = {
    "often": "Как часто",
    "frequencies": ["Разово", "Ежемесячно", "Ежегодно"],
    "amount": "Сумма",
    "give": "Помогать ежемесячно: 5",
    "methods": "Способы оплаты",
    "marks": ["Visa", "Банковский перевод"],
    "later": "Мы напомним позже.",
}
ENGLISH = {
    "often": "How often",
    "frequencies": ["Once", "Monthly", "Yearly"],
    "amount": "Amount",
    "give": "Give $5 a month",
    "methods": "Payment methods",
    "marks": ["Visa", "Bank transfer"],
    "later": "We'll ask again later.",
}


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("ru-RU", RUSSIAN),
        ("RU", RUSSIAN),
        ("en", ENGLISH),
        ("en-GB", {**ENGLISH, "give": "Give US$5 a month"}),  # the amount as en-GB writes it
        ("de", {**ENGLISH, "give": "Give"}),  # no German labels: English
    ],
)
def test_an_ask_speaks_the_pages_language_else_english(browser, lang, labels):
    # given an ask on a page in this language, on another origin than the embed's server
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    article = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="readerfund:page-type" content="article"></head>
<body><p>An article.</p><div data-readerfund-slot="ask"></div></body></html>"""

    def serve(route: Route) -> None:
        if route.request.url.endswith("/article"):
            route.fulfill(body=article, content_type="text/html")
        else:
            route.fulfill(status=204)  # the events

    page.route("https://news.example.org/**", serve)
    page.goto("https://news.example.org/article")
    pb = {**EMPTY_PLAYBOOK, "campaigns": [campaign(variants=[ASK])]}
    page.add_script_tag(content=embed_script(pb))

    # then its labels are in that language (from the playbook's strings), else in English
    ask = page.locator(".readerfund-ask")
    often = ask.get_by_role("group", name=labels["often"])
    expect(often.get_by_role("button")).to_have_text(labels["frequencies"])
    expect(often.get_by_role("button", pressed=True)).to_have_text(labels["frequencies"][1])
    expect(ask.get_by_role("group", name=labels["amount"]).get_by_role("button")).to_have_count(2)
    expect(ask.get_by_role("link")).to_contain_text(labels["give"])
    marks = ask.get_by_role("list", name=labels["methods"]).get_by_role("listitem")
    expect(marks).to_have_text(labels["marks"])
    ask.get_by_role("button", name="Later").click()
    expect(ask.get_by_role("status")).to_have_text(labels["later"])
    assert errors == []
    context.close()
