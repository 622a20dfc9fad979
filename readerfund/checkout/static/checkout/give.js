/* readerfund checkout: the give page. Plain JS, no framework; the page's markup works
 * without it, this file adds preset amounts, a live pay button, the payment flow and,
 * where the browser has one, a wallet button (Apple Pay, Google Pay) through Stripe.
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
  const nameInput = form.elements.namedItem("name");
  const walletWrap = byId("wallet");
  const walletButton = byId("wallet-button");
  const walletText = byId("wallet-button-text");
  const msg = (key) => form.dataset[key] || "";
  const fill = (template, amount) => (template || "").replace("{amount}", amount);

  // ---- amounts ---------------------------------------------------------------------

  const frequency = () => form.querySelector('input[name="frequency"]:checked')?.value || "monthly";
  const currency = () => currencySelect.value;
  const method = () => form.querySelector('input[name="method"]:checked') || null;
  const rule = () => AMOUNTS[currency()]?.[frequency()] || { choices: [], default: 0, min: 0, minLabel: "" };
  const checkedPreset = () => presets.querySelector("input:checked");

  /** The chosen currency's number of decimals, from the server (USD 2, JPY 0, KWD 3). */
  const exponent = () => Number(currencySelect.selectedOptions[0]?.dataset.exponent);

  /** 500 → "5", 1250 → "12.50" (USD): what the server expects in `amount` (major units). */
  const toMajor = (minor, digits = exponent()) => {
    const unit = 10 ** digits;
    return minor % unit === 0 ? String(minor / unit) : (minor / unit).toFixed(digits);
  };

  /** "12,50" / "12.5" / "1 000" → minor units; NaN when it is not a plain amount with at
   * most the currency's decimals. "1,000" is refused, as on the server: one, or a thousand? */
  const parseMinor = (text, digits = exponent()) => {
    const raw = text.trim().replace(/[\s\u00a0\u202f]/g, "");
    if (/^\d+,\d{3}$/.test(raw)) return NaN;
    const plain = digits > 0 ? new RegExp(`^(\\d+(\\.\\d{0,${digits}})?|\\.\\d{1,${digits}})$`) : /^\d+$/;
    const dotted = raw.replace(",", ".");
    if (!Number.isInteger(digits) || !plain.test(dotted)) return NaN;
    const [whole, fraction = ""] = dotted.split(".");
    return Number(whole || "0") * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  };

  const money = (minor, code, digits = exponent()) => {
    const unit = 10 ** digits;
    const whole = minor % unit === 0;
    try {
      return new Intl.NumberFormat(LANG, {
        style: "currency",
        currency: code,
        minimumFractionDigits: whole ? 0 : digits,
        maximumFractionDigits: whole ? 0 : digits,
      }).format(minor / unit);
    } catch {
      return `${toMajor(minor, digits)} ${code}`;
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
    walletSync();
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
  /** One Stripe.js instance for the card form and the wallet alike. */
  const ensureStripe = () => {
    if (stripe) return stripe;
    if (typeof window.Stripe !== "function" || !PROVIDER.stripe_publishable_key) return null;
    stripe = window.Stripe(PROVIDER.stripe_publishable_key, { locale: LANG.split("-")[0] });
    return stripe;
  };
  const ensureCard = () => {
    if (card) return card;
    if (!ensureStripe()) return null;
    const root = getComputedStyle(document.documentElement);
    const body = getComputedStyle(document.body);
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
    if (walletButton) walletButton.disabled = on;
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

  const emailLooksValid = (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim());

  /** The server's amount rules (GiveForm.clean), so that no payment starts on an amount
   * the server would refuse; the server checks everything again. */
  const amountError = () => {
    const r = rule();
    const minor = currentMinor();
    if (!checkedPreset() && !other.value.trim()) return msg("msgAmountMissing");
    if (!Number.isFinite(minor) || minor <= 0) return msg("msgAmountInvalid");
    if (minor < r.min) return fill(msg("msgAmountSmall"), r.minLabel);
    if (r.max && minor > r.max) return fill(msg("msgAmountLarge"), money(r.max, currency()));
    return "";
  };

  const validate = () => {
    const errors = {};
    const amount = amountError();
    if (amount) errors.amount = amount;
    if (!emailLooksValid(email.value)) errors.email = msg("msgEmail");
    const chosen = method();
    if (!chosen) errors.method = msg("msgMethod");
    else if (chosen.dataset.recurring === "false" && frequency() !== "one_off") errors.method = msg("msgOneOffOnly");
    return errors;
  };

  const showErrors = (errors) => {
    for (const [name, text] of Object.entries(errors)) setFieldError(name, text);
    showAlert(Object.values(errors).join(" "));
    focusFirstInvalid();
  };

  /** Posts the form to /give/start, as the card and the wallet both do; the answer is
   * `{answer}` (the server's JSON, a start that worked) or `{error, fields}`. */
  const startPayment = async (overrides) => {
    const data = new FormData(form);
    data.set("amount", toMajor(currentMinor()));
    for (const [key, value] of Object.entries(overrides)) data.set(key, value);
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
      return { error: msg("msgNetwork") };
    }
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!response.ok || !answer || answer.error) {
      return { error: answer?.error || msg("msgGeneric"), fields: answer?.fields };
    }
    if (!["requires_action", "succeeded", "redirect", "instructions"].includes(answer.outcome)) {
      return { error: msg("msgGeneric") };
    }
    return { answer };
  };

  /** After a start that worked: the bank's challenge when it asks for one, then the next page. */
  const finishPayment = async (answer) => {
    if (answer.outcome === "requires_action") {
      if (!ensureStripe()) return fail(msg("msgGeneric"));
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
    }
    location.assign(answer.next);
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const errors = validate();
    if (Object.keys(errors).length) return showErrors(errors);
    setBusy(true);
    let token = "";

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
      token = result.token.id;
    }

    const started = await startPayment({ payment_token: token });
    if (started.error) return fail(started.error, started.fields);
    await finishPayment(started.answer);
  });

  // ---- wallets: Apple Pay, Google Pay, cards saved in the browser (Stripe) -------------
  // Stripe.js's Payment Request: the wallet's sheet shows the total and hands back a card
  // token (`tok_…`), which goes to /give/start exactly as the card form's does. Our own
  // button opens the sheet; it shows only where `canMakePayment()` finds a wallet.

  let wallet = null; // the PaymentRequest, once a wallet is known to be available
  let walletOpen = false; // the sheet is showing: Stripe refuses update() meanwhile
  let walletName = "";

  const walletTotal = () => {
    const minor = currentMinor();
    const label = walletButton.getAttribute(`data-total-${frequency()}`) || "";
    return {
      label: label.replace("{site}", location.hostname),
      // The sheet never opens on an invalid amount; meanwhile it holds the minimum.
      amount: Number.isFinite(minor) && minor > 0 ? minor : rule().min,
    };
  };

  /** Keeps the wallet's sheet and our button in step with amount, frequency and currency. */
  const walletSync = () => {
    if (!wallet) return;
    const minor = currentMinor();
    const template = Number.isFinite(minor) && minor > 0
      ? walletButton.getAttribute(`data-label-${frequency()}`).replace("{amount}", money(minor, currency()))
      : walletButton.getAttribute(`data-label-bare-${frequency()}`);
    walletText.textContent = template.replace("{wallet}", walletName);
    if (!walletOpen) wallet.update({ currency: currency().toLowerCase(), total: walletTotal() });
  };

  /** What the button calls the wallet, from what canMakePayment() found. */
  const walletNameFor = (available) => {
    if (available.applePay) return walletButton.dataset.nameApplePay;
    if (available.googlePay) return walletButton.dataset.nameGooglePay;
    return walletButton.dataset.nameBrowser;
  };

  const walletSetup = async () => {
    const country = PROVIDER.stripe_wallet_country;
    if (!walletWrap || !country || !form.querySelector('input[name="method"][value="stripe"]')) return;
    if (!ensureStripe() || typeof stripe.paymentRequest !== "function") return;
    let request;
    let available = null;
    try {
      request = stripe.paymentRequest({
        country,
        currency: currency().toLowerCase(),
        total: walletTotal(),
        requestPayerEmail: true,
        requestPayerName: true,
      });
      available = await request.canMakePayment();
    } catch {
      return; // no wallet: the page stays as it is
    }
    if (!available) return;
    request.on("token", walletPaid);
    request.on("cancel", () => {
      walletOpen = false;
      walletSync();
    });
    wallet = request;
    walletName = walletNameFor(available);
    walletWrap.hidden = false;
    walletSync();
  };

  /** The reader approved in the wallet's sheet: start the gift with the wallet's token. */
  const walletPaid = async (ev) => {
    // The form's own fields win; the wallet fills what the reader left empty.
    if (!email.value.trim() && ev.payerEmail) email.value = ev.payerEmail;
    if (!nameInput.value.trim() && ev.payerName) nameInput.value = ev.payerName;
    setBusy(true);
    if (!emailLooksValid(email.value)) {
      ev.complete("fail");
      walletOpen = false;
      setFieldError("email", msg("msgEmail"));
      return fail(msg("msgEmail"));
    }
    const started = await startPayment({ method: "stripe", payment_token: ev.token?.id || "" });
    walletOpen = false;
    if (started.error) {
      ev.complete("fail");
      return fail(started.error, started.fields);
    }
    ev.complete("success");
    await finishPayment(started.answer);
  };

  if (walletButton) {
    walletButton.addEventListener("click", () => {
      if (busy || walletOpen || !wallet) return;
      clearErrors();
      // Checked here, before the sheet opens (show() must run in the click itself): the
      // amount against the server's rules; an email typed in the form must look valid,
      // an empty one comes from the wallet.
      const errors = {};
      const amount = amountError();
      if (amount) errors.amount = amount;
      if (email.value.trim() && !emailLooksValid(email.value)) errors.email = msg("msgEmail");
      if (Object.keys(errors).length) return showErrors(errors);
      walletOpen = true;
      try {
        wallet.show();
      } catch {
        walletOpen = false;
        showAlert(msg("msgGeneric"));
      }
    });
  }

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
  walletSetup();
})();
