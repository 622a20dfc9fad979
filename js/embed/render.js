/* Drawing a message: a labelled region with its copy, call to action and, per channel, a
   close button (banner, header notice) or the gift options (ask), and the goal figure.
   An element whose data is missing is not drawn: no "null", "false" or stray 0 as text. */

import { labels, link, money } from "./page.js";

// Only nodes and non-empty strings become children; anything else is left out.
export const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (/^on/.test(name)) node[name] = value;
    else if (value != null) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child instanceof Node || (typeof child === "string" && child)));
  return node;
};

// null if a placeholder has no value (the server allows only known names): its element is
// left out.
export const fill = (text, values) => {
  let missing;
  const out = String(text ?? "").replace(/\{(\w+)\}/g, (_, key) => values[key] ?? ((missing = 1), ""));
  return missing ? null : out;
};

// The copy's body, sanitized by the server (only p, em, strong, a, ul, ol, li, br; only
// href) and shipped in the same file as this code. Parsed inert (a template), its text
// filled; a top-level part with a placeholder lacking a value is left out.
const copyBody = (html, values) => {
  const inert = el("template", {});
  inert.innerHTML = html || "";
  const body = inert.content;
  for (const part of [...body.childNodes]) if (fill(part.textContent, values) == null) part.remove();
  for (const texts = document.createTreeWalker(body, NodeFilter.SHOW_TEXT); texts.nextNode();)
    texts.currentNode.data = fill(texts.currentNode.data, values);
  return body.childNodes.length ? el("div", { class: "body" }, body) : null;
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
    copyBody(variant.bodyHtml, values),
    highlight && el("p", { class: "hl" }, highlight),
    // The goal figure once per message: the ticker's line only where the copy has none.
    figure && !/\{goal/.test(variant.heading + variant.bodyHtml + variant.highlight) && el("p", { class: "tick" }, figure),
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
      box.getRootNode().host.classList.toggle("opened", opened);
    } }, labels.more);
    const box = region(el("div", { class: "in" }, title, el("div", { class: "more" }, ...copy),
      el("p", { class: "act" }, cta), more), close);
    return box;
  }

  // The ask: toggles for the frequencies and amounts the server compiled for the variant's
  // currency (in display order, variant.frequency preselected); the call to action carries
  // the choice.
  const amounts = variant.amounts || {};
  const frequencies = Object.keys(amounts);
  const price = (minor) => money(minor, variant.currency);
  const amountGroup = el("div", {});
  let frequency;
  let amount;
  const update = () => {
    cta.textContent = labels.give[frequency].replace("{amount}", price(amount));
    cta.href = link(variant.cta.url, { amount, frequency, currency: variant.currency, ...attribution });
  };
  // A group of toggle buttons, one pressed; a choice updates the call to action.
  const options = (name, list, pressed, label, choose) =>
    el("div", { class: "opts", role: "group", "aria-label": name }, ...list.map((choice) =>
      el("button", { "aria-pressed": choice === pressed, onclick: (event) => {
        for (const button of event.target.parentNode.children) button.setAttribute("aria-pressed", button === event.target);
        choose(choice);
        update();
      } }, label(choice))));
  const frequencySet = (chosen) => {
    frequency = chosen;
    amount = amounts[chosen].default;
    amountGroup.replaceChildren(options(labels.amount, amounts[chosen].choices, amount, price, (choice) => (amount = choice)));
  };
  if (amounts[variant.frequency]) {
    frequencySet(variant.frequency);
    update();
  }
  const secondary = variant.secondary;
  return region(title, copy[0], copy[1],
    figure && el("progress", { max: 100, value: Math.min(values.goalPercent, 100), "aria-hidden": true }),
    copy[2],
    frequencies[1] && options(labels.often, frequencies, frequency, (choice) => labels.freq[choice], frequencySet),
    frequency && amountGroup, el("p", {}, cta),
    marks[0] && el("ul", { class: "marks", "aria-label": labels.methods }, ...marks.map((mark) => el("li", {}, labels.marks[mark] || mark))),
    secondary && el("button", { class: "sec", onclick: () => act(secondary.kind === "remind" ? "snooze" : "dismiss") },
      secondary.label));
};
