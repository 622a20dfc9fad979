/* Drawing a message: a labelled region with its copy, call to action and, per channel, a
   close button (banner, header notice) or the gift options (ask), and the goal figure.
   An element whose data is missing is not drawn: no "null", "false" or stray 0 as text. */

import { labels, link, money } from "./page.js";

// A child without its data (null, false, "", 0) is left out. The one handler used, onclick,
// is set as a property; every other attribute as given.
export const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const name in attrs) {
    if (name === "onclick") node[name] = attrs[name];
    else node.setAttribute(name, attrs[name]);
  }
  node.append(...children.filter(Boolean));
  return node;
};

// null if a placeholder has no value (the server allows only known names): its element is
// left out. The server sends every text as a string ("" for none).
export const fill = (text, values) => {
  let missing;
  const out = text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? ((missing = 1), ""));
  return missing ? null : out;
};

// The copy's body: its top-level blocks (paragraphs, lists), sanitized by the server (only
// p, em, strong, a, ul, ol, li, br; only href) and shipped in the same file as this code.
// A block with a placeholder lacking its value is left out (fill's null joins as ""); the
// values are numbers and formatted money, never markup. Parsed inert (a template).
const copyBody = (blocks, values) => {
  const inert = el("template", {});
  inert.innerHTML = blocks.map((block) => fill(block, values)).join("");
  return inert.innerHTML && el("div", { class: "body" }, inert.content);
};

/* The message of `channel` for campaign × variant. values: the placeholders' values; marks:
   the payment marks to show; act(type): what the reader did, "click", "dismiss" (the × or
   a "no thanks") or "snooze" ("remind me later"). */
export const messageRender = (campaign, variant, channel, values, marks, act) => {
  const heading = fill(variant.heading, values);
  const highlight = fill(variant.highlight, values);
  // return_to: the page to come back to, whatever the host's Referrer-Policy
  const attribution = {
    rf_campaign: campaign.id, rf_variant: variant.id, rf_channel: channel,
    return_to: location.href.split("#")[0],
  };
  const region = (...children) =>
    el("div", { class: "m " + channel, role: "region", "aria-label": heading || variant.cta.label }, ...children);
  const cta = el("a", { class: "cta", href: link(variant.cta.url, attribution), onclick: () => act("click") },
    variant.cta.label);
  const close = el("button", { class: "x", "aria-label": labels.close, onclick: () => act("dismiss") }, "×");
  const title = heading && el("h2", {}, heading);
  const figure = variant.ticker && fill(labels.goal, values); // null without a goal
  const copy = [
    copyBody(variant.body, values),
    highlight && el("p", { class: "hl" }, highlight),
    // the ask's bar (a banner draws none; past 100 % it stays full): hidden from screen
    // readers, the text says it
    channel === "ask" && figure && el("progress", { max: 100, value: values.goalPercent, "aria-hidden": true }),
    // its line, where the copy does not state the figure (the server compiles tickerLine)
    variant.tickerLine && figure && el("p", { class: "tick" }, figure),
  ];

  if (channel === "header") {
    return region(el("p", { class: "in" }, heading && el("strong", {}, heading), highlight && el("span", {}, " " + highlight), " ", cta), close);
  }
  if (channel === "banner") {
    // Compact on a small screen (one line: heading, call to action, "more", close); the rest
    // opens on request, lifting the panel's cap.
    const more = el("button", { class: "open", "aria-expanded": false, onclick: () => {
      const opened = box.classList.toggle("opened");
      more.setAttribute("aria-expanded", opened);
      box.parentNode.host.classList.toggle("opened", opened); // the box's shadow root's host
    } }, labels.more);
    const box = region(el("div", { class: "in" }, title, el("div", { class: "more" }, ...copy),
      el("p", { class: "act" }, cta), more), close);
    return box;
  }

  // The ask: toggles for the frequencies and amounts the server compiled for the variant's
  // currency (in display order, variant.frequency preselected); the call to action carries
  // the choice.
  const amounts = variant.amounts;
  const frequencies = Object.keys(amounts);
  const price = (minor) => money(minor, variant.currency);
  const amountGroup = el("div", {});
  let frequency;
  // A group of toggle buttons, one pressed; a choice is passed to choose.
  const options = (name, list, pressed, label, choose) =>
    el("div", { class: "opts", role: "group", "aria-label": name }, ...list.map((choice) =>
      el("button", { "aria-pressed": choice === pressed, onclick() { // this: the button
        for (const button of this.parentNode.children) button.setAttribute("aria-pressed", button === this);
        choose(choice);
      } }, label(choice))));
  // The call to action carries the choice.
  const amountSet = (amount) => {
    cta.textContent = fill(labels.give[frequency], { amount: price(amount) });
    cta.href = link(variant.cta.url, { amount, frequency, currency: variant.currency, ...attribution });
  };
  const frequencySet = (chosen) => {
    frequency = chosen;
    const offered = amounts[chosen];
    amountSet(offered.default);
    amountGroup.replaceChildren(options(labels.amount, offered.choices, offered.default, price, amountSet));
  };
  if (variant.frequency) frequencySet(variant.frequency);
  const secondary = variant.secondary;
  return region(title, ...copy,
    frequencies[1] && options(labels.often, frequencies, frequency, (choice) => labels.freq[choice], frequencySet),
    frequency && amountGroup, el("p", {}, cta),
    // every mark has its label (test_playbook)
    marks[0] && el("ul", { class: "marks", "aria-label": labels.methods }, ...marks.map((mark) => el("li", {}, labels.marks[mark]))),
    secondary && el("button", { class: "sec", onclick: () => act(secondary.act) },
      secondary.label));
};
