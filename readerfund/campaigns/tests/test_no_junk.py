"""No junk, ever: whatever data a message lacks, no "null", "undefined", "NaN", "false",
"true", stray "0", "[object …]" or unfilled {placeholder} reaches the reader.

Walks every demo campaign, variant and language in both states of the goal, then campaigns
generated with each optional field empty."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page, Route

from readerfund.campaigns.files import campaigns_load
from readerfund.campaigns.playbook import embed_bundle, embed_strings, playbook_document
from readerfund.campaigns.tests.factories import campaign_create, targeting_everyone
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.payments.registry import payment_marks_by_country

pytestmark = pytest.mark.browser

HOST = "https://news.example.org"
NOTHING_RAISED = None  # the server sends no goal while nothing is raised this month
SOME_RAISED = {"currency": "USD", "target": 1000000, "raised": 400, "gap": 999600, "percent": 0}

# Every text node, and the attributes a reader or a screen reader meets, of every message.
RENDERED = """() => [...document.querySelectorAll('.readerfund-host')].flatMap((host) => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) out.push(['text', node.data]);
    if (node.nodeType === Node.ELEMENT_NODE) for (const name of ['aria-label', 'href', 'value'])
      if (node.hasAttribute(name)) out.push([name, node.getAttribute(name)]);
    node.childNodes.forEach(walk);
  };
  walk(host.shadowRoot);
  return out;
})"""
JUNK_WORDS = ("null", "undefined", "NaN", "false", "true", "[object")


def junk_in(rendered: list[list[str]]) -> list[str]:
    found = []
    for kind, value in rendered:
        words = value.replace("=", " ").replace("&", " ").split()
        if kind == "text" and value.strip() == "0":
            found.append("a stray 0")
        for word in JUNK_WORDS:
            if word in words or (word == "[object" and word in value):
                found.append(f"{word!r} in {kind} {value!r}")
        if "{" in value and "}" in value and kind != "href":
            found.append(f"a placeholder in {kind} {value!r}")
    return found


@pytest.fixture(scope="module")
def host_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.route(f"{HOST}/**", _serve)
    yield page
    context.close()


def _serve(route: Route) -> None:
    if "/article" in route.request.url:
        lang = route.request.url.rsplit("lang=", 1)[-1]
        route.fulfill(
            content_type="text/html",
            body=f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head>
<body><h1>An article</h1><p>Text.</p><div data-readerfund-slot="ask"></div></body></html>""",
        )
    else:
        route.fulfill(status=204)


def rendered_messages(page: Page, playbook: dict[str, Any], lang: str) -> list[list[str]]:
    page.goto(f"{HOST}/article?lang={lang}")
    page.evaluate("() => localStorage.clear()")  # a fresh reader: no caps reached
    page.add_script_tag(content=embed_bundle(playbook).decode())
    page.wait_for_function("() => document.documentElement.dataset.readerfund === 'ready'")
    page.wait_for_function("() => document.querySelectorAll('.readerfund-host').length > 0")
    rendered: list[list[str]] = page.evaluate(RENDERED)
    return rendered


def alone(playbook: dict[str, Any], campaign: dict[str, Any], variant: dict[str, Any],
          goal: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """The playbook with this one campaign, showing this variant to everyone."""
    everyone = targeting_everyone()
    shown = {**campaign, "targeting": everyone, "controlShare": 0, "variants": [variant]}
    return {**playbook, "goal": goal, "needsCountry": False, "campaigns": [shown]}


# A campaign's schedule and frequency as the server compiles them, without any bound.
SHOWN_ALWAYS = {
    "round": 0,
    "frequency": {"perDays": 30, "minDaysBetween": 0, "dismissDays": 7, "snoozeDays": 30},
}

# The labels and marks as the server compiles them; the campaigns vary.
BASE = {
    "version": 3,
    "endpoints": {"events": "/api/events"},
    "methods": payment_marks_by_country(),
    "strings": embed_strings(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("goal", [NOTHING_RAISED, SOME_RAISED], ids=["nothing-raised", "some"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_demo_message_shows_junk(host_page, goal, lang):
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    demo_playbook = playbook_document()
    walked = 0
    for campaign in demo_playbook["campaigns"]:
        for variant in campaign["variants"]:
            # when the message is drawn for a reader of this language
            playbook = alone(demo_playbook, campaign, variant, goal)
            rendered = rendered_messages(host_page, playbook, lang)
            walked += 1
            # then it has text, and none of it is junk
            assert any(kind == "text" and value.strip() for kind, value in rendered)
            assert junk_in(rendered) == [], f"{campaign['id']}/{variant['id']}"
    assert walked >= 6


text = st.text(alphabet="abc xyz", min_size=1, max_size=12)
amounts = st.fixed_dictionaries(
    {"monthly": st.just({"choices": [200, 500], "default": 500})},
    optional={"one_off": st.just({"choices": [1000], "default": 1000})},
)
variants = st.fixed_dictionaries(
    {
        "id": st.just("v"),
        "weight": st.just(1),
        "heading": st.one_of(st.just(""), text, st.just("{goalRaised} raised")),
        "body": st.one_of(
            st.just([]),
            text.map(lambda t: [f"<p>{t}</p>"]),
            text.map(lambda t: [f"<p>{t}</p>", "<p>{goalPercent}% of {goalTarget}</p>"]),
            st.just(["<p>{goalPercent}% of {goalTarget}</p>"]),
        ),
        "highlight": st.one_of(st.just(""), text),
        "cta": st.fixed_dictionaries({"label": text, "url": st.just("/give/")}),
        "secondary": st.one_of(
            st.none(),
            st.fixed_dictionaries({"act": st.sampled_from(["snooze", "dismiss"]), "label": text}),
        ),
        "currency": st.just("USD"),
        "amounts": st.one_of(st.just({}), amounts),
        "paymentMarks": st.one_of(st.just([]), st.just(["visa", "bank"])),
        "ticker": st.booleans(),
        "tickerLine": st.booleans(),
    }
).map(lambda v: {**v, "frequency": "monthly" if v["amounts"] else None})


@settings(max_examples=40, deadline=None)
@given(
    channel=st.sampled_from(["banner", "header", "ask"]),
    variant=variants,
    goal=st.sampled_from([NOTHING_RAISED, SOME_RAISED]),
    lang=st.sampled_from(["en", "ru"]),
)
def test_no_generated_message_shows_junk(host_page, channel, variant, goal, lang):
    campaign = {"id": "generated", "channel": channel, "priority": 1, **SHOWN_ALWAYS}
    rendered = rendered_messages(host_page, alone(BASE, campaign, variant, goal), lang)
    assert junk_in(rendered) == []


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["banner", "ask"])
def test_the_goal_figure_shows_once_in_a_message_whose_copy_states_it(host_page, channel):
    # given a message whose copy states the figure, with the ticker on, as the server compiles it
    campaign_create(
        slug="goal",
        channel=channel,
        variant_fields={
            "heading": "No ads",
            "body": "{goalRaised} of {goalTarget} is covered this month.",
            "ticker": True,
        },
    )
    [campaign] = playbook_document()["campaigns"]
    playbook = alone(BASE, campaign, campaign["variants"][0], SOME_RAISED)

    rendered = rendered_messages(host_page, playbook, "en")

    # then "$4 of $10,000" is read once, not twice (the ticker's line is left out; a banner
    # draws no bar, an ask keeps it)
    text = " ".join(value for kind, value in rendered if kind == "text")
    assert text.count("$4") == 1
    assert host_page.locator("progress").count() == (channel == "ask")
