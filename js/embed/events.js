/* Anonymous counts (impression, click, dismiss, snooze of campaign × variant × channel),
   batched and sent with sendBeacon when the page is hidden, after 2 s or at 20 (so a batch
   never holds more). A batch is a JSON list of [campaign, variant, channel, type]
   (readerfund/events/services.py). A string body is text/plain: no CORS preflight. */

import { link, playbook } from "./page.js";

const queue = [];
let timer;
let quiet; // an editor's preview counts nothing

export const flush = () => {
  clearTimeout(timer);
  timer = 0;
  if (queue.length) navigator.sendBeacon(link(playbook.endpoints.events), JSON.stringify(queue.splice(0)));
};

export const eventsStart = (preview) => {
  quiet = preview;
  document.addEventListener("visibilitychange", () => document.hidden && flush());
};

// No variant (null in the batch): the reader is in the campaign's control group.
export const track = (campaign, variant, channel, type) => {
  if (quiet) return;
  queue.push([campaign.id, variant?.id, channel, type]);
  if (queue.length > 19) flush();
  else timer ||= setTimeout(flush, 2000);
};
