/* readerfund embed (docs/embed.md). Served as one file, /embed.js: this bundle with the
   compiled playbook in place of __READERFUND_PLAYBOOK__. The page view: read the page and the device's
   state, decide, place and draw the messages, count anonymously. */

import { CHANNELS, DAY, articleCount, explain, isSupporter, marksFor, select } from "./decide.js";
import { eventsStart } from "./events.js";
import { askPlace, hostCreate, messageClose, onView, placeWithoutShift, topPlace } from "./place.js";
import { previewApply, previewFetch, previewToken } from "./preview-hook.js";
import { el, messageRender } from "./render.js";
import { stateHide, stateOpen, stateSave, stateShown, supporterMarkTake, supporterMarked } from "./state.js";

// The server puts the compiled playbook, as JSON, in place of this name.
const playbook = __READERFUND_PLAYBOOK__;
const script = document.currentScript; // set only during this synchronous run

// Endpoints and CTA links may be paths on the readerfund server, where this script comes from.
const link = (path, params = {}) => {
  const address = new URL(path, script?.src || location.href);
  for (const key in params) address.searchParams.set(key, params[key]);
  return address.href;
};

const pageContext = () => {
  let given = {};
  try {
    given = JSON.parse(document.getElementById("readerfund-context").textContent) || {};
  } catch {}
  const meta = (attr) => document.querySelector(`meta[${attr}]`)?.content;
  const pageType = given.pageType || meta('name="readerfund:page-type"') ||
    (meta('property="og:type"') === "article" ? "article" : null);
  return {
    lang: given.lang || document.documentElement.lang,
    section: given.section || meta('name="readerfund:section"'),
    tags: given.tags || meta('name="readerfund:tags"')?.split(",").map((tag) => tag.trim()) || [],
    // A page that says nothing of itself but has a place for an ask is an article.
    pageType: pageType || (askPlace(script) ? "article" : "other"),
    // as the CSS breakpoints see the viewport (not pinch zoom)
    device: matchMedia("(max-width:639.98px)").matches ? "mobile"
      : matchMedia("(max-width:1023.98px)").matches ? "tablet" : "desktop",
  };
};

function run() {
  const now = Math.floor(Date.now() / 1000);
  const preview = previewToken();
  const state = stateOpen(now, preview);
  const context = pageContext();
  supporterMarkTake(state, now);
  context.supporter = supporterMarked(state, now);
  if (context.pageType === "article") state.views.push(Math.floor(now / DAY)); // before deciding
  stateSave(state, now);
  const events = eventsStart(() => link(playbook.endpoints.events), preview);

  let locale; // the page's language tag, canonical (undefined if not a valid tag)
  try {
    locale = Intl.getCanonicalLocales(context.lang)[0];
  } catch {}
  // Labels in the page's language ("ru" for "ru-RU"), else English.
  const labels = playbook.strings[locale?.split("-")[0]] || playbook.strings.en;
  // Whole amounts without decimals ("$5", "$2.50").
  const money = (minor, currency) => {
    const format = new Intl.NumberFormat(locale, { style: "currency", currency, trailingZeroDisplay: "stripIfInteger" });
    return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
  };
  // Placeholder values: the server computes the gap (never negative) and the percentage
  // (whole, may pass 100); goalPercent is a number, the copy adds "%".
  const goal = playbook.goal;
  const goalValues = goal?.target > 0 ? { goalTarget: money(goal.target, goal.currency),
    goalRaised: money(goal.raised, goal.currency), goalGap: money(goal.gap, goal.currency),
    goalPercent: goal.percent } : {};

  let top; // the banner and the header notice share one panel
  const draw = (host, campaign, variant, channel) => {
    const track = (type) => events.track(campaign, variant, channel, type);
    const box = messageRender(campaign, variant, channel, {
      labels, money, link,
      values: { ...goalValues, articleCount: articleCount(state, campaign.targeting?.articleCount?.days, now) },
      marks: marksFor(playbook, variant, context.country),
      track: (type) => {
        track(type);
        events.flush(); // a click navigates: beacons outlive it
      },
      close: () => {
        stateHide(state, campaign, "dismiss");
        track("dismiss");
        messageClose(host, box);
      },
      secondary: (box, kind) => {
        stateHide(state, campaign, kind === "dismiss" ? "dismiss" : "snooze");
        track(kind === "dismiss" ? "dismiss" : "snooze");
        if (kind === "dismiss") return messageClose(host, box);
        const done = el("p", { role: "status", tabindex: -1 }, labels.later);
        box.replaceChildren(done);
        done.focus();
        // The email reminder form (remind.js) loads on demand, after the reader asks.
        window.readerfund.remind = { box, campaign: campaign.id, variant: variant.id, lang: locale };
        document.head.append(el("script", { src: link(playbook.endpoints.remindScript) }));
      },
    });
    host.shadowRoot.append(box);
    onView(box, 0.5, () => track("impression"));
  };

  // The control slice sees no message: the site's own links to the give page carry the
  // campaign with variant "_holdout", so its gifts count for the control (docs/experiments.md).
  const holdoutTag = (campaign, channel) => {
    const give = new URL(link(campaign.variants[0].cta.url));
    for (const anchor of document.querySelectorAll("a[href]")) {
      const target = new URL(anchor.href, location.href);
      if (target.origin !== give.origin || target.pathname !== give.pathname) continue;
      if (target.searchParams.has("rf_campaign")) continue;
      const tags = { rf_campaign: campaign.id, rf_variant: "_holdout", rf_channel: channel };
      for (const [key, value] of Object.entries(tags)) target.searchParams.set(key, value);
      anchor.href = target.href;
    }
  };

  const show = (picked) => {
    if (!("adoptedStyleSheets" in document)) return;
    for (const channel of CHANNELS) {
      const { campaign, variant } = picked[channel] || {};
      if (!campaign) continue;
      const impression = () => events.track(campaign, variant, channel, "impression");
      if (!variant) holdoutTag(campaign, channel);
      if (channel !== "ask") {
        if (!preview) stateShown(state, campaign, now, variant);
        if (!variant) impression();
        else draw((top ||= hostCreate("readerfund-top")), campaign, variant, channel);
        continue;
      }
      const place = askPlace(script);
      if (!place) continue;
      if (!variant) {
        // Control: counted when the reader reaches the place of the ask.
        if (!preview) stateShown(state, campaign, now);
        placeWithoutShift(place, impression);
        continue;
      }
      placeWithoutShift(place, () => {
        const host = hostCreate("readerfund-ask");
        draw(host, campaign, variant, channel);
        if (place.dataset.readerfundSlot) place.append(host);
        else place.after(host);
        if (!preview) stateShown(state, campaign, now, variant);
      });
    }
    if (top) topPlace(top);
  };

  const decide = (answer) => {
    context.country = state.geo?.country;
    const picked = select(playbook, context, state, now);
    const previewed = answer && previewApply(answer, picked);
    show(picked);
    document.documentElement.dataset.readerfund = "ready"; // decided: a hook for hosts, tests
    if (previewed) {
      window.readerfund.debug = { playbook, context, state, now, preview: previewed };
      document.head.append(el("script", { src: link(playbook.endpoints.previewScript) }));
    }
  };
  const get = (path, params) => fetch(link(path, params), { credentials: "omit" }).then((response) => response.json());
  const geo = playbook.needsCountry && !(now - state.geo?.at < DAY) && get(playbook.endpoints.geo)
    .then((answer) => {
      state.geo = { country: answer?.country || null, at: now };
      stateSave(state, now);
    })
    .catch(() => {});
  const asked = preview && previewFetch(get, playbook.endpoints.preview, preview);
  if (geo || asked) Promise.all([asked, geo]).then(([answer]) => decide(answer));
  else decide();
}

// Once per page, even when the host includes the script twice.
if (!window.readerfund) {
  window.readerfund = { version: 2, select, explain, isSupporter, marksFor };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
}
