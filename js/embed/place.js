/* Where messages go, without getting in the way: the banner and the header notice share one
   panel docked at the bottom of the window (never over the host's masthead and navigation;
   at most 15 % of a phone's height, 20 % of a desktop's) unless the host reserved a place
   with data-readerfund-slot="banner" (or "header"): then they sit there, unpinned. The ask
   goes to its slot or after data-ask-after. Nothing is inserted where it would move
   anything in view: layout shift stays at zero. */

import { script } from "./page.js";

let sheet;
// A custom element with an open shadow root, styled by the embed's one stylesheet (embed.css,
// minified into the bundle as STYLES by js/build.mjs).
export const hostCreate = (name) => {
  const host = document.createElement("readerfund-message");
  host.className = "readerfund-host readerfund-" + name;
  if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(STYLES);
  host.attachShadow({ mode: "open" }).adoptedStyleSheets = [sheet];
  // Where the keyboard came from, to return there when a message closes.
  host.addEventListener("focusin", (event) => {
    if (event.relatedTarget && !host.contains(event.relatedTarget)) host.cameFrom = event.relatedTarget;
  });
  return host;
};

// Removes a message; the focus, if it was inside, goes back where it came from, else to the
// next message in the same panel.
export const messageClose = (host, box) => {
  const focused = host.shadowRoot.activeElement;
  box.remove();
  const rest = host.shadowRoot.querySelector("a");
  if (!rest) {
    host.remove();
    host.room?.remove();
  }
  if (focused) (host.cameFrom?.isConnected ? host.cameFrom : rest)?.focus();
};

// Calls fn once, when an observation of element passes test.
export const watch = (element, test, fn, options) => {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some(test)) {
      observer.disconnect();
      fn();
    }
  }, options);
  observer.observe(element);
};

// Inserts by insert() only while nothing in view lies below the place (the place itself may
// be in view): the first rendered in-flow element after it starts below the viewport; else
// waits for that. IntersectionObserver says when to look (after painting, so after a scroll
// to a #fragment); the element is measured again then, as the page is at that moment (the
// observation may be a frame old on a busy device).
export const placeWithoutShift = (place, insert) => {
  for (let node = place; node; node = node.parentElement) {
    for (let next = node.nextElementSibling; next; next = next.nextElementSibling) {
      if (next.getClientRects().length && getComputedStyle(next).position !== "fixed") {
        return watch(next, () => next.getBoundingClientRect().top >= innerHeight, insert);
      }
    }
  }
  insert();
};

// The ask's place: its slot, else after the element the script tag names.
export const askPlace = () => {
  try {
    return document.querySelector("[data-readerfund-slot=ask]") || document.querySelector(script.dataset.askAfter);
  } catch {} // data-ask-after is not a valid selector: no place, no ask
};

// The ask's message goes into its slot, else right after its place.
export const askInsert = (place, host) => {
  if (place.dataset.readerfundSlot) place.append(host);
  else place.after(host);
  return host;
};

// The banner's and notice's panel: in the host's slot, unpinned (the host reserved its room),
// else docked.
export const topPlace = (host) => {
  const slot = document.querySelector("[data-readerfund-slot=banner],[data-readerfund-slot=header]");
  if (slot) return slot.append(host);
  host.classList.add("readerfund-docked");
  // Room at the end of the page as tall as the panel, so that the page's last lines (an ask's
  // buttons) can scroll clear of it; added below everything, it moves nothing.
  const room = document.createElement("div");
  document.body.append(host, room);
  room.style.height = host.offsetHeight + "px";
  host.room = room;
};
