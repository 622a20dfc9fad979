/* readerfund preview panel. The embed loads it on a signed preview link from the admin
   (`#readerfund-preview=<token>`) after setting window.readerfund.debug = {playbook, context,
   state, now, preview}, where preview is the previewed campaign or {error}. An editor's tool:
   it explains, for this page view, why each live campaign shows or not. Nothing is sent
   anywhere except the request for its own stylesheet (preview.css, next to this file). */
(() => {
  const rf = window.readerfund;
  const debug = rf?.debug;
  if (!debug || !rf.explain || document.querySelector("readerfund-preview")) return;
  const script = document.currentScript;
  const { playbook, context: ctx, state, now, preview } = debug;
  const DAY = 86400;
  const CHANNELS = ["header", "banner", "ask"];
  // Used only when preview.css cannot be fetched (e.g. static files served without CORS).
  const FALLBACK = ".panel{position:fixed;right:8px;top:8px;z-index:2147483647;" +
    "max-width:min(36rem,calc(100vw - 16px));max-height:60vh;overflow:auto;padding:8px;" +
    "background:#fff;color:#111;border:2px solid #111;font:13px/1.4 system-ui,sans-serif}";

  const h = (tag, attrs, ...children) => {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (/^on/.test(name)) el.addEventListener(name.slice(2), value);
      else if (value != null) el.setAttribute(name, value);
    }
    el.append(...children.filter((child) => child != null && child !== false));
    return el;
  };
  const list = (items) => (items?.length ? items.join(", ") : "none");
  const pairs = (entries) => h("dl", {}, ...entries.flatMap(([term, value]) =>
    [h("dt", {}, term), h("dd", {}, String(value))]));
  const read = (days) =>
    (state.views || []).filter((day) => day > Math.floor(now / DAY) - days).length;

  const campaigns = playbook.campaigns || [];
  const rows = rf.explain(playbook, ctx, state, now);
  const picked = rf.select(playbook, ctx, state, now);
  const forced = preview && !preview.error ? preview : null;

  const previewed = () => {
    if (!forced) {
      return h("p", { class: "error", role: "alert" },
        "The preview failed: " + (preview?.error || "no answer") + ". Nothing is forced on this page.");
    }
    const variant = forced.variants?.[0];
    // What its own rules say, had it not been forced.
    const own = rf.explain({ campaigns: [forced] }, ctx, state, now)[0];
    const place = forced.channel !== "ask" || document.querySelector("[data-readerfund-slot=ask]") ||
      document.querySelector("script[data-ask-after]");
    return h("div", {},
      pairs([["Campaign", forced.id], ["Variant", variant?.id ?? "none"], ["Channel", forced.channel],
        ["Its own rules", own.matched ? "match this page view" : "fail: " + list(own.reasons)]]),
      !place && h("p", { class: "error" },
        "This page has no place for an ask (no data-readerfund-slot=\"ask\" element and no " +
        "data-ask-after on the script tag), so nothing shows."),
      h("p", { class: "note" },
        "Shown whatever its targeting, schedule and frequency say. Nothing is counted or stored."));
  };

  const context = () => {
    const country = ctx.country ||
      (playbook.needsCountry ? "unknown" : "not looked up (no campaign targets countries)");
    return pairs([
      ["Country", country],
      ["Language", ctx.lang || "unknown"],
      ["Section", ctx.section || "none"],
      ["Tags", list(ctx.tags)],
      ["Page type", ctx.pageType],
      ["Device", ctx.device],
      ["Supporter", ctx.supporter ? "yes" : "no"],
      ["Article count", `${read(30)} in the last 30 days, ${read(90)} in 90`],
      ["Time", new Date(now * 1000).toISOString().replace(/\.000Z$/, "Z")],
    ]);
  };

  const winner = (row) => {
    const pick = picked[row.channel];
    if (pick?.campaign.id !== row.id) return "no";
    if (forced?.channel === row.channel && forced.id !== row.id) return "yes, replaced by the preview";
    return pick.control ? "yes, but this reader is in its control group (sees nothing)" :
      "yes, variant " + pick.variant?.id;
  };

  const table = () => {
    if (!campaigns.length) return h("p", {}, "No live campaigns.");
    const cell = (text) => h("td", {}, text);
    return h("table", {},
      h("caption", {}, "Live campaigns on this page view"),
      h("thead", {}, h("tr", {}, ...["Campaign", "Channel", "Matched", "Failing rules", "Winner"]
        .map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, ...rows.map((row) => h("tr", {
        class: row.matched ? "yes" : "no",
        "data-campaign": row.id,
      },
      h("th", { scope: "row" }, row.id, row.id === forced?.id && h("span", { class: "tag" }, " (previewed)")),
      cell(CHANNELS.includes(row.channel) ? row.channel : `${row.channel} (unknown)`),
      cell(row.matched ? "yes" : "no"),
      cell(row.reasons.length ? row.reasons.join(", ") : "—"),
      cell(winner(row))))));
  };

  const render = (css) => {
    const host = h("readerfund-preview", {});
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    const root = host.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [sheet];
    const close = () => host.remove();
    // Scrolls when long: focusable, so that the keyboard can scroll it too.
    const details = h("div", { id: "details", class: "scroll", tabindex: 0, role: "group",
      "aria-label": "Preview details" },
    h("section", { class: "previewed" }, h("h3", {}, "Previewed"), previewed()),
    h("section", {}, h("h3", {}, "Reader on this page"), context()),
    h("section", {}, h("h3", {}, "Campaigns"), table()));
    // Collapsed, the panel leaves the page visible under it (the ask, on a small screen).
    const toggle = h("button", { type: "button", class: "toggle", "aria-expanded": "true",
      "aria-controls": "details", onclick: () => {
        details.hidden = !details.hidden;
        toggle.setAttribute("aria-expanded", !details.hidden);
      } }, "Details");
    const panel = h("aside", {
      class: "panel",
      role: "complementary",
      "aria-label": "readerfund preview",
      onkeydown: (event) => event.key === "Escape" && close(),
    },
    h("header", {},
      h("h2", {}, "readerfund preview"),
      toggle,
      h("button", { type: "button", class: "x", "aria-label": "Close the preview panel", onclick: close },
        "×")),
    details);
    root.append(panel);
    document.body.append(host);
  };

  const start = () => {
    const href = new URL("preview.css", script?.src || location.href).href;
    fetch(href, { credentials: "omit" })
      .then((response) => (response.ok ? response.text() : FALLBACK))
      .catch(() => FALLBACK)
      .then(render);
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
