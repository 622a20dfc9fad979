"""Campaigns as code: dump and load round-trip every field; a bad file changes nothing."""

from __future__ import annotations

import datetime
import subprocess
from decimal import Decimal

import pytest
import yaml
from django.core.management import CommandError, call_command

from readerfund.campaigns.files import CampaignFileError, campaigns_dump, campaigns_load
from readerfund.campaigns.models import Campaign, Status, Variant
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.tests.processes import READERFUND, clean_environment

pytestmark = pytest.mark.django_db

EVERY_FIELD = """
version: 1
campaigns:
  - slug: full
    name: Every field set
    channel: ask
    status: draft
    priority: 7
    schedule: {starts: "2026-12-01T08:00:00Z", ends: "2027-01-01T00:00:00+00:00"}
    control_share: 10
    targeting:
      languages: [en, ru]
      countries: {include: [RU, BY], exclude: [UA]}
      sections: {include: [world], exclude: [culture]}
      tags: {include: [elections], exclude: [books]}
      page_types: [article, front]
      devices: [mobile, desktop]
      article_count: {min: 3, max: 20, days: 14}
      supporters: everyone
    frequency: {max_views: 4, per_days: 30, min_days_between: 2, dismiss_days: 9, snooze_days: 5}
    allocation: {optimise: true, floor_percent: 2.5, burn_in: 5000, every_minutes: 30, round: 2}
    variants:
      - key: a
        weight: 3
        heading: Heading A
        body: "Some **bold** copy with {articleCount}"
        highlight: Highlight A
        cta: {label: Give, url: "https://give.example/x"}
        secondary: {action: remind, label: Later}
        currency: EUR
        amounts: {EUR: {monthly: {choices: [300, 600], default: 600, min: 200}}}
        payment_marks: [bank, visa]
        ticker: true
      - key: b
        weight: 1
        heading: Heading B
"""


def test_every_field_survives_a_round_trip():
    # given a file that sets every field
    campaigns_load(text=EVERY_FIELD)
    first_dump = campaigns_dump()

    # when the dump is loaded into an empty database and dumped again
    Campaign.objects.all().delete()
    campaigns_load(text=first_dump)

    # then nothing changed, and the values are the ones in the file
    assert campaigns_dump() == first_dump
    campaign = Campaign.objects.get(slug="full")
    assert campaign.starts_at == datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC)
    assert campaign.countries_include == "RU, BY"
    assert campaign.article_count_max == 20
    assert campaign.snooze_days == 5
    variant = campaign.variants.get(key="a")
    assert variant.amounts["EUR"]["monthly"]["min"] == 200
    assert variant.secondary == "remind"
    assert variant.payment_marks == "bank, visa"
    original = yaml.safe_load(EVERY_FIELD)["campaigns"][0]
    dumped = yaml.safe_load(first_dump)["campaigns"][0]
    assert dumped["targeting"] == original["targeting"]
    assert dumped["frequency"] == original["frequency"]
    assert dumped["allocation"] == original["allocation"]
    assert (campaign.optimise, campaign.optimise_floor) == (True, Decimal("2.5"))
    assert dumped["variants"][0] == {**original["variants"][0]}


def test_the_demo_campaigns_load_and_round_trip():
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    dump = campaigns_dump()
    campaigns_load(text=dump)
    assert campaigns_dump() == dump
    assert Campaign.objects.filter(status=Status.LIVE).count() == 6


def test_loading_updates_by_slug_and_replaces_variants():
    campaigns_load(text=EVERY_FIELD)
    changed = EVERY_FIELD.replace("priority: 7", "priority: 8").replace(
        "      - key: b\n        weight: 1\n        heading: Heading B\n", ""
    )

    result = campaigns_load(text=changed)

    assert result.updated == ["full"] and result.created == []
    assert Campaign.objects.get(slug="full").priority == 8
    assert list(Variant.objects.values_list("key", flat=True)) == ["a"]


def test_archived_campaigns_are_not_dumped():
    campaigns_load(text=EVERY_FIELD.replace("status: draft", "status: archived"))
    assert yaml.safe_load(campaigns_dump())["campaigns"] == []


BROKEN = """
version: 1
campaigns:
  - slug: fine
    name: A valid campaign that must not be written either
    channel: banner
    variants: [{key: a}]
  - slug: broken
    name: Broken
    channel: popup
    priority: high
    targeting:
      countries: {include: [Russia]}
      colour: red
    variants:
      - key: a
        heading: "{goalRaised} of {goalTraget}"
        cta: {url: "javascript:alert(1)"}
        amounts: {USD: {monthly: {choices: [100], default: 500, min: 200}}}
      - key: a
"""


def test_a_file_with_errors_is_rejected_whole_naming_each_field():
    with pytest.raises(CampaignFileError) as raised:
        campaigns_load(text=BROKEN)

    errors = "\n".join(raised.value.errors)
    assert "campaigns[1] (broken).channel:" in errors
    assert "campaigns[1] (broken).priority:" in errors
    assert "campaigns[1] (broken).targeting.countries.include: “Russia” is not a valid" in errors
    assert "campaigns[1] (broken).targeting.colour: unknown field" in errors
    assert "campaigns[1] (broken).variants[0].cta.url:" in errors
    assert "campaigns[1] (broken).variants[0].amounts:" in errors
    assert "campaigns[1] (broken).variants[0].heading: Unknown placeholder {goalTraget}" in errors
    assert "campaigns[1] (broken).variants[1].key: appears twice" in errors
    assert not Campaign.objects.exists(), "nothing is half-loaded"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("campaigns: [", "not valid YAML"),
        ("- a list", "expected a mapping"),
        ("version: 2\ncampaigns: []", "version: expected 1"),
        ("version: 1\ncampaigns:\n  - {slug: x, name: x, channel: banner}", "at least one variant"),
        (
            "version: 1\ncampaigns:\n  - {name: x, channel: banner, variants: [{key: a}]}",
            ".slug: required",
        ),
    ],
)
def test_malformed_files_are_explained(text, message):
    with pytest.raises(CampaignFileError) as raised:
        campaigns_load(text=text)
    assert message in str(raised.value)


def test_load_command_reports_errors_and_changes_nothing(tmp_path):
    broken = tmp_path / "campaigns.yaml"
    broken.write_text(BROKEN)
    with pytest.raises(CommandError) as raised:
        call_command("campaigns", "load", str(broken))
    assert "nothing changed" in str(raised.value)
    assert "targeting.colour: unknown field" in str(raised.value)
    assert not Campaign.objects.exists()


def test_the_readerfund_command_dumps_and_loads(tmp_path):
    env = clean_environment(READERFUND_DATA_DIR=str(tmp_path))
    run = lambda *args: subprocess.run(  # noqa: E731
        [*READERFUND, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert run("manage", "migrate", "-v", "0").returncode == 0
    (tmp_path / "in.yaml").write_text(EVERY_FIELD)

    loaded = run("campaigns", "load", str(tmp_path / "in.yaml"))
    dumped = run("campaigns", "dump")

    assert loaded.returncode == 0, loaded.stderr
    assert "1 created" in loaded.stdout
    assert yaml.safe_load(dumped.stdout)["campaigns"][0]["slug"] == "full"
    rejected = run("campaigns", "load", "/nonexistent.yaml")
    assert rejected.returncode != 0 and "cannot read" in rejected.stderr
