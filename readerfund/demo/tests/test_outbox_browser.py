"""The demo a visitor can follow to the end, in real Chromium: give, open the receipt in the
demo's outbox, follow its manage link, change the amount, cancel, and get a reminder."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.demo.outbox import outbox_dir
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.payments.models import RecurringPlan
from readerfund.reminders.models import Reminder
from readerfund.reminders.tasks import send_due_periodically

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLES = newsroom_get(lang="en").articles
RECEIPT = "Thank you for supporting us — your receipt"


@pytest.fixture
def demo_outbox(settings, live_server) -> Iterator[None]:
    """The demo's own mail set-up: messages kept in the outbox, links to this server."""
    settings.EMAIL_BACKEND = "readerfund.demo.outbox.DemoOutboxBackend"
    settings.READERFUND_PUBLIC_URL = live_server.url
    shutil.rmtree(outbox_dir(), ignore_errors=True)
    yield
    shutil.rmtree(outbox_dir(), ignore_errors=True)


def _worker_run() -> None:
    """What the demo's in-process worker does in the background: queued emails go out."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def _open_email(page: Page, subject: str) -> None:
    page.get_by_role("link", name=subject).first.click()
    expect(page.get_by_role("heading", name=subject)).to_be_visible()


def test_a_visitor_follows_the_whole_journey_through_the_demo_outbox(
    live_server, page: Page, browser: Browser, demo_outbox, browser_log
):
    # given a visitor who gives $5 a month on the demo in test mode
    page.goto(live_server.url + "/give/?frequency=monthly&amount=500")
    page.get_by_label("Email").fill("visitor@example.org")
    page.get_by_role("button", name="Give $5 monthly").click()
    page.get_by_role("button", name="Pay $5 (test)").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    _worker_run()

    # when they open the receipt from the thanks page's link to the outbox
    page.get_by_role("link", name="Open the receipt in the demo outbox").click()
    expect(page.get_by_role("heading", name="Demo outbox")).to_be_visible()
    _open_email(page, RECEIPT)
    expect(page.get_by_text("To", exact=True)).to_be_visible()
    expect(page.locator(".outbox__body")).to_contain_text("Amount: $5")

    # and follow its link to their own page
    page.locator(".outbox__body a", has_text="/manage/").first.click()
    expect(page.get_by_role("heading", name=re.compile("Your support"))).to_be_visible()

    # then they can change the amount, and cancel
    page.get_by_label(re.compile("New amount")).fill("7")
    page.get_by_role("button", name="Change amount").click()
    expect(page.get_by_text(re.compile(r"\$7\b")).first).to_be_visible()
    page.get_by_role("link", name="Cancel…").click()
    page.get_by_role("button", name="Cancel my regular gift").click()
    expect(page.get_by_text("Canceled").first).to_be_visible()
    plan = RecurringPlan.objects.get()
    assert (plan.amount, plan.status) == (700, "canceled")

    # when the visitor then asks the demo's ask for a reminder, and its day comes
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    fresh = browser.new_context(locale="en-US")  # a reader who has not given
    reader = fresh.new_page()
    reader.goto(live_server.url + ARTICLES[0].url)
    expect(reader.locator("html")).to_have_attribute("data-readerfund", "ready")
    reader.goto(live_server.url + ARTICLES[1].url)
    ask = reader.locator(".readerfund-ask")
    ask.get_by_role("button", name="Not ready to support today? Remind me later.").click()
    form = ask.get_by_role("form", name="Email me a reminder")
    form.get_by_role("textbox", name="Your email address").fill("reader@example.org")
    form.get_by_role("button", name="Remind me").click()
    expect(ask.get_by_text(re.compile("^Thank you. We'll email you around"))).to_be_visible()
    Reminder.objects.update(remind_on=timezone.now().date())
    send_due_periodically.enqueue()
    _worker_run()

    # then the reminder is in the outbox too, with a working way to unsubscribe
    reader.goto(live_server.url + ARTICLES[2].url)
    reader.get_by_role("link", name="The emails this demo sent").click()
    _open_email(reader, "Your reminder: support independent journalism")
    reader.locator(".outbox__body a", has_text="/reminders/unsubscribe/").first.click()
    expect(reader.locator("body")).to_contain_text(re.compile("unsubscribe", re.I))
    fresh.close()
    assert browser_log.errors == []


def test_the_outbox_is_absent_outside_demo_mode(client, settings):
    settings.DEMO_SITE = False
    assert client.get("/demo/outbox/").status_code == 404


def test_the_outbox_lists_what_the_demo_sent_and_shows_its_html(client, settings, demo_outbox):
    # given an email sent through the demo's backend
    message = EmailMultiAlternatives("Hello", "Text at https://example.org/x", to=["a@b.example"])
    message.attach_alternative("<p>Hello <b>there</b></p>", "text/html")
    message.send()

    # then the outbox lists it, links its address, and serves its HTML under a strict CSP
    listing = client.get("/demo/outbox/").content.decode()
    email_url = re.search(r'href="(/demo/outbox/[^"]+/)">Hello</a>', listing)
    assert email_url is not None
    shown = client.get(email_url.group(1)).content.decode()
    assert '<a href="https://example.org/x"' in shown
    html = client.get(email_url.group(1) + "html")
    assert html.content == b"<p>Hello <b>there</b></p>"
    assert "script-src" not in html["Content-Security-Policy"]
