/* Drawing a message: a labelled region with its copy, call to action and, per channel, the
   goal ticker and a close button (banner, header notice) or the gift options (ask).
   An element whose data is missing is not drawn: no "null", "false" or stray 0 as text. */

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

const GOAL = /\{goal\w+\}/;

// null if a placeholder has no value (the server allows only known names): its element is
// left out.
export const fill = (text, values) => {
  let missing = false;
  const out = String(text ?? "").replace(/\{(\w+)\}/g, (_, key) => values[key] ?? ((missing = true), ""));
  return missing ? null : out;
};

// Sanitized by the server (only p, em, strong, a, ul, ol, li, br; only href). Defence in
// depth: parsed inert (a template: no fetch, no script), then rebuilt from text, those
// elements and safe links alone. A paragraph with a placeholder lacking a value is left out.
const copyBody = (html, values) => {
  const inert = el("template", {});
  inert.innerHTML = html || "";
  const clean = (node) => node.nodeType === Node.TEXT_NODE ? fill(node.data, values)
    : /^(p|em|strong|a|ul|ol|li|br)$/.test(node.localName) && el(node.localName, {
      href: /^(https?:|mailto:|\/)/i.test(node.getAttribute("href")) ? node.getAttribute("href") : null,
    }, ...[...node.childNodes].map(clean));
  const kept = [...inert.content.childNodes].filter((node) => fill(node.textContent, values) !== null);
  return kept.length ? el("div", { class: "body" }, ...kept.map(clean)) : null;
};

let count = 0;

/* The message of `channel` for campaign × variant. `ui` brings what the page view knows:
   labels (playbook.strings in the page's language), values (placeholders), money(minor,
   currency), link(url, params), marks (the payment marks to show), and the actions track,
   close(type) and secondary(box). */
export const messageRender = (campaign, variant, channel, ui) => {
  const { labels, values } = ui;
  const heading = fill(variant.heading, values);
  const highlight = fill(variant.highlight, values);
  // return_to: the page to come back to, whatever the host's Referrer-Policy
  const attribution = {
    rf_campaign: campaign.id, rf_variant: variant.id, rf_channel: channel,
    return_to: location.href.split("#")[0],
  };
  const box = el("div", { class: "m " + channel, role: "region", "aria-label": heading || variant.cta.label });
  const cta = el("a", { class: "cta", href: ui.link(variant.cta.url, attribution), onclick: () => ui.track("click") },
    variant.cta.label);
  // The goal figure once per message: the ticker's line only where the copy has none.
  const figure = variant.ticker && fill(labels.goal, values); // null without a goal
  const copyHasFigure = GOAL.test([variant.heading, variant.bodyHtml, variant.highlight].join(""));
  const copy = [
    heading && el("h2", {}, heading),
    copyBody(variant.bodyHtml, values),
    highlight && el("p", { class: "hl" }, highlight),
    figure && el("progress", { max: 100, value: Math.min(values.goalPercent, 100), "aria-hidden": "true" }),
    figure && !copyHasFigure && el("p", { class: "tick" }, figure),
  ];
  const close = el("button", { type: "button", class: "x", "aria-label": labels.close, onclick: () => ui.close("dismiss") }, "×");

  if (channel === "header") {
    box.append(el("p", { class: "in" }, heading && el("strong", {}, heading), highlight && el("span", {}, " " + highlight), " ", cta), close);
    return box;
  }
  if (channel === "banner") {
    // Compact on a small screen (one line: heading, call to action, "more", close); the rest
    // opens on request.
    const id = "rf-more-" + ++count;
    const more = el("button", { type: "button", class: "open", "aria-expanded": "false", "aria-controls": id,
      onclick: () => {
        const opened = box.classList.toggle("opened");
        more.setAttribute("aria-expanded", opened);
        box.getRootNode().host.classList.toggle("opened", opened); // lifts the panel's cap
      } }, labels.more);
    box.append(el("div", { class: "in" }, copy[0], el("div", { class: "more", id }, ...copy.slice(1)),
      el("p", { class: "act" }, cta), more), close);
    return box;
  }

  // The ask: toggles for the frequencies and amounts the server compiled for the variant's
  // currency (in display order, variant.frequency preselected); the call to action carries
  // the choice.
  const amounts = variant.amounts || {};
  const frequencies = Object.keys(amounts);
  const price = (minor) => ui.money(minor, variant.currency);
  let frequency;
  let amount;
  const update = () => {
    cta.textContent = labels.give[frequency].replace("{amount}", price(amount));
    cta.href = ui.link(variant.cta.url, { amount, frequency, currency: variant.currency, ...attribution });
  };
  // A group of toggle buttons, one pressed; a choice updates the call to action.
  const options = (name, list, pressed, label, choose) =>
    el("div", { class: "opts", role: "group", "aria-label": name }, ...list.map((choice) =>
      el("button", { type: "button", "aria-pressed": choice === pressed, onclick: (event) => {
        for (const button of event.target.parentNode.children) button.setAttribute("aria-pressed", button === event.target);
        choose(choice);
        update();
      } }, label(choice))));
  const amountGroup = el("div", {});
  const frequencySet = (chosen) => {
    frequency = chosen;
    amount = amounts[chosen].default;
    amountGroup.replaceChildren(options(labels.amount, amounts[chosen].choices, amount, price, (choice) => (amount = choice)));
  };
  if (variant.frequency && amounts[variant.frequency]) {
    frequencySet(variant.frequency);
    update();
  }
  const kind = variant.secondary?.kind; // remind or dismiss; no secondary: undefined
  box.append(...copy.filter(Boolean),
    ...[frequencies.length > 1 && options(labels.often, frequencies, frequency, (f) => labels.freq[f], frequencySet),
      frequency && amountGroup, el("p", {}, cta),
      ui.marks.length > 0 && el("ul", { class: "marks", "aria-label": labels.methods },
        ...ui.marks.map((mark) => el("li", {}, labels.marks[mark] || mark))),
      kind && el("button", { type: "button", class: "sec", onclick: () => ui.secondary(box, kind) },
        variant.secondary.label)].filter(Boolean));
  return box;
};
