"""The playbook: live campaigns only, rebuilt when an editor saves, served without queries."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from readerfund.campaigns.models import Campaign, Status
from readerfund.campaigns.playbook import playbook_current, playbook_forget
from readerfund.campaigns.tests.factories import campaign_create

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
    assert "<script" not in variant["bodyHtml"]  # shown as text, escaped
    assert "href" not in variant["bodyHtml"]  # the javascript: link is not a link


def test_needs_country_only_when_a_campaign_targets_countries(client):
    campaign_create(slug="anywhere")
    assert json.loads(client.get("/api/playbook.json").content)["needsCountry"] is False
    Campaign.objects.filter(slug="anywhere").update(countries_include="RU")
    Campaign.objects.get(slug="anywhere").save()
    assert json.loads(client.get("/api/playbook.json").content)["needsCountry"] is True
