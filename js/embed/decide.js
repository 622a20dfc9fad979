/* What a page view shows: pure functions of (playbook, page context, device state, now in
   unix seconds). Exposed as window.readerfund.select / explain for tests and the preview. */

export const DAY = 86400;
export const CHANNELS = ["header", "banner", "ask"]; // header above banner

// FNV-1a 32-bit, mixed by murmur3's finalizer so that similar inputs spread.
export const hash = (text) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

// Only v and exp: a forged token hides asks from its forger alone.
export const isSupporter = (token, now) => {
  try {
    const [payload, signature] = token.split(":");
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    return !!signature && claims.v === 1 && claims.exp > now;
  } catch {
    return false;
  }
};

const anyOf = (list, value) => !list?.length || list.includes(value);
const fits = (rule, values) =>
  (!rule?.include?.length || values.some((value) => rule.include.includes(value))) &&
  !values.some((value) => rule?.exclude?.includes(value));

export const articleCount = (state, days, now) =>
  (state.views || []).filter((day) => day > Math.floor(now / DAY) - (days || 90)).length;

// A device keeps the variant it was first shown (state.assigned) until the editor starts a
// new round; otherwise a fixed point of its seed falls into the weights' intervals.
const pickVariant = (campaign, state) => {
  const variants = (campaign.variants || []).filter((variant) => (variant.weight ?? 1) > 0);
  const [kept, round] = state.assigned?.[campaign.id] || [];
  const mine = round === (campaign.round || 0) && variants.find((variant) => variant.id === kept);
  if (mine) return mine;
  let rest = (hash(state.seed + campaign.id + ":v") / 2 ** 32) *
    variants.reduce((sum, variant) => sum + (variant.weight ?? 1), 0);
  return variants.find((variant) => (rest -= variant.weight ?? 1) < 0) || variants[variants.length - 1];
};

// Every campaign with the names of the rules it fails.
export function explain(playbook, context, state, now) {
  const supporter = context.supporter ?? isSupporter(state.supporter, now);
  const lang = context.lang?.toLowerCase() + "-";
  return (playbook.campaigns || []).map((campaign) => {
    const targeting = campaign.targeting || {};
    const frequency = campaign.frequency || {};
    const count = targeting.articleCount || {};
    const read = articleCount(state, count.days, now);
    const shown = state.shown?.[campaign.id] || [];
    const variant = pickVariant(campaign, state);
    const ok = {
      schedule: !(now < Date.parse(campaign.start) / 1000 || now >= Date.parse(campaign.end) / 1000),
      countries: fits(targeting.countries, [context.country?.toUpperCase()]),
      languages: !targeting.languages?.length ||
        targeting.languages.some((code) => lang.startsWith(code.toLowerCase() + "-")),
      sections: fits(targeting.sections, [context.section]),
      tags: fits(targeting.tags, context.tags || []),
      pageTypes: anyOf(targeting.pageTypes, context.pageType),
      articleCount: read >= (count.min || 0) && (count.max == null || read <= count.max),
      supporters: targeting.supporters !== (supporter ? "non-supporters" : "supporters"),
      devices: anyOf(targeting.devices, context.device),
      maxViews: frequency.maxViews == null ||
        shown.filter((time) => time > now - (frequency.perDays ?? 90) * DAY).length < frequency.maxViews,
      minDaysBetween: !(now - shown[shown.length - 1] < frequency.minDaysBetween * DAY),
      dismissed: !(state.dismissed?.[campaign.id] > now),
      snoozed: !(state.snoozed?.[campaign.id] > now),
      variant: !!variant,
    };
    const reasons = Object.keys(ok).filter((rule) => !ok[rule]);
    const control = hash(state.seed + campaign.id) % 10000 < (campaign.controlShare || 0) * 100;
    return { id: campaign.id, channel: campaign.channel, matched: !reasons.length, reasons, control,
      variant: variant?.id };
  });
}

// Per channel the first matching campaign of top priority; its control group sees nothing.
export function select(playbook, context, state, now) {
  const picked = { banner: null, header: null, ask: null };
  explain(playbook, context, state, now).forEach((row, i) => {
    const campaign = playbook.campaigns[i];
    const best = picked[row.channel];
    if (!row.matched || best?.campaign.priority >= campaign.priority) return;
    picked[row.channel] = row.control
      ? { campaign, control: true }
      : { campaign, variant: pickVariant(campaign, state) };
  });
  return picked;
}

// The payment marks an ask shows: those of the methods this reader's checkout offers
// (playbook.methods, per country, "*" for any other), in the checkout's order; a variant
// that lists marks narrows them (it can never add one).
export const marksFor = (playbook, variant, country) => {
  const methods = playbook.methods || {};
  const offered = methods[country] || methods["*"] || [];
  const wanted = variant.paymentMarks || [];
  return offered.filter((mark) => wanted.includes(mark));
};
