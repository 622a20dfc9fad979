/* readerfund checkout: the give page. Plain JS, no framework; the page's markup works
 * without it, this file adds preset amounts, a live pay button and the payment flow.
 * What a method needs in the browser (card fields, wallets) is in its provider's own
 * script, which registers with `window.readerfundGive` (below).
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
  const amountGroup = byId("amount-group");
  const email = form.elements.namedItem("email");
  const noTrace = byId("no_trace");
  const traceless = byId("traceless");
  const emailField = byId("email-field");
  const nameField = byId("name-field");
  const nameInput = form.elements.namedItem("name");
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
    eachHandler("update");
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

  // ---- the methods' own scripts ------------------------------------------------------
  // A provider whose method needs the browser (card fields, a wallet) ships a script of
  // its own that registers here with hooks, all optional:
  //   select(chosen)   its method was chosen (true) or another one (false)
  //   token()          before /give/start: {token} for payment_token, or {error}
  //   finish(answer)   after a start that answered requires_action: "" or an error
  //   update()         amount, frequency or currency changed
  //   busy(on)         the page is sending (or done)
  const handlers = {};
  const eachHandler = (hook, ...args) => {
    for (const handler of Object.values(handlers)) handler[hook]?.(...args);
  };

  /** Giving without a trace: offered with the methods that allow it; when chosen, the
   * fields that would name the reader are hidden and emptied (the server keeps none). */
  const givingTraceless = () => Boolean(noTrace?.checked && method()?.dataset.traceless === "true");
  const updateTraceless = () => {
    if (!traceless) return;
    traceless.hidden = method()?.dataset.traceless !== "true";
    if (traceless.hidden) noTrace.checked = false;
    const on = givingTraceless();
    for (const field of [emailField, nameField]) field.hidden = on;
    for (const input of form.querySelectorAll("#anonymous, #consent")) input.closest(".check").hidden = on;
    if (on) {
      email.value = "";
      nameInput.value = "";
      setFieldError("email", "");
    }
  };

  const updateMethod = () => {
    updateTraceless();
    const chosen = method()?.value;
    for (const [identifier, handler] of Object.entries(handlers)) handler.select?.(identifier === chosen);
  };

  // ---- submitting ------------------------------------------------------------------

  let busy = false;
  const setBusy = (on) => {
    busy = on;
    submit.disabled = on;
    eachHandler("busy", on);
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
    if (!givingTraceless() && !emailLooksValid(email.value)) errors.email = msg("msgEmail");
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

  /** After a start that worked: the method's own step when the provider asks for one
   * (a bank's 3-D Secure challenge), then the next page. */
  const finishPayment = async (answer, identifier) => {
    if (answer.outcome === "requires_action") {
      const handler = handlers[identifier];
      if (!handler?.finish) return fail(msg("msgGeneric"));
      const error = await handler.finish(answer);
      if (error) return fail(error);
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
    const chosen = method();
    const handler = handlers[chosen.value];
    if (!handler && chosen.dataset.scripted === "true") return fail(msg("msgCardUnavailable"));
    let token = "";
    if (handler?.token) {
      const result = await handler.token();
      if (result.error) return fail(result.error);
      token = result.token || "";
    }
    const started = await startPayment({ payment_token: token });
    if (started.error) return fail(started.error, started.fields);
    await finishPayment(started.answer, chosen.value);
  });

  /** What a method's script may use; `register` adds its hooks. */
  window.readerfundGive = {
    register(identifier, handler) {
      handlers[identifier] = handler;
      updateMethod();
      handler.update?.();
    },
    form, msg, lang: LANG, providerContext: PROVIDER, email, nameInput,
    frequency, currency, rule, money, currentMinor, amountError, emailLooksValid,
    setFieldError, showAlert, showErrors, clearErrors, fail, setBusy,
    isBusy: () => busy, startPayment, finishPayment,
  };

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
  noTrace?.addEventListener("change", updateTraceless);
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
