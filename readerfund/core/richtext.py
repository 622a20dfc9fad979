"""The one way admin-authored copy becomes HTML: a small Markdown subset, then an allowlist.

Editors write paragraphs, *emphasis*, **strong**, [links](https://…) and lists. Raw HTML in
the source is shown as text, never interpreted; nh3 then drops anything outside the
allowlist, so even a bug in the Markdown step cannot let a script or handler through.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "br"}
# Only a link's href; "*": none of nh3's default generic attributes (title, lang), so that
# braces survive in text only (the embed fills placeholders in this HTML).
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
ALLOWED_SCHEMES = {"https", "http", "mailto"}
# Something in a link's text that reads like a domain name ("bank.example", "paypal.com").
_DOMAIN_IN_TEXT = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b", re.IGNORECASE)

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .disable(["image", "heading", "lheading", "code", "fence", "blockquote", "hr", "table"])
    .disable(["backticks", "html_inline", "html_block", "entity"], ignoreInvalid=True)
)


def _link_target_host(href: str) -> str:
    return (urlsplit(href).hostname or "").lower()


def _unspoof_links(tokens: list[Token]) -> None:
    """Link text may not name a domain other than the one the link goes to.

    "[paypal.com](https://evil.example)" would show a trusted name for a hostile target;
    such text is replaced by the real destination host.
    """
    for token in tokens:
        children = token.children or []
        for index, child in enumerate(children):
            if child.type != "link_open":
                continue
            host = _link_target_host(str(child.attrGet("href") or ""))
            for inner in children[index + 1 :]:
                if inner.type == "link_close":
                    break
                if inner.type != "text":
                    continue
                named = {match.lower() for match in _DOMAIN_IN_TEXT.findall(inner.content)}
                if any(name != host and not host.endswith("." + name) for name in named):
                    inner.content = host or inner.content


def copy_to_html_blocks(source: str) -> list[str]:
    """Sanitized HTML for an editor's Markdown copy, one string per top-level block (a
    paragraph, a list), each safe to insert into any page: the embed leaves out a block
    whose placeholder has no value. A placeholder's braces survive in text only (in a
    link's address they are percent-encoded)."""
    tokens = _markdown.parse(source)
    _unspoof_links(tokens)
    blocks, start = [], 0
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting < 1:  # a top-level block closes
            blocks.append(tokens[start : index + 1])
            start = index + 1
    sanitized = (
        nh3.clean(
            _markdown.renderer.render(block, _markdown.options, {}),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        ).strip()
        for block in blocks
    )
    return [html for html in sanitized if html]


def plain_text(source: str) -> str:
    """Copy that must stay text (headings, button labels): any markup is dropped.

    The result is text, not HTML: the embed inserts it with `textContent`.
    """
    return html.unescape(nh3.clean(source, tags=set(), strip_comments=True)).strip()
