"""The embed fits any site: a newsroom's page on a second origin under a strict
Content-Security-Policy that names only what docs/embed.md tells a host to add, which sends
no Referer (Referrer-Policy: same-origin) and says nothing about itself; and a page that
restyles the messages through the documented custom properties."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.reminders.models import Reminder
from readerfund.tests.host_page import host_page_serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# No og:type, no readerfund meta, no context script: only a place for the ask.
BARE_ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A story</title>{head}</head><body><header><h1>The Morning Post</h1></header>
<main><h2>A story</h2>{paragraphs}<div data-readerfund-slot="ask"></div></main>
<footer><a href="/about">About</a></footer>
<script src="{server}/embed.js" defer></script></body></html>"""
PARAGRAPHS = "<p>A paragraph of the story, long enough to fill a line or two.</p>" * 40
VIOLATIONS = """window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));"""


def csp_for_host(server: str) -> str:
    """Exactly what docs/embed.md says a host adds, on top of allowing nothing else."""
    return f"default-src 'none'; script-src {server}; connect-src {server}"


@pytest.fixture
def demo_campaigns() -> None:
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())


def test_under_a_strict_csp_every_message_and_the_reminder_form_work(
    live_server, page: Page, browser_log, demo_campaigns
):
    body = BARE_ARTICLE.format(head="", server=live_server.url, paragraphs=PARAGRAPHS).encode()
    page.add_init_script(VIOLATIONS)
    with host_page_serve(body=body, csp=csp_for_host(live_server.url)) as url:
        # given a reader on their second article of a site that says nothing of its pages
        page.goto(url)
        page.goto(url)

        # then the page counts as an article: the banner and the ask show
        expect(page.get_by_role("region", name="The Far Shore has no ads")).to_be_visible()
        ask = page.locator(".readerfund-ask")
        expect(ask.get_by_role("heading")).to_be_visible()
        # and the reminder form loads and sends
        ask.get_by_role("button", name=re.compile("Remind me later")).click()
        form = ask.get_by_role("form", name="Email me a reminder")
        form.get_by_role("textbox", name="Your email address").fill("reader@example.org")
        form.get_by_role("button", name="Remind me").click()
        expect(ask.get_by_text(re.compile("^Thank you."))).to_be_visible()

    assert Reminder.objects.filter(email="reader@example.org").exists()
    assert page.evaluate("() => window.__violations") == []
    assert browser_log.errors == []


HOST_LOOK = """<style>:root { --readerfund-font: Georgia, serif;
  --readerfund-heading-font: "Courier New", monospace; --readerfund-accent: #7a1233;
  --readerfund-on-accent: #ffffff; --readerfund-banner-bg: #262626 }</style>"""


def test_the_messages_take_the_hosts_fonts_and_accent_colours(
    live_server, page: Page, demo_campaigns
):
    body = BARE_ARTICLE.format(
        head=HOST_LOOK, server=live_server.url, paragraphs=PARAGRAPHS
    ).encode()
    csp = csp_for_host(live_server.url) + "; style-src 'unsafe-inline'"  # the host's own style
    with host_page_serve(body=body, csp=csp) as url:
        page.goto(url)
        page.goto(url)
        ask = page.locator(".readerfund-ask")
        banner = page.get_by_role("region", name="The Far Shore has no ads")
        cta = ask.get_by_role("link", name=re.compile("^Give"))
        expect(cta).to_be_visible()

        def style(locator, name: str) -> str:
            return str(locator.evaluate(f"el => getComputedStyle(el).{name}"))

        assert style(cta, "backgroundColor") == "rgb(122, 18, 51)"
        assert style(cta, "color") == "rgb(255, 255, 255)"
        assert style(cta, "fontFamily") == "Georgia, serif"
        assert style(ask.get_by_role("heading"), "fontFamily") == '"Courier New", monospace'
        assert style(banner, "backgroundColor") == "rgb(38, 38, 38)"
        assert style(banner.get_by_role("link", name="Support us"), "backgroundColor") == (
            "rgb(122, 18, 51)"
        )
