/* The device's own history (localStorage["readerfund"], docs/embed.md): views, shown
   times, variants kept, dismissals, snoozes, the country answer and the supporter mark.
   Kept in memory when localStorage fails, and never written during an editor's preview. */

import { DAY, isSupporter } from "./decide.js";

// #readerfund-<key>=<value> in the address, also after a page's own fragment (null if
// absent): a fragment never reaches any server. The values, signed tokens, are URL-safe.
export const addressParam = (key) =>
  new URLSearchParams(location.hash.replace(/[#?]/g, "&")).get("readerfund-" + key);

let now;
let readOnly;

// Capped, nothing expired or older than 90 days (throws on a malformed history).
const statePrune = ({ seed, views = [], shown = {}, assigned = {}, dismissed = {}, snoozed = {}, geo, supporter }) => {
  const old = now - 90 * DAY;
  const until = (times) => Object.fromEntries(Object.entries(times).filter(([, time]) => time > now));
  return {
    seed,
    views: views.filter((day) => day * DAY > old).slice(-500),
    shown: Object.fromEntries(Object.entries(shown)
      .map(([id, times]) => [id, times.filter((time) => time > old).slice(-50)])
      .filter(([, times]) => times.length)),
    assigned: Object.fromEntries(Object.entries(assigned).slice(-50)),
    dismissed: until(dismissed),
    snoozed: until(snoozed),
    geo: geo?.at > old ? geo : undefined,
    supporter: isSupporter(supporter, now) ? supporter : undefined,
  };
};

// The device's state for this page view; a malformed one starts afresh. `preview`: an
// editor's page view, which stores nothing.
export const stateOpen = (time, preview) => {
  now = time;
  readOnly = preview;
  try {
    const state = statePrune(JSON.parse(localStorage.readerfund));
    if (typeof state.seed === "string") return state;
  } catch {} // none yet, storage refused, or malformed: a fresh history
  return statePrune({ seed: crypto.getRandomValues(new Uint32Array(4)).join("-") }); // 128 random bits
};

export const stateSave = (state) => {
  if (!readOnly) try {
    localStorage.readerfund = JSON.stringify(statePrune(state));
  } catch {} // storage full or refused (private mode): the history lives for this page
};

// The supporter mark: a token handed over in the address after a gift (the fragment is
// removed at once), kept while it has not expired; or the mark readerfund set as a cookie
// on the domain it shares with this site (reading cookies throws in a sandboxed document).
export const supporterMarked = (state) => {
  const token = addressParam("supporter");
  let cookie;
  if (isSupporter(token, now)) state.supporter = token;
  try {
    // "a=1; b=2" read as "a=1&b=2": the mark, a signed token, is URL-safe
    cookie = new URLSearchParams(document.cookie.replace(/; /g, "&")).get("readerfund_supporter");
    if (token != null) history.replaceState(history.state, "", location.href.split("#")[0]);
  } catch {} // a sandboxed or opaque-origin document: no cookie to read, the address stays
  return isSupporter(state.supporter, now) || isSupporter(cookie, now);
};

// "dismiss" or "snooze": the campaign stays hidden for its dismissDays or snoozeDays.
export const stateHide = (state, campaign, type) => {
  state[type === "dismiss" ? "dismissed" : "snoozed"][campaign.id] = now + campaign.frequency[type + "Days"] * DAY;
  stateSave(state);
};

// Caps count renders, and control decisions (so the holdout ages alike).
// A variant shown is kept for the device (decide.js pickVariant).
export const stateShown = (state, campaign, variant) => {
  state.shown[campaign.id] = [...(state.shown[campaign.id] || []), now];
  if (variant) state.assigned[campaign.id] = [variant.id, campaign.round];
  stateSave(state);
};
