/* readerfund checkout: the give page. Plain JS, no framework; the page's markup works
 * without it, this file adds preset amounts, a live pay button and the payment flow.
 * Strings come from the page (translated by Django), never from this file. */
(() => {
  "use strict";

  const form = document.getElementById("give-form");
  if (!form) return;

  const readJSON = (id) => {
    const el = document.getElementById(id);
    try {
      return el ? JSON.parse(el.textContent) : null;
    } catch {
      return null;
    }
  };
  const AMOUNTS = readJSON("rf-amounts") || {};
  const INITIAL = readJSON("rf-initial") || {};
  const PROVIDER = readJSON("rf-provider") || {};
  const LANG = document.documentElement.lang || "en";

  const byId = (id) => document.getElementById(id);
  const presets = byId("amount-presets");
  const other = byId("amount-other");
  const currencySelect = byId("currency");
  const symbol = byId("currency-symbol");
  const moneyInput = byId("money-input");
  const hint = byId("amount-hint");
  const submit = byId("give-submit");
  const submitText = byId("give-submit-text");
  const terms = byId("give-terms");
  const alertBox = byId("give-alert");
  const methodNote = byId("method-note");
  const cardWrap = byId("card-element-wrap");
  const amountGroup = byId("amount-group");
  const email = form.elements.namedItem("email");
  const msg = (key) => form.dataset[key] || "";
  const fill = (template, amount) => (template || "").replace("{amount}", amount);

  // ---- amounts ---------------------------------------------------------------------

  const frequency = () => form.querySelector('input[name="frequency"]:checked')?.value || "monthly";
  const currency = () => currencySelect.value;
  const method = () => form.querySelector('input[name="method"]:checked') || null;
  const rule = () => AMOUNTS[currency()]?.[frequency()] || { choices: [], default: 0, min: 0, minLabel: "" };
  const checkedPreset = () => presets.querySelector("input:checked");

  /** 500 → "5", 1250 → "12.50": what the server expects in `amount` (major units). */
  const toMajor = (minor) => (minor % 100 === 0 ? String(minor / 100) : (minor / 100).toFixed(2));

  /** "12,50" / "12.5" / "1 000" → minor units; NaN when it is not a plain amount. */
  const parseMinor = (text) => {
    const raw = text.trim().replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    if (!/^(\d+(\.\d{0,2})?|\.\d{1,2})$/.test(raw)) return NaN;
    const [whole, fraction = ""] = raw.split(".");
    return Number(whole || "0") * 100 + Number((fraction + "00").slice(0, 2));
  };

  const money = (minor, code) => {
    const whole = minor % 100 === 0;
    try {
      return new Intl.NumberFormat(LANG, {
        style: "currency",
        currency: code,
        minimumFractionDigits: whole ? 0 : 2,
        maximumFractionDigits: whole ? 0 : 2,
      }).format(minor / 100);
    } catch {
      return `${toMajor(minor)} ${code}`;
    }
  };

  const currentMinor = () => {
    const preset = checkedPreset();
    if (preset) return Number(preset.dataset.minor);
    return other.value.trim() ? parseMinor(other.value) : NaN;
  };

  const renderPresets = (select) => {
    const r = rule();
    presets.replaceChildren();
    for (const [minor, label] of r.choices) {
      const id = `amount-${minor}`;
      const input = document.createElement("input");
      Object.assign(input, { type: "radio", name: "amount", id, value: toMajor(minor), className: "amounts__input" });
      input.dataset.minor = String(minor);
      const lab = document.createElement("label");
      Object.assign(lab, { htmlFor: id, className: "amounts__label", textContent: label });
      presets.append(input, lab);
    }
    presets.hidden = r.choices.length === 0;
    const match = presets.querySelector(`input[data-minor="${Number(select)}"]`);
    if (match) {
      match.checked = true;
      other.value = "";
    } else {
      other.value = select > 0 ? toMajor(select) : "";
    }
  };

  const updateSymbol = () => {
    try {
      const parts = new Intl.NumberFormat(LANG, { style: "currency", currency: currency() }).formatToParts(1);
      const at = parts.findIndex((p) => p.type === "currency");
      symbol.textContent = parts[at]?.value || currency();
      moneyInput.classList.toggle("money-input--suffix", at > parts.findIndex((p) => p.type === "integer"));
    } catch {
      symbol.textContent = currency();
    }
  };

  const update = () => {
    const r = rule();
    const freq = frequency();
    const minor = currentMinor();
    hint.textContent = r.minLabel ? fill(hint.getAttribute(`data-template-${freq}`), r.minLabel) : "";
    submitText.textContent = Number.isFinite(minor) && minor > 0
      ? fill(submit.getAttribute(`data-label-${freq}`), money(minor, currency()))
      : submit.getAttribute(`data-label-bare-${freq}`);
    terms.textContent = terms.getAttribute(`data-terms-${freq}`) || "";
    const chosen = method();
    const oneOffOnly = chosen && chosen.dataset.recurring === "false" && freq !== "one_off";
    methodNote.textContent = oneOffOnly ? msg("msgOneOffOnly") : "";
    methodNote.hidden = !oneOffOnly;
  };

  // ---- errors ----------------------------------------------------------------------

  const controlsFor = (name) =>
    name === "amount" ? [other] : [...form.querySelectorAll(`[name="${name}"]`)];

  const setFieldError = (name, text) => {
    const slot = form.querySelector(`[data-error-for="${name}"]`);
    if (slot) {
      slot.textContent = text || "";
      slot.hidden = !text;
    }
    for (const control of controlsFor(name)) {
      if (control.type === "hidden") continue;
      if (text) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
    if (name === "amount") amountGroup.classList.toggle("is-invalid", Boolean(text));
    return Boolean(slot);
  };

  const showAlert = (text) => {
    alertBox.textContent = text || "";
  };

  const clearErrors = () => {
    showAlert("");
    for (const slot of form.querySelectorAll("[data-error-for]")) setFieldError(slot.dataset.errorFor, "");
  };

  const focusFirstInvalid = () => {
    const first = form.querySelector('[aria-invalid="true"]:not([type="hidden"])');
    if (first) first.focus();
  };

  // ---- the card form (Stripe Elements), created once ---------------------------------

  let stripe = null;
  let card = null;
  const ensureCard = () => {
    if (card) return card;
    if (typeof window.Stripe !== "function" || !PROVIDER.stripe_publishable_key) return null;
    const root = getComputedStyle(document.documentElement);
    const body = getComputedStyle(document.body);
    stripe = window.Stripe(PROVIDER.stripe_publishable_key, { locale: LANG.split("-")[0] });
    card = stripe.elements().create("card", {
      style: {
        base: {
          color: body.color,
          fontFamily: body.fontFamily,
          fontSize: "16px",
          "::placeholder": { color: root.getPropertyValue("--muted").trim() || "#555" },
        },
        invalid: { color: root.getPropertyValue("--error").trim() || "#b3261e" },
      },
    });
    card.mount("#card-element");
    card.on("change", (event) => setFieldError("payment_token", event?.error ? event.error.message : ""));
    return card;
  };

  const updateMethod = () => {
    const isCard = method()?.value === "stripe";
    if (cardWrap) cardWrap.hidden = !isCard;
    if (isCard && !ensureCard()) setFieldError("payment_token", msg("msgCardUnavailable"));
  };

  // ---- submitting ------------------------------------------------------------------

  let busy = false;
  const setBusy = (on) => {
    busy = on;
    submit.disabled = on;
    submit.classList.toggle("is-busy", on);
    if (on) {
      submit.setAttribute("aria-busy", "true");
      submitText.textContent = msg("msgWorking");
    } else {
      submit.removeAttribute("aria-busy");
      update();
    }
  };

  const fail = (text, fields = {}) => {
    const unplaced = [];
    for (const [name, messages] of Object.entries(fields || {})) {
      const text = [].concat(messages).join(" ");
      if (!setFieldError(name, text)) unplaced.push(text);
    }
    showAlert([text, ...unplaced].filter(Boolean).join(" "));
    setBusy(false);
    focusFirstInvalid();
  };

  const validate = () => {
    const errors = {};
    const r = rule();
    const minor = currentMinor();
    if (!checkedPreset() && !other.value.trim()) errors.amount = msg("msgAmountMissing");
    else if (!Number.isFinite(minor) || minor <= 0) errors.amount = msg("msgAmountInvalid");
    else if (minor < r.min) errors.amount = fill(msg("msgAmountSmall"), r.minLabel);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.value.trim())) errors.email = msg("msgEmail");
    const chosen = method();
    if (!chosen) errors.method = msg("msgMethod");
    else if (chosen.dataset.recurring === "false" && frequency() !== "one_off") errors.method = msg("msgOneOffOnly");
    return errors;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const errors = validate();
    if (Object.keys(errors).length) {
      for (const [name, text] of Object.entries(errors)) setFieldError(name, text);
      showAlert(Object.values(errors).join(" "));
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    form.elements.namedItem("payment_token").value = "";

    if (method().value === "stripe") {
      const element = ensureCard();
      if (!element) return fail(msg("msgCardUnavailable"));
      let result;
      try {
        result = await stripe.createToken(element);
      } catch {
        return fail(msg("msgNetwork"));
      }
      if (result.error) {
        setFieldError("payment_token", result.error.message);
        return fail(result.error.message);
      }
      form.elements.namedItem("payment_token").value = result.token.id;
    }

    const data = new FormData(form);
    data.set("amount", toMajor(currentMinor()));
    let response;
    let answer = null;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      return fail(msg("msgNetwork"));
    }
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!response.ok || !answer || answer.error) {
      return fail(answer?.error || msg("msgGeneric"), answer?.fields);
    }
    switch (answer.outcome) {
      case "requires_action": {
        if (!stripe) return fail(msg("msgGeneric"));
        let confirmed;
        try {
          confirmed = await stripe.confirmCardPayment(answer.clientSecret);
        } catch {
          return fail(msg("msgNetwork"));
        }
        if (confirmed.error) return fail(confirmed.error.message);
        // A refused challenge may also come back as an intent that still wants a payment
        // method (localstripe does this; Stripe's docs say to check the status): only a
        // paid or processing intent leads to the thank-you page.
        const status = confirmed.paymentIntent?.status;
        if (status && !["succeeded", "processing", "requires_capture"].includes(status)) {
          return fail(msg("msgGeneric"));
        }
        location.assign(answer.next);
        return;
      }
      case "succeeded":
      case "redirect":
      case "instructions":
        location.assign(answer.next);
        return;
      default:
        fail(msg("msgGeneric"));
    }
  });

  // ---- wiring ----------------------------------------------------------------------

  const resetAmount = () => {
    setFieldError("amount", "");
    renderPresets(rule().default);
    updateSymbol();
    update();
  };
  for (const radio of form.querySelectorAll('input[name="frequency"]')) radio.addEventListener("change", resetAmount);
  currencySelect.addEventListener("change", resetAmount);
  presets.addEventListener("change", () => {
    other.value = "";
    setFieldError("amount", "");
    update();
  });
  other.addEventListener("input", () => {
    const preset = checkedPreset();
    if (preset && other.value.trim()) preset.checked = false;
    setFieldError("amount", "");
    update();
  });
  email.addEventListener("input", () => setFieldError("email", ""));
  for (const radio of form.querySelectorAll('input[name="method"]')) {
    radio.addEventListener("change", () => {
      setFieldError("method", "");
      setFieldError("payment_token", "");
      updateMethod();
      update();
    });
  }
  // Back from the payment page (bfcache): the button must not stay "Processing…".
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) setBusy(false);
  });

  const start = Number(INITIAL.amount);
  renderPresets(Number.isFinite(start) && start > 0 ? start : rule().default);
  updateSymbol();
  updateMethod();
  update();
  form.classList.add("is-enhanced");
})();
