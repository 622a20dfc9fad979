"""The demo newsroom's content: a fixed, bilingual set of fictional articles.

The demo is a host site for the embed, not a CMS, so its articles are a YAML file read
once per process; nothing here touches the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.urls import reverse

CONTENT_FILE = Path(__file__).parent / "content" / "articles.yaml"
LANGUAGES = ("en", "ru")


def demo_url(name: str, lang: str, **kwargs: str) -> str:
    """URL of a demo page; English lives at /demo/…, Russian at /demo/ru/…."""
    if lang == "en":
        return reverse(f"demo:{name}", kwargs=kwargs)
    return reverse(f"demo:{name}-lang", kwargs={"lang": lang, **kwargs})


@dataclass(frozen=True)
class Site:
    name: str
    tagline: str
    about: str


@dataclass(frozen=True)
class Section:
    slug: str
    name: str
    url: str


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
    url: str


@dataclass(frozen=True)
class Article:
    slug: str
    url: str
    section: Section
    tags: tuple[Tag, ...]
    published: datetime.date
    photo_hue: int
    headline: str
    standfirst: str
    byline: str
    photo_caption: str
    photo_credit: str
    body: tuple[str, ...]

    @property
    def tag_slugs(self) -> list[str]:
        return [tag.slug for tag in self.tags]


@dataclass(frozen=True)
class Newsroom:
    lang: str
    site: Site
    sections: tuple[Section, ...]
    tags: tuple[Tag, ...]
    articles: tuple[Article, ...]  # newest first

    def section(self, slug: str) -> Section | None:
        return next((section for section in self.sections if section.slug == slug), None)

    def tag(self, slug: str) -> Tag | None:
        return next((tag for tag in self.tags if tag.slug == slug), None)

    def article(self, section_slug: str, slug: str) -> Article | None:
        return next(
            (a for a in self.articles if a.slug == slug and a.section.slug == section_slug),
            None,
        )

    def in_section(self, slug: str) -> list[Article]:
        return [article for article in self.articles if article.section.slug == slug]

    def with_tag(self, slug: str) -> list[Article]:
        return [article for article in self.articles if slug in article.tag_slugs]


@cache
def _raw_content() -> dict[str, Any]:
    with CONTENT_FILE.open(encoding="utf-8") as handle:
        content: dict[str, Any] = yaml.safe_load(handle)
    return content


def newsroom_get(*, lang: str) -> Newsroom:
    """The whole demo newsroom in one language ('en' or 'ru')."""
    raw = _raw_content()
    sections = tuple(
        Section(s["slug"], s["name"][lang], demo_url("section", lang, section=s["slug"]))
        for s in raw["sections"]
    )
    tags = tuple(
        Tag(t["slug"], t["name"][lang], demo_url("tag", lang, tag=t["slug"])) for t in raw["tags"]
    )
    sections_by_slug = {section.slug: section for section in sections}
    tags_by_slug = {tag.slug: tag for tag in tags}
    articles = tuple(
        Article(
            slug=a["slug"],
            url=demo_url("article", lang, section=a["section"], slug=a["slug"]),
            section=sections_by_slug[a["section"]],
            tags=tuple(tags_by_slug[slug] for slug in a["tags"]),
            published=a["published"],
            photo_hue=int(a["photo_hue"]),
            headline=a[lang]["headline"],
            standfirst=a[lang]["standfirst"],
            byline=a[lang]["byline"],
            photo_caption=a[lang]["photo_caption"],
            photo_credit=a[lang]["photo_credit"],
            body=tuple(a[lang]["body"]),
        )
        for a in sorted(raw["articles"], key=lambda a: a["published"], reverse=True)
    )
    site = raw["site"]
    return Newsroom(
        lang=lang,
        site=Site(site["name"][lang], site["tagline"][lang], site["about"][lang]),
        sections=sections,
        tags=tags,
        articles=articles,
    )
