/* readerfund embed, spec: docs/embed.md. Served as `(<this file>)(<playbook>);`, with the
   CSS placeholder at the end replaced by embed.css as JSON. select/explain are pure, for
   tests. The UI's own labels come translated in the playbook (playbook.strings), and the
   server compiles what it can (an ask's amounts, payment mark labels): the code stays small. */
(playbook) => {
  const script = document.currentScript; // set only during this synchronous run
  // Endpoints and CTA links may be paths on the readerfund server, where this script comes from.
  const url = (path, params = {}) => {
    const u = new URL(path, script?.src || location.href);
    for (const key in params) u.searchParams.set(key, params[key]);
    return u.href;
  };
  const DAY = 86400;
  const CHANNELS = ["header", "banner", "ask"]; // header above banner

  /* decisions: pure (playbook, context, state, now in unix seconds) */

  // FNV-1a 32-bit, mixed by murmur3's finalizer so that similar inputs spread.
  const hash = (text) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };

  // Only v and exp: a forged token hides asks from its forger alone.
  const isSupporter = (token, now) => {
    try {
      const [payload, signature] = token.split(":");
      const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
      return !!signature && claims.v === 1 && claims.exp > now;
    } catch {
      return false;
    }
  };

  const anyOf = (list, value) => !list?.length || list.includes(value);
  const fits = (rule, values) => (!rule?.include?.length || values.some((x) => rule.include.includes(x))) &&
    !values.some((x) => rule?.exclude?.includes(x));
  const articleCount = (state, days, now) =>
    (state.views || []).filter((day) => day > Math.floor(now / DAY) - (days || 90)).length;

  // A device keeps the variant it was first shown (state.assigned) until the editor starts a
  // new round; otherwise a fixed point of the seed falls into the weights' intervals.
  const pickVariant = (c, state) => {
    const variants = (c.variants || []).filter((v) => (v.weight ?? 1) > 0);
    const [kept, round] = state.assigned?.[c.id] || [];
    const mine = round === (c.round || 0) && variants.find((v) => v.id === kept);
    if (mine) return mine;
    let r = (hash(state.seed + c.id + ":v") / 2 ** 32) * variants.reduce((sum, v) => sum + (v.weight ?? 1), 0);
    return variants.find((v) => (r -= v.weight ?? 1) < 0) || variants[variants.length - 1];
  };

  // Every campaign with the names of the rules it fails.
  function explain(pb, ctx, state, now) {
    const supporter = ctx.supporter ?? isSupporter(state.supporter, now);
    const lang = ctx.lang?.toLowerCase() + "-";
    return (pb.campaigns || []).map((c) => {
      const t = c.targeting || {};
      const f = c.frequency || {};
      const count = t.articleCount || {};
      const read = articleCount(state, count.days, now);
      const shown = state.shown?.[c.id] || [];
      const variant = pickVariant(c, state);
      const ok = {
        schedule: !(now < Date.parse(c.start) / 1000 || now >= Date.parse(c.end) / 1000),
        countries: fits(t.countries, [ctx.country?.toUpperCase()]),
        languages: !t.languages?.length || t.languages.some((l) => lang.startsWith(l.toLowerCase() + "-")),
        sections: fits(t.sections, [ctx.section]),
        tags: fits(t.tags, ctx.tags || []),
        pageTypes: anyOf(t.pageTypes, ctx.pageType),
        articleCount: read >= (count.min || 0) && (count.max == null || read <= count.max),
        supporters: t.supporters !== (supporter ? "non-supporters" : "supporters"),
        devices: anyOf(t.devices, ctx.device),
        maxViews: f.maxViews == null ||
          shown.filter((s) => s > now - (f.perDays ?? 90) * DAY).length < f.maxViews,
        minDaysBetween: !(now - shown[shown.length - 1] < f.minDaysBetween * DAY),
        dismissed: !(state.dismissed?.[c.id] > now),
        snoozed: !(state.snoozed?.[c.id] > now),
        variant: !!variant,
      };
      const reasons = Object.keys(ok).filter((rule) => !ok[rule]);
      const control = hash(state.seed + c.id) % 10000 < (c.controlShare || 0) * 100;
      return { id: c.id, channel: c.channel, matched: !reasons.length, reasons, control,
        variant: variant?.id };
    });
  }

  // Per channel the first matching campaign of top priority; its control group sees nothing.
  function select(pb, ctx, state, now) {
    const picked = { banner: null, header: null, ask: null };
    explain(pb, ctx, state, now).forEach((e, i) => {
      const c = pb.campaigns[i];
      const best = picked[e.channel];
      if (!e.matched || best?.campaign.priority >= c.priority) return;
      picked[e.channel] = e.control
        ? { campaign: c, control: true }
        : { campaign: c, variant: pickVariant(c, state) };
    });
    return picked;
  }

  // #readerfund-<key>=<value> in the address, also after a page's own fragment (null if
  // absent): a fragment never reaches any server. The values, signed tokens, are URL-safe.
  const fromHash = (key) => new URLSearchParams(location.hash.replace(/[#?]/g, "&")).get("readerfund-" + key);

  if (window.readerfund) return; // on the page twice
  window.readerfund = { version: 1, select, explain, isSupporter };
  // A signed preview link from the admin (#readerfund-preview=<token>): nothing is counted
  // or stored, and the previewed variant shows whatever the rules say.
  const preview = fromHash("preview");

  /* local state; in memory when localStorage fails */

  const load = () => {
    try {
      const s = JSON.parse(localStorage.readerfund);
      if (typeof s.seed === "string") return s;
    } catch {}
    return { seed: crypto.getRandomValues(new Uint32Array(4)).join("-") }; // 128 random bits
  };
  // Well-formed, capped, nothing expired or older than 90 days.
  const prune = (s, now) => {
    const old = now - 90 * DAY;
    const entries = (o) => Object.entries(o?.constructor === Object ? o : {});
    const until = (o) => Object.fromEntries(entries(o).filter(([, time]) => time > now));
    s.views = [].concat(s.views || []).filter((day) => day * DAY > old).slice(-500);
    s.shown = Object.fromEntries(entries(s.shown)
      .map(([id, times]) => [id, [].concat(times).filter((time) => time > old).slice(-50)])
      .filter(([, times]) => times.length));
    s.assigned = Object.fromEntries(entries(s.assigned).slice(-50));
    s.dismissed = until(s.dismissed);
    s.snoozed = until(s.snoozed);
    if (!(s.geo?.at > old)) delete s.geo;
    if (!isSupporter(s.supporter, now)) delete s.supporter;
    return s;
  };
  const save = (s, now) => {
    if (!preview) try {
      localStorage.readerfund = JSON.stringify(prune(s, now));
    } catch {}
  };

  const pageContext = () => {
    let c = {};
    try {
      c = JSON.parse(document.getElementById("readerfund-context").textContent) || {};
    } catch {}
    const meta = (attr) => document.querySelector(`meta[${attr}]`)?.content;
    return {
      lang: c.lang || document.documentElement.lang,
      section: c.section || meta('name="readerfund:section"'),
      tags: c.tags || meta('name="readerfund:tags"')?.split(",").map((tag) => tag.trim()) || [],
      pageType: c.pageType || meta('name="readerfund:page-type"') ||
        (meta('property="og:type"') === "article" ? "article" : "other"),
      // as the CSS breakpoints see the viewport (not pinch zoom)
      device: matchMedia("(max-width:639.98px)").matches ? "mobile"
        : matchMedia("(max-width:1023.98px)").matches ? "tablet" : "desktop",
    };
  };

  /* the run, once per page view */

  function run() {
    const now = Math.floor(Date.now() / 1000);
    const state = prune(load(), now);
    const ctx = pageContext();
    const token = fromHash("supporter");
    if (token != null) {
      if (isSupporter(token, now)) state.supporter = token;
      try {
        history.replaceState(history.state, "", location.pathname + location.search);
      } catch {}
    }
    // or the mark readerfund set as a cookie on the domain it shares with this site
    // (reading cookies throws in a sandboxed or opaque-origin document)
    let mark;
    try {
      mark = document.cookie.match(/(?:^|; )readerfund_supporter=([^;]+)/)?.[1];
    } catch {}
    ctx.supporter = isSupporter(state.supporter, now) || isSupporter(mark, now);
    if (ctx.pageType === "article") state.views.push(Math.floor(now / DAY)); // before deciding
    save(state, now);

    // Batched beacons; a string body is text/plain: no preflight.
    const queue = [];
    let timer;
    const flush = () => {
      clearTimeout(timer);
      timer = 0;
      while (queue.length) {
        navigator.sendBeacon(url(playbook.endpoints.events), JSON.stringify({ events: queue.splice(0, 20) }));
      }
    };
    // Counts an event of a message; v null: the reader is in the campaign's control group.
    const track = (c, v, channel, type) => {
      if (preview) return;
      queue.push({ campaign: c.id, variant: v?.id ?? "_holdout", channel, type });
      if (queue.length >= 20) flush();
      else timer = timer || setTimeout(flush, 2000);
    };
    addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", () => document.hidden && flush());
    // Caps count renders, and control decisions (so the holdout ages alike).
    const record = (c, v) => {
      if (preview) return; // the panel explains the decision as it was made
      state.shown[c.id] = [...(state.shown[c.id] || []), now];
      if (v) state.assigned[c.id] = [v.id, c.round || 0];
      save(state, now);
    };
    // type "dismiss" or "snooze": hidden for the campaign's dismissDays or snoozeDays.
    const hide = (c, v, channel, type) => {
      const time = Math.floor(Date.now() / 1000);
      state[type === "dismiss" ? "dismissed" : "snoozed"][c.id] = time + (c.frequency?.[type + "Days"] || 0) * DAY;
      save(state, time);
      track(c, v, channel, type);
    };

    /* rendering */
    let locale; // the page's language tag, canonical (undefined if not a valid tag)
    try {
      locale = Intl.getCanonicalLocales(ctx.lang)[0];
    } catch {}
    // Labels in the page's language ("ru" for "ru-RU"), else English.
    const T = playbook.strings[locale?.split("-")[0]] || playbook.strings.en;
    // Whole amounts without decimals ("$5", "$2.50"); every browser with adoptedStyleSheets
    // knows trailingZeroDisplay.
    const money = (minor, currency) => {
      const format = new Intl.NumberFormat(locale, { style: "currency", currency, trailingZeroDisplay: "stripIfInteger" });
      return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
    };
    // Placeholder values; goalPercent is a number, the copy adds "%". The server computes
    // the gap (never negative) and the percentage (whole, may pass 100).
    const { goal } = playbook;
    const m = (minor) => money(minor, goal.currency);
    const goalValues = goal?.target > 0 ? { goalTarget: m(goal.target), goalRaised: m(goal.raised),
      goalGap: m(goal.gap), goalPercent: goal.percent } : {};
    const values = (c) => ({ ...goalValues, articleCount: articleCount(state, c.targeting?.articleCount?.days, now) });
    // null if a placeholder has no value (the server allows only known names): its element
    // is left out.
    const fill = (text, vals) => {
      let missing = false;
      const out = String(text ?? "").replace(/\{(\w+)\}/g, (_, key) => vals[key] ?? ((missing = true), ""));
      return missing ? null : out;
    };
    const h = (tag, attrs, ...children) => {
      const el = document.createElement(tag);
      for (const [name, value] of Object.entries(attrs)) {
        if (/^on/.test(name)) el[name] = value;
        else if (value != null) el.setAttribute(name, value);
      }
      el.append(...children.filter(Boolean));
      return el;
    };
    // Sanitized by the server (only p, em, strong, a, ul, ol, li, br; only href). Defence in
    // depth: parsed inert (a template: no fetch, no script), then rebuilt from text, those
    // elements and safe links alone. A paragraph with a placeholder lacking a value is left out.
    const body = (html, vals) => {
      const inert = h("template", {});
      inert.innerHTML = html || "";
      const clean = (node) => node.nodeType === Node.TEXT_NODE ? fill(node.data, vals)
        : /^(p|em|strong|a|ul|ol|li|br)$/.test(node.localName) && h(node.localName, {
          href: /^(https?:|mailto:|\/)/i.test(node.getAttribute("href")) ? node.getAttribute("href") : null,
        }, ...[...node.childNodes].map(clean));
      return h("div", { class: "body" },
        ...[...inert.content.childNodes].filter((node) => fill(node.textContent, vals) !== null).map(clean));
    };
    let sheet;
    const host = (cls) => {
      const el = h("readerfund-message", { class: "readerfund-host " + cls });
      if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
      el.attachShadow({ mode: "open" }).adoptedStyleSheets = [sheet];
      return el;
    };

    // A message is a labelled region: copy, call to action and, per channel, the goal ticker
    // and a close button (banner: a block; header: one line) or the gift options (ask).
    const render = (c, v, channel) => {
      const vals = values(c);
      const heading = fill(v.heading, vals);
      const highlight = fill(v.highlight, vals);
      // return_to: the page to come back to, whatever the host's Referrer-Policy
      const attribution = { rf_campaign: c.id, rf_variant: v.id, rf_channel: channel,
        return_to: location.href.split("#")[0] };
      const box = h("div", { class: "m " + channel, role: "region", "aria-label": heading || v.cta.label });
      const cta = h("a", { class: "cta", href: url(v.cta.url, attribution), onclick: () => {
        track(c, v, channel, "click");
        flush(); // beacons outlive navigation
      } }, v.cta.label);
      const ticker = v.ticker && fill(T.goal, vals); // null without a goal
      const copy = [heading && h("h2", {}, heading), body(v.bodyHtml, vals),
        highlight && h("p", { class: "hl" }, highlight),
        ticker && h("progress", { max: 100, value: vals.goalPercent, "aria-label": ticker }),
        ticker && h("p", { class: "tick" }, ticker)];
      if (channel !== "ask") {
        box.append(channel === "header"
          ? h("p", { class: "in" }, heading && h("strong", {}, heading), " ", highlight, " ", cta)
          : h("div", { class: "in" }, ...copy, h("p", {}, cta)),
          h("button", { type: "button", class: "x", "aria-label": T.close, onclick: () => {
            box.remove();
            hide(c, v, channel, "dismiss");
          } }, "×"));
        return box;
      }

      // The ask: toggles for the frequencies and amounts the server compiled for v.currency
      // (in display order, v.frequency preselected); the call to action carries the choice.
      const amounts = v.amounts || {};
      const freqs = Object.keys(amounts);
      const price = (minor) => money(minor, v.currency);
      let freq;
      let amount;
      const update = () => {
        cta.textContent = T.give[freq].replace("{amount}", price(amount));
        cta.href = url(v.cta.url, { amount, frequency: freq, currency: v.currency, ...attribution });
      };
      // A group of toggle buttons, one pressed; a choice updates the call to action.
      const options = (name, list, pressed, label, choose) =>
        h("div", { class: "opts", role: "group", "aria-label": name }, ...list.map((x) =>
          h("button", { type: "button", "aria-pressed": x === pressed, onclick: (e) => {
            for (const b of e.target.parentNode.children) b.setAttribute("aria-pressed", b === e.target);
            choose(x);
            update();
          } }, label(x))));
      const amountGroup = h("div", {});
      const setFreq = (f) => {
        freq = f;
        amount = amounts[f].default;
        amountGroup.replaceChildren(options(T.amount, amounts[f].choices, amount, price, (x) => (amount = x)));
      };
      if (v.frequency) {
        setFreq(v.frequency);
        update();
      }
      const kind = v.secondary?.kind; // remind or dismiss; no secondary: null
      box.append(...copy,
        freqs.length > 1 && options(T.often, freqs, freq, (f) => T.freq[f], setFreq),
        amountGroup, h("p", {}, cta),
        v.paymentMarks?.length && h("ul", { class: "marks", "aria-label": T.methods },
          ...v.paymentMarks.map((m) => h("li", {}, T.marks[m] || m))),
        kind && h("button", { type: "button", class: "sec", onclick: () => {
          hide(c, v, channel, kind === "dismiss" ? "dismiss" : "snooze");
          if (kind === "dismiss") return box.parentNode.host.remove();
          const done = h("p", { role: "status", tabindex: -1 }, T.later);
          box.replaceChildren(done);
          done.focus();
          // The email reminder form (remind.js) loads on demand, after the reader asks.
          window.readerfund.remind = { box, c: c.id, v: v.id, lang: locale };
          document.head.append(h("script", { src: url(playbook.endpoints.remindScript) }));
        } }, v.secondary.label));
      return box;
    };

    // Calls fn once, when an observation of el passes test.
    const watch = (el, test, fn, options) => {
      const io = new IntersectionObserver((entries) => {
        if (entries.some(test)) {
          io.disconnect();
          fn();
        }
      }, options);
      io.observe(el);
    };
    // fn when at least share of el is in view.
    const onView = (el, share, fn) =>
      watch(el, (e) => e.isIntersecting && e.intersectionRatio >= share, fn, { threshold: share });
    // The first rendered in-flow element after el: what inserting there pushes down.
    const following = (el) => {
      for (let n = el; n; n = n.parentElement) {
        for (let s = n.nextElementSibling; s; s = s.nextElementSibling) {
          if (s.getClientRects().length && getComputedStyle(s).position !== "fixed") return s;
        }
      }
    };

    // The control slice sees no message: the site's own links to the give page carry the
    // campaign with variant "_holdout", so its gifts count for the control (docs/experiments.md).
    const tagHoldout = (c, channel) => {
      const give = new URL(url(c.variants[0].cta.url));
      for (const a of document.querySelectorAll("a[href]")) {
        const u = new URL(a.href, location.href);
        if (u.origin !== give.origin || u.pathname !== give.pathname || u.searchParams.has("rf_campaign")) continue;
        Object.entries({ rf_campaign: c.id, rf_variant: "_holdout", rf_channel: channel }).forEach(([k, x]) => u.searchParams.set(k, x));
        a.href = u.href;
      }
    };

    let top; // banner and header share one host, pinned to the top
    const show = (picked) => {
      if (!("adoptedStyleSheets" in document)) return;
      for (const channel of CHANNELS) {
        const { campaign: c, variant: v } = picked[channel] || {};
        if (!c) continue;
        const impression = () => track(c, v, channel, "impression");
        if (!v) tagHoldout(c, channel);
        if (channel !== "ask") {
          record(c, v);
          if (!v) {
            impression();
            continue;
          }
          if (!top) {
            top = host("readerfund-top");
            const slot = document.querySelector("[data-readerfund-slot=banner],[data-readerfund-slot=header]");
            if (slot) slot.append(top);
            else document.body.prepend(top); // first on screen, first in focus order
          }
          const box = render(c, v, channel);
          top.shadowRoot.append(box);
          onView(box, 0.5, impression);
          continue;
        }
        const slot = document.querySelector("[data-readerfund-slot=ask]");
        let place = slot;
        try {
          place = place || document.querySelector(script.dataset.askAfter);
        } catch {}
        if (!place) continue;
        const next = following(place);
        if (!v) {
          // Control: counted when the reader reaches the place of the ask.
          record(c);
          if (next) onView(next, 0, impression);
          else impression();
          continue;
        }
        const insert = () => {
          const el = host("readerfund-ask");
          const box = render(c, v, channel);
          el.shadowRoot.append(box);
          if (slot) slot.append(el);
          else place.after(el);
          record(c, v);
          onView(box, 0.5, impression);
        };
        // Zero layout shift: insert the ask only while nothing in view lies below its place
        // (the place itself may be in view), i.e. what follows starts below the viewport; else
        // wait for that. Measured by IntersectionObserver, so as painted (after a scroll to a
        // #fragment).
        if (next) watch(next, (e) => e.boundingClientRect.top >= innerHeight, insert);
        else insert();
      }
    };

    // p: the preview answer, {campaign} or {error}.
    const decide = (p) => {
      ctx.country = state.geo?.country;
      const picked = select(playbook, ctx, state, now);
      const c = p?.campaign;
      if (c) picked[c.channel] = { campaign: c, variant: c.variants[0] };
      show(picked);
      document.documentElement.dataset.readerfund = "ready"; // decided: a hook for hosts, tests
      if (p) {
        window.readerfund.debug = { playbook, context: ctx, state, now, preview: c || p };
        document.head.append(h("script", { src: url(playbook.endpoints.previewScript) }));
      }
    };
    const get = (path, params) => fetch(url(path, params), { credentials: "omit" })
      .then((response) => response.json());
    const geo = playbook.needsCountry && !(now - state.geo?.at < DAY) && get(playbook.endpoints.geo)
      .then((answer) => {
        state.geo = { country: answer?.country || null, at: now };
        save(state, now);
      })
      .catch(() => {});
    const asked = preview && get(playbook.endpoints.preview, { token: preview })
      .catch((error) => ({ error: String(error) }));
    if (geo || asked) Promise.all([asked, geo]).then(([p]) => decide(p));
    else decide();
  }

  // The stylesheet: the server puts embed.css here, as a JSON string.
  const CSS = "__READERFUND_CSS__";

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
}
