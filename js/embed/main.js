/* readerfund embed (docs/embed.md). Served as one file, /embed.js: this bundle with the
   compiled playbook in its place (page.js). The page view: read the page and the device's
   state, decide, place and draw the messages, count anonymously. */

import { CHANNELS, DAY, articleCount, explain, isSupporter, marksFor, select } from "./decide.js";
import { eventsStart, flush, track } from "./events.js";
import { get, labels, languageSet, link, locale, money, playbook } from "./page.js";
import { askInsert, askPlace, hostCreate, messageClose, placeWithoutShift, topPlace, watch } from "./place.js";
import { previewApply, previewFetch, previewToken } from "./preview-hook.js";
import { el, messageRender } from "./render.js";
import { stateHide, stateOpen, stateSave, stateShown, supporterMarked } from "./state.js";

// What the page says of itself: the JSON in #readerfund-context, else its meta tags.
const pageContext = () => {
  let given = {};
  try {
    given = JSON.parse(document.getElementById("readerfund-context").textContent) || {};
  } catch {} // no context block, or not JSON: the meta tags say the rest
  const meta = (name) => document.querySelector(`meta[name="readerfund:${name}"]`)?.content;
  return {
    lang: given.lang || document.documentElement.lang,
    section: given.section || meta("section"),
    tags: given.tags || meta("tags")?.split(",").map((tag) => tag.trim()) || [],
    // A page that says nothing of itself but has a place for an ask is an article.
    pageType: given.pageType || meta("page-type") ||
      (document.querySelector('meta[property="og:type"]')?.content === "article" || askPlace() ? "article" : "other"),
    // the layout viewport's width, as the CSS breakpoints see it (not pinch zoom)
    device: innerWidth < 640 ? "mobile" : innerWidth < 1024 ? "tablet" : "desktop",
  };
};

// The control slice sees no message: the site's own links to the give page carry the
// campaign with variant "_holdout", so its gifts count for the control (docs/experiments.md).
const holdoutTag = (campaign, channel) => {
  const page = (address) => address.split(/[?#]/)[0];
  const give = page(link(campaign.variants[0].cta.url));
  for (const anchor of document.links) {
    if (page(anchor.href) === give && !anchor.search.includes("rf_campaign=")) {
      anchor.href = link(anchor.href, { rf_campaign: campaign.id, rf_variant: "_holdout", rf_channel: channel });
    }
  }
};

function run() {
  const now = Math.floor(Date.now() / 1000);
  const preview = previewToken();
  const state = stateOpen(now, preview);
  const context = pageContext();
  context.supporter = supporterMarked(state);
  if (context.pageType === "article") state.views.push(Math.floor(now / DAY)); // before deciding
  stateSave(state);
  eventsStart(preview);
  languageSet(context.lang);

  // Placeholder values: the server computes the gap (never negative) and the percentage
  // (whole, may pass 100); goalPercent is a number, the copy adds "%".
  const goal = playbook.goal;
  const goalValues = goal?.target > 0 ? { goalTarget: money(goal.target, goal.currency),
    goalRaised: money(goal.raised, goal.currency), goalGap: money(goal.gap, goal.currency),
    goalPercent: goal.percent } : {};

  const draw = (host, campaign, variant, channel) => {
    const values = { ...goalValues, articleCount: articleCount(state, campaign.targeting.articleCount.days, now) };
    const box = messageRender(campaign, variant, channel, values, marksFor(playbook, variant, context.country), (type) => {
      track(campaign, variant, channel, type);
      if (type === "click") return flush(); // a click navigates: beacons outlive it
      stateHide(state, campaign, type);
      if (type === "dismiss") return messageClose(host, box);
      const done = el("p", { role: "status", tabindex: -1 }, labels.later);
      box.replaceChildren(done);
      done.focus();
      // The email reminder form (remind.js) loads on demand, after the reader asks.
      window.readerfund.remind = { box, campaign: campaign.id, variant: variant.id, lang: locale };
      document.head.append(el("script", { src: link(playbook.endpoints.remindScript) }));
    });
    host.shadowRoot.append(box);
    // seen: half of it in view
    watch(box, (entry) => entry.intersectionRatio >= 0.5, () => track(campaign, variant, channel, "impression"),
      { threshold: 0.5 });
  };

  const show = (picked) => {
    if (!("adoptedStyleSheets" in document)) return;
    let top; // the banner and the header notice share one panel
    for (const channel of CHANNELS) {
      const { campaign, variant } = picked[channel] || {};
      if (!campaign) continue;
      if (!variant) holdoutTag(campaign, channel);
      // Caps count what is shown, and the control's decisions alike; a preview counts nothing.
      // host() makes the message's host only when there is a message: the control gets no
      // empty host, and no docked panel.
      const reveal = (host) => {
        if (!preview) stateShown(state, campaign, variant);
        if (variant) draw(host(), campaign, variant, channel);
        else track(campaign, variant, channel, "impression");
      };
      if (channel !== "ask") {
        reveal(() => (top ||= hostCreate("top")));
        continue;
      }
      // The ask (or, in the control, its impression) once the reader reaches its place, as
      // the page is now (a page's own script may have replaced it since the page view began).
      const place = askPlace();
      if (place) placeWithoutShift(place, () => reveal(() => askInsert(place, hostCreate("ask"))));
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
  // The country, asked at most once a day and only where it changes what a reader sees.
  const geo = playbook.needsCountry && !(now - state.geo?.at < DAY) && get(playbook.endpoints.geo)
    .then((answer) => {
      state.geo = { country: answer.country, at: now };
      stateSave(state);
    })
    .catch(() => {});
  Promise.all([preview && previewFetch(preview), geo])
    .then(([answer]) => decide(answer));
}

// Once per page, even when the host includes the script twice.
if (!window.readerfund) {
  window.readerfund = { version: 3, select, explain, isSupporter, marksFor };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
}
