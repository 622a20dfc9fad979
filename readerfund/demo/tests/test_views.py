"""Every demo page answers, in both languages; unknown pages are 404, not 500."""

from __future__ import annotations

import pytest

from readerfund.demo.selectors import LANGUAGES, newsroom_get


def _all_urls() -> list[str]:
    urls = []
    for lang in LANGUAGES:
        newsroom = newsroom_get(lang=lang)
        urls += [article.url for article in newsroom.articles]
        urls += [section.url for section in newsroom.sections]
        urls += [tag.url for tag in newsroom.tags]
    return urls


def test_the_newsroom_has_enough_content_to_exercise_targeting():
    newsroom = newsroom_get(lang="en")
    assert len(newsroom.articles) >= 8
    assert len(newsroom.sections) >= 3
    assert all(newsroom.in_section(section.slug) for section in newsroom.sections)
    assert all(article.tags for article in newsroom.articles)


def test_every_article_exists_in_both_languages():
    english, russian = newsroom_get(lang="en"), newsroom_get(lang="ru")
    assert [a.slug for a in english.articles] == [a.slug for a in russian.articles]
    for en, ru in zip(english.articles, russian.articles, strict=True):
        assert en.headline != ru.headline
        assert len(en.body) == len(ru.body)


@pytest.mark.parametrize("url", _all_urls())
def test_every_page_answers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Language"] in LANGUAGES


@pytest.mark.parametrize(
    "url",
    ["/demo/xx/", "/demo/section/nope/", "/demo/tag/nope/", "/demo/ru/nope/nope/", "/demo/a/b/"],
)
def test_unknown_pages_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_article_page_carries_its_context_for_the_embed(client):
    article = newsroom_get(lang="ru").articles[0]
    response = client.get(article.url)
    body = response.content.decode()
    assert 'id="readerfund-context"' in body
    assert f'"section": "{article.section.slug}"' in body
    assert '"pageType": "article"' in body
