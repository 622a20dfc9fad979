"""The embed in Chromium: weight, requests per visit, layout shift, time to first message.

The article is served from a second origin, as a newsroom's CMS would serve it."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import threading
from collections.abc import Iterator
from functools import partial

from playwright.sync_api import Browser, sync_playwright

from bench.common import CHROMIUM, median, production_server, report

TARGET_BYTES = 6 * 1024
RUNS = 15
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# When, after navigation start, the first message is in the page, and DOMContentLoaded.
TIMING = """
window.__rf = {};
new MutationObserver((_, observer) => {
  if (document.querySelector(".readerfund-host")) {
    window.__rf.message = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
document.addEventListener("DOMContentLoaded", () => { window.__rf.dcl = performance.now(); });
window.__shift = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries())
  if (!e.hadRecentInput) window.__shift += e.value; })
  .observe({type: "layout-shift", buffered: true});
"""


def embed_weight() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readerfund.test_settings")
    import django

    django.setup()
    from readerfund.campaigns.playbook import EMBED_SOURCE, EMBED_STYLES, embed_code

    served = len(gzip.compress(embed_code().encode(), 9))
    readable = len(gzip.compress(EMBED_SOURCE.read_bytes(), 9)) + len(
        gzip.compress(EMBED_STYLES.read_bytes(), 9)
    )
    report("embed weight, JS+CSS as served (gzip)", served, "bytes", "target", TARGET_BYTES)
    report("embed weight, JS+CSS as served (gzip)", served, "bytes", "readable source", readable)


class _Article(http.server.SimpleHTTPRequestHandler):
    """A long article on another origin, as a newsroom's CMS would serve it."""

    def __init__(self, *args: object, body: bytes, **kwargs: object) -> None:
        self.body = body
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def host_site(readerfund_url: str) -> Iterator[str]:
    paragraphs = "".join(f"<p>Paragraph {n} of a long article. " * 12 + "</p>" for n in range(30))
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article</title>
<meta name="viewport" content="width=device-width">
<meta name="readerfund:page-type" content="article"></head><body>
<header><h1>A newsroom</h1></header><main><h2>An article</h2>{paragraphs}
<div data-readerfund-slot="ask"></div><aside><h3>Read more</h3><p>Links</p></aside></main>
<script src="{readerfund_url}/embed.js" defer></script></body></html>""".encode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Article, body=body))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _visit(browser: Browser, url: str, origin: str, context: object = None) -> dict[str, object]:
    own = context is None
    ctx = browser.new_context() if own else context
    page = ctx.new_page()  # type: ignore[attr-defined]
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.add_init_script(TIMING)
    page.goto(url)
    page.wait_for_function("() => document.documentElement.dataset.readerfund === 'ready'")
    page.wait_for_function("() => window.__rf.dcl && window.__rf.message")
    timing = page.evaluate("() => window.__rf")
    shift = page.evaluate("() => window.__shift")
    page.close()
    if own:
        ctx.close()  # type: ignore[attr-defined]
    ours = [u for u in seen if u.startswith(origin) and "/api/events" not in u]
    return {"to_show": ours, "message_ms": timing["message"], "dcl_ms": timing["dcl"],
            "shift": shift}  # fmt: skip


def browser_figures() -> None:
    with (
        production_server() as server,
        host_site(server.url) as host,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        article = host + "/article"
        # a reader's first article (banner), then a second one (banner and ask)
        context = browser.new_context()
        first = _visit(browser, article, server.url, context)
        repeat = _visit(browser, article, server.url, context)
        context.close()
        print(f"first visit asks readerfund for: {first['to_show']}")
        print(f"repeat visit asks readerfund for: {repeat['to_show']}")
        report("requests to show messages, first visit", len(first["to_show"]), "req",  # type: ignore[arg-type]
               "target", 2)  # fmt: skip
        report("requests to show messages, repeat visit", len(repeat["to_show"]), "req",  # type: ignore[arg-type]
               "target", 1)  # fmt: skip
        shifts = []
        first_ms, repeat_ms, dcl_ms = [], [], []
        for _ in range(RUNS):
            context = browser.new_context()
            one = _visit(browser, article, server.url, context)
            two = _visit(browser, article, server.url, context)
            context.close()
            first_ms.append(one["message_ms"])
            repeat_ms.append(two["message_ms"])
            dcl_ms.append(two["dcl_ms"])
            shifts += [one["shift"], two["shift"]]
        report("cumulative layout shift, worst of runs", max(shifts), "CLS", "target", 0.0)  # type: ignore[type-var, arg-type]
        report("navigation → first message, 1st visit", median(first_ms), "ms",  # type: ignore[arg-type]
               "navigation → DOMContentLoaded", median(dcl_ms))  # type: ignore[arg-type]  # fmt: skip
        report("navigation → first message, repeat visit", median(repeat_ms), "ms",  # type: ignore[arg-type]
               "navigation → DOMContentLoaded", median(dcl_ms))  # type: ignore[arg-type]  # fmt: skip
        browser.close()


def run() -> None:
    embed_weight()
    browser_figures()
