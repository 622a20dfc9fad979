/* What a page view shows: pure functions of (playbook, page context, device state, now in
   unix seconds). Exposed as window.readerfund.select / explain for tests and the preview. */

export const DAY = 86400;
export const CHANNELS = ["header", "banner", "ask"]; // header above banner

// FNV-1a 32-bit, mixed by murmur3's finalizer so that similar inputs spread.
export const hash = (text) => {
  let h = 0x811c9dc5;
  // by character: seeds and campaign ids are ASCII, so each is one UTF-16 code unit
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 16777619);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

// "2.<expiry>:<signature>" (readerfund/core/supporter_token.py, VERSION 2), expiry in unix seconds (the digits compare as a number). Only
// the version and the expiry are checked: a forged token hides asks from its forger alone.
export const isSupporter = (token, now) => /^2\.(\d+):./.exec(token)?.[1] > now;

// Empty lists mean "any".
const anyOf = (list, values) => !list.length || values.some((value) => list.includes(value));
const fits = (rule, values) => anyOf(rule.include, values) && !values.some((value) => rule.exclude.includes(value));

export const articleCount = (state, days, now) =>
  state.views.filter((day) => day > Math.floor(now / DAY) - days).length;

// A device keeps the variant it was first shown (state.assigned) until the editor starts a
// new round; otherwise a fixed point of its seed falls into the weights' intervals.
const pickVariant = (campaign, state) => {
  const variants = campaign.variants;
  const [kept, round] = state.assigned[campaign.id] || [];
  let rest = (hash(state.seed + campaign.id + ":v") / 2 ** 32) *
    variants.reduce((sum, variant) => sum + variant.weight, 0);
  return (round === campaign.round && variants.find((variant) => variant.id === kept)) ||
    variants.find((variant) => (rest -= variant.weight) < 0) || variants.at(-1); // rounding
};

// Every campaign with the names of the rules it fails. The playbook leaves out an open bound
// (start, end, a maximum): a comparison with undefined is false, so !(value beyond it) holds.
export function explain(playbook, context, state, now) {
  const lang = context.lang.toLowerCase() + "-";
  return playbook.campaigns.map((campaign) => {
    const targeting = campaign.targeting;
    const frequency = campaign.frequency;
    const count = targeting.articleCount;
    const read = articleCount(state, count.days, now);
    const shown = state.shown[campaign.id] || [];
    const ok = {
      schedule: !(now < campaign.start || now >= campaign.end),
      countries: fits(targeting.countries, [context.country]),
      languages: !targeting.languages.length ||
        targeting.languages.some((code) => lang.startsWith(code + "-")),
      sections: fits(targeting.sections, [context.section]),
      tags: fits(targeting.tags, context.tags),
      pageTypes: anyOf(targeting.pageTypes, [context.pageType]),
      articleCount: read >= count.min && !(read > count.max),
      supporters: anyOf(targeting.supporters, [context.supporter]),
      devices: anyOf(targeting.devices, [context.device]),
      maxViews: !(shown.filter((time) => time > now - frequency.perDays * DAY).length >= frequency.maxViews),
      minDaysBetween: !(now - shown.at(-1) < frequency.minDaysBetween * DAY),
      dismissed: !(state.dismissed[campaign.id] > now),
      snoozed: !(state.snoozed[campaign.id] > now),
    };
    const reasons = Object.keys(ok).filter((rule) => !ok[rule]);
    const control = hash(state.seed + campaign.id) % 10000 < campaign.controlShare * 100;
    return { id: campaign.id, channel: campaign.channel, matched: !reasons.length, reasons, control,
      variant: pickVariant(campaign, state).id };
  });
}

// Per channel the first matching campaign (the playbook lists them highest priority first);
// its control group sees nothing.
export function select(playbook, context, state, now) {
  const picked = { banner: null, header: null, ask: null };
  explain(playbook, context, state, now).forEach((row, i) => {
    const campaign = playbook.campaigns[i];
    if (row.matched) {
      picked[row.channel] ||= row.control
        ? { campaign, control: true }
        : { campaign, variant: pickVariant(campaign, state) };
    }
  });
  return picked;
}

// The payment marks an ask shows: those of the methods this reader's checkout offers
// (playbook.methods, per country, "*" for any other), in the checkout's order; a variant
// that lists marks narrows them (it can never add one).
export const marksFor = (playbook, variant, country) => {
  const offered = playbook.methods[country] || playbook.methods["*"];
  return offered.filter((mark) => variant.paymentMarks.includes(mark));
};
