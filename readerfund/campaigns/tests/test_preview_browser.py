"""Signed preview links in real Chromium: an editor sees any variant on any page, whatever its
targeting, with a panel that explains every campaign's decision; nothing is counted."""

from __future__ import annotations

import base64
import json
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Locator, Page, Request, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.campaigns.models import Campaign, Variant
from readerfund.campaigns.preview import MAX_AGE_SECONDS, preview_url
from readerfund.campaigns.tests.factories import campaign_create
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.events.models import EventCount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLES = newsroom_get(lang="en").articles
BANNER = "The Far Shore has no ads"
NOTICE = "The Far Shore is banned in Russia."
PASSWORD = "a-long-editor-password"


@pytest.fixture
def demo_campaigns() -> None:
    campaigns_load(text=DEMO_CAMPAIGNS.read_text(encoding="utf-8"))


def _wait_for_embed(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")


def _panel(page: Page) -> Locator:
    return page.get_by_role("complementary", name="readerfund preview")


def _row(panel: Locator, campaign: str) -> list[str]:
    """The cells of a campaign's row: id, channel, matched, failing rules, winner."""
    row = panel.locator(f'tr[data-campaign="{campaign}"]')
    expect(row).to_have_count(1)
    return [text.strip() for text in row.locator("th, td").all_inner_texts()]


def _variant(campaign: str, key: str = "control") -> Variant:
    return Variant.objects.get(campaign__slug=campaign, key=key)


def test_an_editor_previews_a_russia_only_notice_from_the_admin(
    live_server, page: Page, browser_log, demo_campaigns
):
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)
    notice = Campaign.objects.get(slug="banned-in-russia")
    article_url = live_server.url + ARTICLES[0].url

    # given an editor logged in to the admin, on the campaign's preview page
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{notice.pk}/preview/")
    page.locator("#id_username").fill("editor")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#id_variant")).to_be_visible()

    # when they open the preview of its variant on an article
    page.locator("#id_variant").select_option(label="banned-in-russia/control")
    page.locator("#id_page_url").fill(article_url)
    page.get_by_role("button", name="Open the preview").click()

    # then they land on the article, with the link kept for a reload
    page.wait_for_url(article_url + "#readerfund-preview=*")
    # and, although this browser is not in Russia, the notice shows (the banner as usual)
    expect(page.get_by_role("region", name=NOTICE)).to_be_visible()
    expect(page.get_by_role("region", name=BANNER)).to_be_visible()

    # and the panel says what is previewed and why each live campaign shows or not
    panel = _panel(page)
    expect(panel).to_be_visible()
    previewed = panel.locator(".previewed")
    expect(previewed).to_contain_text("banned-in-russia")
    expect(previewed).to_contain_text("control")
    expect(previewed).to_contain_text("header")
    expect(previewed).to_contain_text("fail: countries")  # its own rules, had it not been forced
    expect(panel).to_contain_text("desktop")
    expect(panel).to_contain_text("1 in the last 30 days")

    banner = _row(panel, "no-ads-banner")
    assert banner[1:4] == ["banner", "yes", "—"]
    assert banner[4] == "yes, variant control"
    notice_row = _row(panel, "banned-in-russia")
    assert notice_row[0] == "banned-in-russia (previewed)"
    assert notice_row[2] == "no" and "countries" in notice_row[3]
    notice_ru = _row(panel, "banned-in-russia-ru")
    assert notice_ru[2] == "no" and "languages" in notice_ru[3].split(", ")
    ask = _row(panel, "end-of-article-ask")
    assert ask[2:4] == ["no", "articleCount"]  # from the second article on

    # the details fold away, to see the page under the panel
    details = panel.get_by_role("button", name="Details")
    details.click()
    expect(details).to_have_attribute("aria-expanded", "false")
    expect(panel.get_by_role("table")).to_be_hidden()
    details.click()
    expect(panel.get_by_role("table")).to_be_visible()

    # the panel is keyboard reachable and closes
    close = panel.get_by_role("button", name="Close the preview panel")
    close.focus()
    page.keyboard.press("Enter")
    expect(panel).to_have_count(0)
    expect(page.get_by_role("region", name=NOTICE)).to_be_visible()

    # a reload keeps the preview: the editor may edit and look again
    page.reload()
    expect(page.get_by_role("region", name=NOTICE)).to_be_visible()
    expect(_panel(page)).to_be_visible()
    assert browser_log.errors == []


def test_a_draft_campaign_can_be_previewed_in_the_ask_slot(
    live_server, page: Page, browser_log, demo_campaigns
):
    campaign_create(slug="draft-ask", channel="ask", status="draft")
    url = preview_url(page_url=live_server.url + ARTICLES[0].url, variant=_variant("draft-ask"))

    # a first article: no live ask would show to this reader yet
    page.goto(url)
    _wait_for_embed(page)
    page.mouse.wheel(0, 20000)

    ask = page.locator('[data-readerfund-slot="ask"] .readerfund-ask')
    expect(ask.get_by_role("heading", name="draft-ask control heading")).to_be_visible()
    panel = _panel(page)
    expect(panel.locator(".previewed")).to_contain_text("draft-ask")
    expect(panel.locator(".previewed")).to_contain_text("ask")
    # a draft is not in the playbook: the table lists the live campaigns only
    expect(panel.locator('tr[data-campaign="draft-ask"]')).to_have_count(0)
    expect(panel.locator('tr[data-campaign="end-of-article-ask"]')).to_have_count(1)
    assert browser_log.errors == []


def test_nothing_is_counted_or_stored_in_preview_mode(live_server, page: Page, demo_campaigns):
    beacons: list[str] = []  # every request to the events endpoint, across navigations

    def on_request(request: Request) -> None:
        if "/api/events" in request.url:
            beacons.append(request.url)

    page.on("request", on_request)
    page.add_init_script(
        """window.__beacons = 0;
        const send = navigator.sendBeacon.bind(navigator);
        navigator.sendBeacon = (...args) => (window.__beacons += 1, send(...args));"""
    )
    url = preview_url(
        page_url=live_server.url + ARTICLES[0].url, variant=_variant("banned-in-russia")
    )
    page.goto(url)
    notice = page.get_by_role("region", name=NOTICE)
    banner = page.get_by_role("region", name=BANNER)
    expect(notice).to_be_visible()
    expect(banner).to_be_visible()
    expect(_panel(page)).to_be_visible()

    # when the editor dismisses the banner, waits past the batch timer and clicks the notice
    banner.get_by_role("button", name="Close").click()
    expect(banner).to_have_count(0)
    page.wait_for_timeout(2500)
    assert page.evaluate("() => window.__beacons") == 0
    # nothing was written on the device either: no view, no article count, no dismissal
    assert page.evaluate("() => localStorage.getItem('readerfund')") is None
    notice.get_by_role("link", name="Help us").click()
    page.wait_for_url("**/give/**")

    # then no event reached the server (the click is this test's own: the live server
    # outlives tests, so an earlier test's page may still deliver its last impressions)
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        assert not EventCount.objects.filter(campaign="banned-in-russia", type="click").exists()
        time.sleep(0.1)
    assert beacons == []

    # (the same clicks outside preview mode are counted: the check above can fail)
    page.goto(live_server.url + ARTICLES[1].url)
    page.get_by_role("region", name=BANNER).get_by_role("link", name="Support us").click()
    page.wait_for_url("**/give/**")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not EventCount.objects.exists():
        time.sleep(0.1)
    assert EventCount.objects.filter(campaign="no-ads-banner", type="click").exists()
    assert beacons


@pytest.mark.parametrize(
    ("spoiled", "message"),
    [("tampered", "this preview link is not valid"), ("expired", "this preview link has expired")],
)
def test_a_spoiled_link_shows_the_error_and_forces_nothing(
    live_server, page: Page, demo_campaigns, spoiled, message
):
    # an expired link was made with the clock set back past the link's lifetime
    made = time.time() - (MAX_AGE_SECONDS + 60 if spoiled == "expired" else 0)
    with mock.patch("django.core.signing.time.time", return_value=made):
        url = preview_url(
            page_url=live_server.url + ARTICLES[0].url, variant=_variant("banned-in-russia")
        )
    if spoiled == "tampered":  # another variant's claims under the original signature
        page_url, token = url.split("#readerfund-preview=")
        _payload, timestamp, signature = token.split(":")
        claims = json.dumps({"c": "end-of-article-ask", "v": "urgent"}, separators=(",", ":"))
        forged = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
        url = f"{page_url}#readerfund-preview={forged}:{timestamp}:{signature}"

    page.goto(url)

    panel = _panel(page)
    expect(panel.get_by_role("alert")).to_contain_text(message)
    expect(panel.get_by_role("alert")).to_contain_text("Nothing is forced")
    # the page shows what this reader would see anyway: the banner, not the notice
    expect(page.get_by_role("region", name=BANNER)).to_be_visible()
    expect(page.get_by_role("region", name=NOTICE)).to_have_count(0)
    # and the panel still explains the live campaigns
    assert _row(panel, "banned-in-russia")[2] == "no"
