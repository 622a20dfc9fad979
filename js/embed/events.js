/* Anonymous counts (impression, click, dismiss, snooze of campaign × variant × channel),
   batched and sent with sendBeacon. A string body is text/plain: no CORS preflight. */

// endpoint(): the address, resolved when first sent.
export const eventsStart = (endpoint, quiet) => {
  const queue = [];
  let timer;
  const flush = () => {
    clearTimeout(timer);
    timer = 0;
    while (queue.length) navigator.sendBeacon(endpoint(), JSON.stringify({ events: queue.splice(0, 20) }));
  };
  addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => document.hidden && flush());
  // variant null: the reader is in the campaign's control group.
  const track = (campaign, variant, channel, type) => {
    if (quiet) return; // an editor's preview counts nothing
    queue.push({ campaign: campaign.id, variant: variant?.id ?? "_holdout", channel, type });
    if (queue.length >= 20) flush();
    else timer = timer || setTimeout(flush, 2000);
  };
  return { track, flush };
};
