"""The playbook: live campaigns only, rebuilt when an editor saves, served without queries."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from readerfund.campaigns.lists import PAYMENT_MARKS
from readerfund.campaigns.models import Campaign, PlaybookBuild, Status, Variant
from readerfund.campaigns.playbook import (
    PLAYBOOK_VERSION,
    playbook_current,
    playbook_forget,
    playbook_rebuild,
)
from readerfund.campaigns.tests.factories import campaign_create
from readerfund.payments.models import Frequency

pytestmark = pytest.mark.django_db(transaction=True)


def _ids(client) -> list[str]:
    return [c["id"] for c in json.loads(client.get("/api/playbook.json").content)["campaigns"]]


def test_only_live_campaigns_that_have_not_ended_are_compiled(client):
    campaign_create(slug="live-one", priority=1)
    campaign_create(slug="draft-one", status=Status.DRAFT)
    campaign_create(slug="archived-one", status=Status.ARCHIVED)
    campaign_create(slug="ended-one", ends_at=timezone.now() - datetime.timedelta(hours=1))
    campaign_create(
        slug="later-one", priority=5, starts_at=timezone.now() + datetime.timedelta(days=1)
    )

    # future campaigns ship too: the embed applies the schedule on the device
    assert _ids(client) == ["later-one", "live-one"]


def test_an_editor_saving_in_the_admin_rebuilds_the_embed(client):
    campaign = campaign_create(slug="banner")
    before = client.get("/embed.js")
    editor = get_user_model().objects.create_superuser("ed", "ed@example.org", "pw")
    client.force_login(editor)
    variant = campaign.variants.get()

    response = client.post(
        f"/admin/campaigns/campaign/{campaign.pk}/change/",
        {
            **{f: getattr(campaign, f) or "" for f in ("name", "slug", "channel", "status")},
            "priority": "3", "control_share": "0", "article_count_min": "0",
            "article_count_days": "30", "supporters": "non-supporters", "max_views_days": "30",
            "min_days_between": "0", "dismiss_days": "30", "snooze_days": "7",
            "optimise_floor": "1.0", "optimise_burn_in": "1000", "optimise_every_minutes": "60",
            "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "1",
            "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
            "variants-0-id": str(variant.pk), "variants-0-campaign": str(campaign.pk),
            "variants-0-key": "control", "variants-0-weight": "1",
            "variants-0-heading": "Fresh copy from the editor", "variants-0-cta_label": "Give",
            "variants-0-cta_url": "/give/", "variants-0-secondary": "dismiss",
            "variants-0-currency": "USD", "variants-0-amounts": "{}",
        },
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    after = client.get("/embed.js")
    assert b"Fresh copy from the editor" in after.content
    assert after["ETag"] != before["ETag"]


def test_serving_the_embed_and_the_playbook_runs_no_database_query(
    client, django_assert_num_queries
):
    campaign_create(slug="banner")
    client.get("/embed.js")  # warm this process's cache, as the first reader does

    with django_assert_num_queries(0):
        assert client.get("/embed.js").status_code == 200
        assert client.get("/api/playbook.json").status_code == 200


def test_the_embed_is_cacheable_and_revalidates_with_304(client):
    campaign_create(slug="banner")
    first = client.get("/embed.js")

    again = client.get("/embed.js", headers={"If-None-Match": first["ETag"]})

    assert "max-age=60" in first["Cache-Control"] and "public" in first["Cache-Control"]
    assert first["Content-Type"].startswith("text/javascript")
    assert again.status_code == 304 and again.content == b""
    assert "Set-Cookie" not in first and "Set-Cookie" not in again


def test_another_server_picks_up_a_change_from_the_stored_build(client):
    # given a playbook built (and stored) by another app server
    campaign_create(slug="banner")
    built = playbook_current()
    playbook_forget()  # this process has never seen it

    # then this process serves the stored build
    assert playbook_current().etag == built.etag


def test_copy_is_sanitized_when_compiled(client):
    campaign_create(
        slug="hostile",
        variant_fields={"body": "<script>alert(1)</script> [x](javascript:alert(1))"},
    )
    variant = json.loads(client.get("/api/playbook.json").content)["campaigns"][0]["variants"][0]
    assert "<script" not in "".join(variant["body"])  # shown as text, escaped
    assert "href" not in "".join(variant["body"])  # the javascript: link is not a link


def test_needs_country_only_when_a_campaign_targets_countries(client):
    campaign_create(slug="anywhere")
    assert json.loads(client.get("/api/playbook.json").content)["needsCountry"] is False
    Campaign.objects.filter(slug="anywhere").update(countries_include="RU")
    Campaign.objects.get(slug="anywhere").save()
    assert json.loads(client.get("/api/playbook.json").content)["needsCountry"] is True


def test_the_rules_are_compiled_as_the_embed_compares_them(client):
    # given a scheduled campaign whose lists an editor typed in mixed case, without caps,
    # with a variant weighted 0
    campaign_create(
        slug="ask",
        channel="ask",
        variants=("shown", "paused"),
        starts_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        countries_include="ru, By",
        countries_exclude="de",
        languages="en-GB, RU",
        article_count_min=2,
        article_count_max=None,
        max_views=None,
    )
    Variant.objects.filter(key="paused").update(weight=0)
    playbook_rebuild()

    [campaign] = _playbook(client)["campaigns"]

    # then the schedule is in unix seconds and an open bound is left out
    assert campaign["start"] == 1_793_491_200 and "end" not in campaign
    assert "max" not in campaign["targeting"]["articleCount"]
    assert "maxViews" not in campaign["frequency"]
    # countries as /api/geo names them, languages as the embed lower-cases the page's
    assert campaign["targeting"]["countries"] == {"include": ["RU", "BY"], "exclude": ["DE"]}
    assert campaign["targeting"]["languages"] == ["en-gb", "ru"]
    # the supporter rule as the statuses it shows to: non-supporters (the default)
    assert campaign["targeting"]["supporters"] == [False]
    # a variant of weight 0 reaches nobody: it is not sent
    assert [variant["id"] for variant in campaign["variants"]] == ["shown"]


def test_campaigns_come_highest_priority_first_and_each_has_a_variant(client):
    # the embed shows the first match of each channel (docs/embed.md)
    campaign_create(slug="b-low", priority=1)
    campaign_create(slug="c-high", priority=9, ends_at=timezone.now() + datetime.timedelta(days=1))
    campaign_create(slug="a-low", priority=1)
    campaign_create(slug="z-paused", priority=20)
    Variant.objects.filter(campaign__slug="z-paused").update(weight=0)
    playbook_rebuild()

    campaigns = _playbook(client)["campaigns"]

    assert [c["id"] for c in campaigns] == ["c-high", "a-low", "b-low"]
    assert isinstance(campaigns[0]["end"], int)


def _playbook(client) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(client.get("/api/playbook.json").content)
    return document


def test_the_playbook_carries_the_embeds_labels_in_every_language(client):
    strings = _playbook(client)["strings"]

    # every language readerfund speaks, translated by the catalogue
    assert set(strings) == {code for code, _name in settings.LANGUAGES}
    assert strings["en"]["close"] == "Close"
    assert strings["ru"]["close"] == "Закрыть"
    assert strings["ru"]["later"] == "Мы напомним позже."
    assert strings["ru"]["freq"] == {
        "one_off": "Разово",
        "monthly": "Ежемесячно",
        "annual": "Ежегодно",
    }
    for labels in strings.values():
        # the embed fills these placeholders
        assert all("{amount}" in text for text in labels["give"].values())
        assert "{goalRaised}" in labels["goal"] and "{goalTarget}" in labels["goal"]
        assert set(labels["freq"]) == set(labels["give"]) == set(Frequency.values)
        # a label for every payment mark an editor may choose
        assert set(labels["marks"]) == PAYMENT_MARKS
    assert strings["ru"]["marks"]["bank"] == "Банковский перевод"
    assert strings["ru"]["marks"]["visa"] == strings["en"]["marks"]["visa"] == "Visa"


def test_an_ask_carries_its_amounts_compiled_for_its_currency(client):
    offered = {
        "USD": {
            "annual": {"choices": [5000, 10000], "default": 10000, "min": 2000},
            "one_off": {"choices": [500, 1000], "default": 1000, "min": 100},
        },
        "EUR": {"monthly": {"choices": [300], "default": 300, "min": 200}},
    }
    campaign_create(
        slug="ask",
        channel="ask",
        variant_fields={"currency": "USD", "amounts": offered, "secondary": "none"},
    )

    variant = _playbook(client)["campaigns"][0]["variants"][0]

    # in the order the ask shows them; no monthly in USD: the first frequency is preselected
    assert variant["amounts"] == {
        "one_off": {"choices": [500, 1000], "default": 1000},
        "annual": {"choices": [5000, 10000], "default": 10000},
    }
    assert variant["currency"] == "USD" and variant["frequency"] == "one_off"
    assert variant["secondary"] is None  # no secondary action


@pytest.mark.parametrize(
    ("copy", "line"),
    [
        ({"body": "Our costs."}, True),
        ({"body": "Our costs.\n\nWe have {goalRaised}."}, False),
        ({"heading": "{goalPercent}% there"}, False),
        ({"highlight": "Only {goalGap} to go"}, False),
    ],
)
def test_the_ticker_writes_its_figure_only_where_the_copy_does_not(client, copy, line):
    campaign_create(slug="ask", channel="ask", variant_fields={"ticker": True, **copy})

    variant = _playbook(client)["campaigns"][0]["variants"][0]

    # the figure is written once per message: the ticker keeps its bar, its line only if
    # the copy has none
    assert variant["ticker"] is True and variant["tickerLine"] is line


def test_a_variant_carries_its_copy_in_blocks_and_its_secondary_act(client):
    campaign_create(
        slug="ask",
        channel="ask",
        variant_fields={"body": "One {goalGap}.\n\n- two\n- three", "secondary": "remind"},
    )

    variant = _playbook(client)["campaigns"][0]["variants"][0]

    # each top-level block apart, so that the embed can leave one out
    assert variant["body"] == ["<p>One {goalGap}.</p>", "<ul>\n<li>two</li>\n<li>three</li>\n</ul>"]
    # what the embed records: "remind me later" snoozes
    assert variant["secondary"]["act"] == "snooze"
    assert variant["tickerLine"] is False  # no ticker


def test_a_build_stored_by_a_release_with_another_format_is_rebuilt(client):
    # given a build in the format of version 1 (as an older release left it)
    campaign_create(slug="banner")
    PlaybookBuild.objects.filter(pk=1).update(document_json='{"version": 1, "campaigns": []}')
    playbook_forget()

    playbook = playbook_current()

    # then this release compiles the campaigns again, and stores that build

    assert playbook.document["version"] == PLAYBOOK_VERSION
    assert [c["id"] for c in playbook.document["campaigns"]] == ["banner"]
    assert json.loads(PlaybookBuild.objects.get().document_json)["version"] == PLAYBOOK_VERSION


def test_a_build_from_last_month_is_rebuilt_on_first_read(client):
    # given a build stored last month (the goal it carries is last month's) and no worker
    campaign_create(slug="banner")
    last_month = timezone.now().replace(day=1) - datetime.timedelta(days=1)
    PlaybookBuild.objects.filter(pk=1).update(built_at=last_month)
    playbook_forget()

    playbook_current()

    # then the first read this month compiles it again
    assert f"{PlaybookBuild.objects.get().built_at:%Y-%m}" == f"{timezone.now():%Y-%m}"


def test_the_ask_lists_frequencies_once_monthly_yearly(client):
    campaign_create(
        slug="ask",
        channel="ask",
        variant_fields={"amounts": {"USD": {
            "annual": {"choices": [2400], "default": 2400, "min": 2000},
            "monthly": {"choices": [200], "default": 200, "min": 200},
            "one_off": {"choices": [500], "default": 500, "min": 100},
        }}},
    )  # fmt: skip
    playbook_forget()  # as another app server reads the stored build

    variant = playbook_current().document["campaigns"][0]["variants"][0]
    assert list(variant["amounts"]) == ["one_off", "monthly", "annual"]
