"""Messages that never get in the way: where the banner and the notice go, how much of the
screen they take, layout shift, the keyboard and reduced motion — on the demo, phone and
desktop, English and Russian, and on a host page of a second origin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.tests.host_page import host_page_serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
DEVICES = {"phone": (PHONE, 0.15), "desktop": (DESKTOP, 0.20)}
NEWSROOM = {lang: newsroom_get(lang=lang) for lang in ("en", "ru")}

SHIFT = """window.__shift = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries())
  if (!e.hadRecentInput) window.__shift += e.value; })
  .observe({type: "layout-shift", buffered: true});"""
FORGET_SHOWN = """() => { const s = JSON.parse(localStorage.readerfund);
  s.shown = {}; localStorage.readerfund = JSON.stringify(s); }"""
# Until any animation of the panel has ended (none today; mid-way it would seem smaller).
SETTLED = """() => Promise.all([...document.querySelectorAll('.readerfund-host')]
  .flatMap((host) => host.getAnimations()).map((animation) => animation.finished))"""
# The part of the viewport that pinned readerfund messages cover, in pixels of height.
PINNED = """() => [...document.querySelectorAll('.readerfund-host')]
  .filter((host) => getComputedStyle(host).position === 'fixed')
  .map((host) => host.getBoundingClientRect())
  .reduce((sum, r) => sum + Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0)), 0)"""


@pytest.fixture
def demo_campaigns() -> None:
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())


@pytest.fixture
def reader_in_russia(browser: Browser, request) -> Iterator[BrowserContext]:
    """A reader in Russia (banner and notice) on the device of the test's parameter."""
    options, _ = DEVICES[request.node.callspec.params["device"]]
    lang = request.node.callspec.params.get("lang", "en")
    context = browser.new_context(**options, locale=lang, extra_http_headers={"CF-IPCountry": "RU"})
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _ready(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_pinned_messages_stay_small_and_off_the_sites_navigation(
    live_server, demo_campaigns, reader_in_russia, device, lang
):
    _, share = DEVICES[device]
    page = reader_in_russia.new_page()
    articles = NEWSROOM[lang].articles
    # given a reader in Russia on a second article: banner, notice and ask all show
    page.goto(live_server.url + articles[0].url)
    page.goto(live_server.url + articles[1].url)
    expect(page.locator(".readerfund-top").locator("div.m")).to_have_count(2)
    panel = page.locator(".readerfund-top")

    # then the pinned messages take at most 15 % of a phone's height, 20 % of a desktop's
    page.evaluate(SETTLED)
    height = PHONE["viewport"]["height"] if device == "phone" else DESKTOP["viewport"]["height"]
    assert page.evaluate(PINNED) <= share * height
    # and the site's masthead and navigation stay uncovered and can be used at once
    navigation = page.get_by_role("navigation", name="Sections" if lang == "en" else "Разделы")
    nav_box, panel_box = navigation.bounding_box(), panel.bounding_box()
    assert nav_box and panel_box and nav_box["y"] + nav_box["height"] <= panel_box["y"]
    navigation.get_by_role("link").first.click(trial=True)
    # and while the reader reads further down, still no more
    page.mouse.wheel(0, 3000)
    assert page.evaluate(PINNED) <= share * height


@pytest.mark.parametrize("device", ["phone"])
def test_on_a_phone_the_banner_is_one_line_that_opens_on_request(
    live_server, demo_campaigns, reader_in_russia, device
):
    page = reader_in_russia.new_page()
    page.goto(live_server.url + NEWSROOM["en"].articles[0].url)
    banner = page.get_by_role("region", name="The Far Shore has no ads")
    body = banner.get_by_text("Running our newsroom costs")
    expect(banner.get_by_role("link", name="Support us")).to_be_visible()
    expect(body).to_be_hidden()

    # when the reader asks for more
    more = banner.get_by_role("button", name="More")
    more.click()

    # then the whole message shows, and the button says so
    expect(body).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "true")


@pytest.mark.parametrize("device", ["desktop"])
def test_the_keyboard_reaches_each_call_to_action_then_its_close_and_returns_on_close(
    live_server, demo_campaigns, reader_in_russia, device
):
    page = reader_in_russia.new_page()
    page.goto(live_server.url + NEWSROOM["en"].articles[0].url)
    notice = page.get_by_role("region", name="The Far Shore is banned in Russia.")
    banner = page.get_by_role("region", name="The Far Shore has no ads")
    expect(banner).to_be_visible()
    # given the keyboard on the page's last link
    last = page.locator("footer a").last
    last.focus()

    # when the reader tabs on: the notice's link, its close, the banner's link, its close
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => { const a = document.activeElement.shadowRoot"
                                   "?.activeElement; return a && (a.getAttribute('aria-label')"
                                   " || a.textContent) }"))  # fmt: skip
    assert order == ["Help us", "Close", "Support us", "Close"]

    # when they close the banner, the focus returns where it came from
    page.keyboard.press("Enter")
    expect(banner).to_have_count(0)
    expect(notice).to_be_visible()
    assert page.evaluate("() => document.activeElement.textContent") == last.inner_text()


@pytest.mark.parametrize("device", ["phone"])
def test_reduced_motion_keeps_the_panel_still(
    live_server, demo_campaigns, reader_in_russia, device
):
    page = reader_in_russia.new_page()
    page.emulate_media(reduced_motion="reduce")
    page.goto(live_server.url + NEWSROOM["en"].articles[0].url)
    panel = page.locator(".readerfund-top")
    expect(panel).to_be_visible()
    assert panel.evaluate("host => getComputedStyle(host).animationName") == "none"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_no_demo_page_shifts_its_layout_with_every_channel_shown(
    live_server, demo_campaigns, reader_in_russia, device
):
    page = reader_in_russia.new_page()
    page.add_init_script(SHIFT)
    # given a reader with an article read (asks show from the second on)
    page.goto(live_server.url + NEWSROOM["en"].articles[0].url)
    for lang, newsroom in NEWSROOM.items():
        front = "/demo/" if lang == "en" else "/demo/ru/"
        for path in [front, newsroom.sections[0].url, *[a.url for a in newsroom.articles[:3]]]:
            # when a page shows every channel it has (the ask's cap of views lifted)
            page.evaluate(FORGET_SHOWN)
            page.goto(live_server.url + path)
            _ready(page)
            expect(page.locator(".readerfund-top")).to_be_visible()
            article = path in {a.url for a in newsroom.articles}
            if article:
                # placed while the reader is still at the top (a fling within the same frame
                # is a race no page script can see: the compositor scrolls on its own)
                expect(page.locator(".readerfund-ask")).to_be_attached()
            page.mouse.wheel(0, 30000)
            if article:
                expect(page.locator(".readerfund-ask").get_by_role("heading")).to_be_visible()
            # then nothing moved
            assert page.evaluate("() => window.__shift") == 0, path


HOST_ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>
<meta name="viewport" content="width=device-width"></head><body>
<header><h1>A newsroom on its own domain</h1>
<nav aria-label="Site"><a href="/a">Home</a></nav></header>
{slot}<main><p>First paragraph.</p><p>Second paragraph.</p></main>
<script src="{server}/embed.js" defer></script></body></html>"""


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_banner_slot_the_host_reserved_takes_the_banner_unpinned(
    live_server, demo_campaigns, reader_in_russia, device
):
    # given a host page with room reserved for the banner under its navigation
    slot = '<div data-readerfund-slot="banner" class="rf"></div>'
    body = HOST_ARTICLE.format(slot=slot, server=live_server.url).replace(
        "</title>", "</title><style>.rf { min-height: 24em }</style>"
    )
    csp = f"script-src {live_server.url}; connect-src {live_server.url}; style-src 'unsafe-inline'"
    page = reader_in_russia.new_page()
    page.add_init_script(SHIFT)
    with host_page_serve(body=body.encode(), csp=csp) as url:
        page.goto(url)
        banner = page.get_by_role("region", name="The Far Shore has no ads")
        expect(banner).to_be_visible()

        # then it sits in the slot, scrolls with the page, and nothing moved
        host = page.locator('[data-readerfund-slot="banner"] .readerfund-host')
        assert host.evaluate("host => getComputedStyle(host).position") == "static"
        assert page.evaluate(PINNED) == 0
        assert page.evaluate("() => window.__shift") == 0
