"""The demo newsroom as a reader and an editor see it, in real Chromium."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from readerfund.demo.selectors import newsroom_get

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("lang", "path"), [("en", "/demo/"), ("ru", "/demo/ru/")])
def test_front_page_renders_in_each_language_without_console_errors(
    live_server, page: Page, browser_log, lang, path
):
    newsroom = newsroom_get(lang=lang)

    page.goto(live_server.url + path)

    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page).to_have_title(re.compile(re.escape(newsroom.site.name)))
    expect(page.get_by_role("heading", name=newsroom.articles[0].headline)).to_be_visible()
    for section in newsroom.sections:
        expect(
            page.get_by_role("navigation").get_by_role("link", name=section.name)
        ).to_be_visible()
    assert browser_log.errors == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_article_renders_with_its_slot_for_the_ask(live_server, page: Page, browser_log, lang):
    article = newsroom_get(lang=lang).articles[1]

    page.goto(live_server.url + article.url)

    expect(page.get_by_role("heading", level=1)).to_have_text(article.headline)
    expect(page.get_by_text(article.body[0])).to_be_visible()
    expect(page.get_by_text(article.photo_credit)).to_be_visible()
    expect(page.locator('[data-readerfund-slot="ask"]')).to_have_count(1)
    assert browser_log.errors == []


def test_reader_switches_an_article_to_russian(live_server, page: Page):
    english = newsroom_get(lang="en").articles[2]
    russian = newsroom_get(lang="ru").articles[2]
    page.goto(live_server.url + english.url)

    page.get_by_role("link", name="Русский").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(russian.headline)
    assert page.url == live_server.url + russian.url


def test_editor_logs_in_to_the_admin(live_server, page: Page, browser_log):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "correct horse 42")

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("correct horse 42")
    page.get_by_role("button", name="Log in").click()

    expect(
        page.get_by_role("banner").get_by_role("link", name="readerfund administration")
    ).to_be_visible()
    expect(page.locator("#user-tools")).to_contain_text("editor")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert browser_log.errors == []


def test_admin_speaks_russian_to_a_russian_browser(live_server, browser):
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        expect(page.get_by_role("button", name="Войти")).to_be_visible()
        expect(page.get_by_role("link", name="Администрирование readerfund")).to_be_visible()
    finally:
        context.close()
