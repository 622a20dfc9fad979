"""Admin-authored copy renders as a small safe subset of HTML, whatever an editor pastes."""

from __future__ import annotations

import re

import pytest

from readerfund.core.richtext import copy_to_html_blocks, plain_text

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    "<a href='javascript:alert(1)'>x</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '<p onclick="alert(1)">x</p>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
    "**bold <b onmouseover=alert(1)>x</b>**",
    "<!-- <script>alert(1)</script> -->",
    '[x](https://ok.example" onmouseover="alert(1))',
]


ALLOWED_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "br"}


def copy_to_html(source: str) -> str:
    return "".join(copy_to_html_blocks(source))


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_copy_comes_out_inert(payload):
    html = copy_to_html(payload)

    # every tag that survives is on the allowlist, with no handler and only safe links
    for tag in re.findall(r"<(/?)([a-zA-Z0-9]+)([^>]*)>", html):
        _, name, attributes = tag
        assert name.lower() in ALLOWED_TAGS
        assert not re.search(r"\son[a-z]+\s*=", attributes, re.IGNORECASE)
        for href in re.findall(r'href="([^"]*)"', attributes):
            assert href.startswith(("https:", "http:", "mailto:"))


def test_the_markdown_subset_renders():
    html = copy_to_html(
        "Give **monthly** from *just* $2. [Why](https://news.example/why)\n\n- a\n- b"
    )
    assert "<strong>monthly</strong>" in html
    assert "<em>just</em>" in html
    assert '<a href="https://news.example/why" rel="noopener noreferrer">Why</a>' in html
    assert "<ul>" in html and "<li>a</li>" in html


def test_placeholders_pass_through_untouched():
    assert copy_to_html("{goalRaised} of {goalTarget}") == "<p>{goalRaised} of {goalTarget}</p>"


def test_each_top_level_block_is_its_own_html():
    # so that the embed can leave out a block whose placeholder has no value
    source = "We need {goalGap}.\n\n- one\n- two\n   1. nested\n\n[Why](https://news.example/{x})"
    assert copy_to_html_blocks(source) == [
        "<p>We need {goalGap}.</p>",
        "<ul>\n<li>one</li>\n<li>two\n<ol>\n<li>nested</li>\n</ol>\n</li>\n</ul>",
        # braces in an address are encoded: the embed fills placeholders in text only
        '<p><a href="https://news.example/%7Bx%7D" rel="noopener noreferrer">Why</a></p>',
    ]
    assert copy_to_html_blocks("") == []


def test_a_link_keeps_no_attribute_where_a_placeholder_could_land():
    # a link title is Markdown; nh3 would keep it as a generic attribute
    [html] = copy_to_html_blocks('[Why](https://news.example/ "short by {goalGap}")')
    assert html == '<p><a href="https://news.example/" rel="noopener noreferrer">Why</a></p>'


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("[paypal.com](https://evil.example/pay)", "evil.example"),
        ("[Pay at www.bank.example](https://evil.example/)", "evil.example"),
    ],
)
def test_link_text_cannot_name_another_domain(source, shown):
    html = copy_to_html(source)
    assert f">{shown}</a>" in html
    assert "paypal.com" not in html and "bank.example" not in html


def test_link_text_may_name_its_own_domain():
    html = copy_to_html("[news.example](https://www.news.example/about)")
    assert ">news.example</a>" in html


def test_headings_and_labels_are_plain_text():
    assert plain_text("<b>Support</b> us & <script>x</script>") == "Support us &"
