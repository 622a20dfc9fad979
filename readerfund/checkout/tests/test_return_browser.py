"""A reader gives from an ask on the newsroom's own site (another origin than readerfund),
in real Chromium: back to the exact article, and recognised there however they return."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.tests.host_page import host_page_serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def newsroom_site(readerfund: str, *, host: str = "127.0.0.1") -> Iterator[str]:
    """The newsroom's article page on its own origin, sending `Referrer-Policy: same-origin`
    (Django's default), so no Referer ever reaches readerfund."""
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>News</title>
<meta name="readerfund:page-type" content="article"></head><body><main>
<h1>An article on the newsroom's site</h1><p>Text.</p><div data-readerfund-slot="ask"></div>
</main><script src="{readerfund}/embed.js" defer></script></body></html>""".encode()
    csp = f"default-src 'self'; script-src {readerfund}; connect-src {readerfund}"
    headers = {"Referrer-Policy": "same-origin"}
    with host_page_serve(body=body, csp=csp, headers=headers, host=host) as url:
        yield url


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _ready(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")


def _give_from_the_ask(page: Page, article: str) -> None:
    """Second article view (the ask needs two), then a monthly test gift from its link."""
    page.goto(article.replace("page=1", "page=0"))
    _ready(page)
    page.goto(article)
    ask = page.locator(".readerfund-ask")
    ask.get_by_role("link", name=re.compile(r"^Give ")).click()
    page.get_by_label("Email").fill("reader@example.org")
    page.get_by_role("button", name=re.compile(r"^Give .* monthly$")).click()
    page.get_by_role("button", name=re.compile(r"^Pay .*\(test\)$")).click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()


def _no_messages(page: Page) -> None:
    _ready(page)
    expect(page.locator(".readerfund-host")).to_have_count(0)


def test_back_to_reading_returns_to_the_exact_article_on_the_newsroom_s_site(
    live_server, page: Page, settings, browser_log
):
    # given the newsroom's site on another origin, the demo site off, and readerfund told
    # that the site may embed it
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    settings.DEMO_SITE = False
    with newsroom_site(live_server.url) as article:
        settings.READERFUND_EMBED_ORIGINS = [_origin(article)]

        # when a reader gives from the ask at the end of an article
        _give_from_the_ask(page, article)
        page.get_by_role("link", name="Back to reading").click()

        # then they are back on that very article, where the ask no longer shows
        page.wait_for_url(article)
        _no_messages(page)
        assert page.url == article  # the mark's fragment is gone from the address

        # and on any article opened later in a new tab
        later = page.context.new_page()
        later.goto(article.replace("page=1", "page=2"))
        _no_messages(later)
    assert browser_log.errors == []


def test_a_return_address_not_on_the_allowlist_is_not_followed(live_server, page: Page, settings):
    # given a site that readerfund was not told about
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    settings.DEMO_SITE = False
    settings.READERFUND_EMBED_ORIGINS = ["*", "https://news.example"]
    with newsroom_site(live_server.url) as article:
        # when a reader gives from its ask
        _give_from_the_ask(page, article)

        # then the thanks page offers no way back to it
        expect(page.get_by_role("link", name="Back to reading")).to_have_count(0)


def test_a_supporter_is_recognised_on_the_site_after_closing_the_tab(
    live_server, page: Page, settings, browser_log
):
    # given readerfund at support.news.localhost and the site at www.news.localhost, one
    # registrable domain, with the supporter mark set on it
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    settings.DEMO_SITE = False
    settings.ALLOWED_HOSTS = ["support.news.localhost"]
    settings.READERFUND_SUPPORTER_COOKIE_DOMAIN = "news.localhost"
    readerfund = live_server.url.replace("localhost", "support.news.localhost")
    with newsroom_site(readerfund, host="www.news.localhost") as article:
        settings.READERFUND_EMBED_ORIGINS = [_origin(article)]

        # when a reader gives from the ask, then closes the tab without going back
        _give_from_the_ask(page, article)
        context = page.context
        page.close()

        # and later opens an article of the site by its address
        later = context.new_page()
        later.goto(article.replace("page=1", "page=3"))

        # then no message asks them again
        _no_messages(later)
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["readerfund_supporter"]["domain"] in {"news.localhost", ".news.localhost"}
    assert browser_log.errors == []
