/* The device's own history (localStorage["readerfund"], docs/embed.md): counts, views,
   dismissals, snoozes, the country answer and the supporter mark. Kept in memory when
   localStorage fails, and never written during an editor's preview. */

import { DAY, isSupporter } from "./decide.js";

// #readerfund-<key>=<value> in the address, also after a page's own fragment (null if
// absent): a fragment never reaches any server. The values, signed tokens, are URL-safe.
export const addressParam = (key) =>
  new URLSearchParams(location.hash.replace(/[#?]/g, "&")).get("readerfund-" + key);

const stateRead = () => {
  try {
    const state = JSON.parse(localStorage.readerfund);
    if (typeof state.seed === "string") return state;
  } catch {}
  return { seed: crypto.getRandomValues(new Uint32Array(4)).join("-") }; // 128 random bits
};

// Well-formed, capped, nothing expired or older than 90 days.
const statePrune = (state, now) => {
  const old = now - 90 * DAY;
  const entries = (object) => Object.entries(object?.constructor === Object ? object : {});
  const until = (object) => Object.fromEntries(entries(object).filter(([, time]) => time > now));
  state.views = [].concat(state.views || []).filter((day) => day * DAY > old).slice(-500);
  state.shown = Object.fromEntries(entries(state.shown)
    .map(([id, times]) => [id, [].concat(times).filter((time) => time > old).slice(-50)])
    .filter(([, times]) => times.length));
  state.assigned = Object.fromEntries(entries(state.assigned).slice(-50));
  state.dismissed = until(state.dismissed);
  state.snoozed = until(state.snoozed);
  if (!(state.geo?.at > old)) delete state.geo;
  if (!(isSupporter(state.supporter, now))) delete state.supporter;
  return state;
};

let readOnly;
// The device's state for this page view. `preview`: an editor's, which stores nothing.
export const stateOpen = (now, preview) => {
  readOnly = preview;
  return statePrune(stateRead(), now);
};

export const stateSave = (state, now) => {
  if (!readOnly) try {
    localStorage.readerfund = JSON.stringify(statePrune(state, now));
  } catch {}
};

// The supporter mark: a token handed over in the address after a gift (the fragment is
// removed at once), kept while it has not expired.
export const supporterMarkTake = (state, now) => {
  const token = addressParam("supporter");
  if (token == null) return;
  if (isSupporter(token, now)) state.supporter = token;
  try {
    history.replaceState(history.state, "", location.pathname + location.search);
  } catch {}
};

// Or the mark readerfund set as a cookie on the domain it shares with this site (reading
// cookies throws in a sandboxed or opaque-origin document).
export const supporterMarked = (state, now) => {
  let cookie;
  try {
    cookie = document.cookie.match(/(?:^|; )readerfund_supporter=([^;]+)/)?.[1];
  } catch {}
  return isSupporter(state.supporter, now) || isSupporter(cookie, now);
};

// "dismiss" or "snooze": the campaign stays hidden for its dismissDays or snoozeDays.
export const stateHide = (state, campaign, type) => {
  const time = Math.floor(Date.now() / 1000);
  state[type === "dismiss" ? "dismissed" : "snoozed"][campaign.id] =
    time + (campaign.frequency?.[type + "Days"] || 0) * DAY;
  stateSave(state, time);
};

// Caps count renders, and control decisions (so the holdout ages alike).
// A variant shown is kept for the device (decide.js pickVariant).
export const stateShown = (state, campaign, now, variant) => {
  state.shown[campaign.id] = [...(state.shown[campaign.id] || []), now];
  if (variant) state.assigned[campaign.id] = [variant.id, campaign.round || 0];
  stateSave(state, now);
};
