"""The demo banner's goal ticker in real Chromium: a reader's gift through the real checkout
pages shrinks the gap every other reader sees, once the worker has recomputed."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Browser, Page, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.goals.services import goal_demo_seed, goal_refresh
from readerfund.goals.tasks import goal_recompute
from readerfund.goals.tests.ledger import plan_make
from readerfund.payments.models import Contribution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = newsroom_get(lang="en").articles[0]
ARTICLE_RU = newsroom_get(lang="ru").articles[0]
BANNER = "The Far Shore has no ads"
BANNER_RU = "У «Дальнего берега» нет рекламы"  # noqa: RUF001 (Russian)


def _run_the_worker_after_the_debounce() -> None:
    # the recompute queued by the gift waits RECOMPUTE_DELAY; its time arrives
    DBTaskResult.objects.filter(
        task_path=goal_recompute.module_path, status=TaskResultStatus.READY
    ).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def _without_http_cache(page: Page) -> None:
    """`/embed.js` is cacheable for a minute: this reader comes back after that minute."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})


def _give_once_from_the_banner(browser: Browser, url: str, amount: str) -> None:
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_role("region", name=BANNER).get_by_role("link", name="Support us").click()
        page.get_by_text("One-off", exact=True).click()
        page.get_by_label("Other amount").fill(amount)
        page.get_by_label("Email").fill("giver@example.org")
        page.get_by_role("button", name=f"Give ${amount} once").click()
        page.get_by_role("button", name=f"Pay ${amount} (test)").click()
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    finally:
        context.close()


def test_a_gift_shrinks_the_gap_in_the_demo_banner(
    live_server, page: Page, browser: Browser, browser_log
):
    # given the demo: its campaigns, its $10,000 goal, and $1,000 a month from one plan
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    goal_demo_seed()
    plan_make(100_000)
    goal_refresh()
    _without_http_cache(page)

    # a reader sees the banner with the figure, once (its copy states it: no ticker line)
    url = live_server.url + ARTICLE.url
    page.goto(url)
    banner = page.get_by_role("region", name=BANNER)
    expect(banner).to_contain_text("$1,000 of $10,000 is covered this month.")
    assert banner.inner_text().count("$1,000") == 1

    # when another reader gives $500 once from the banner, through the real checkout
    _give_once_from_the_banner(browser, url, "500")
    gift = Contribution.objects.get()
    assert (gift.amount, gift.frequency, gift.campaign) == (50_000, "one_off", "no-ads-banner")
    # readers are served the stored figure, not a live one, until the worker recomputes
    page.reload()
    expect(banner).to_contain_text("$1,000 of $10,000 is covered this month.")
    _run_the_worker_after_the_debounce()

    # then the reader's next view shows the larger figure
    page.reload()
    expect(banner).to_contain_text("$1,500 of $10,000 is covered this month.")
    assert browser_log.errors == []


def test_the_russian_banner_shows_the_figure_in_russian(live_server, browser: Browser):
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    goal_demo_seed()
    plan_make(624_000)
    goal_refresh()
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(live_server.url + ARTICLE_RU.url)
        banner = page.get_by_role("region", name=BANNER_RU)
        # Russian groups digits with a no-break space: 6 240 $
        expect(banner).to_contain_text(
            re.compile(r"В этом месяце собрано 6\s240\s\$ из 10\s000\s\$\.")  # noqa: RUF001
        )
        assert len(re.findall(r"6\s240\s\$", banner.inner_text())) == 1  # the figure, once
    finally:
        context.close()


def test_before_any_money_this_month_the_banner_shows_no_figure(live_server, page: Page):
    # given the demo's goal and no money yet (a fresh install)
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    goal_demo_seed()

    page.goto(live_server.url + ARTICLE.url)

    # then the banner asks without "$0 of $10,000": no goal line, no progress bar
    banner = page.get_by_role("region", name=BANNER)
    expect(banner).to_contain_text("Running our newsroom costs about $10,000 a month.")
    expect(banner).not_to_contain_text("covered this month")
    expect(banner.get_by_role("progressbar")).to_have_count(0)


def test_the_end_of_article_ask_shows_the_figure_and_its_progress_bar(
    live_server, page: Page, browser_log
):
    # given the demo with $2,500 of its $10,000 this month
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    goal_demo_seed()
    plan_make(250_000)
    goal_refresh()
    _without_http_cache(page)
    first, second = newsroom_get(lang="en").articles[:2]

    # when a new reader opens a second article, where the ask shows
    page.goto(live_server.url + first.url)
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")
    page.goto(live_server.url + second.url)
    ask = page.locator(".readerfund-ask")
    expect(ask.get_by_role("heading")).to_be_visible()

    # then the ask carries the figure as text, once, and a bar beside it (hidden from
    # screen readers: the text says it)
    bar = ask.locator("progress")
    expect(bar).to_be_visible()
    assert float(bar.evaluate("bar => bar.value")) == 25
    expect(ask).to_contain_text("$2,500 of $10,000 this month")
    assert ask.locator("div.m").inner_text().count("$2,500") == 1
    assert browser_log.errors == []
