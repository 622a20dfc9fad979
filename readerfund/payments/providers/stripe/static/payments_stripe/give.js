/* readerfund checkout, Stripe's part of the give page: the card fields (Stripe
 * Elements), the bank's 3-D Secure challenge and, where the browser has one, a wallet button
 * (Apple Pay, Google Pay). Loaded only where Stripe is offered, after checkout/give.js, with
 * which it registers (`window.readerfundGive`). Card data goes from Stripe's fields to
 * Stripe; readerfund receives a token. Strings come from the page (translated by Django). */
(() => {
  "use strict";

  const give = window.readerfundGive;
  if (!give) return;
  const IDENTIFIER = "stripe";
  const byId = (id) => document.getElementById(id);
  const cardWrap = byId("card-element-wrap");
  const walletWrap = byId("wallet");
  const walletButton = byId("wallet-button");
  const walletText = byId("wallet-button-text");

  // ---- the card form (Stripe Elements), created once ---------------------------------

  let stripe = null;
  let card = null;
  /** One Stripe.js instance for the card form and the wallet alike. */
  const ensureStripe = () => {
    if (stripe) return stripe;
    if (typeof window.Stripe !== "function" || !give.providerContext.stripe_publishable_key) return null;
    stripe = window.Stripe(give.providerContext.stripe_publishable_key, { locale: give.lang.split("-")[0] });
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
    card.on("change", (event) => give.setFieldError("payment_token", event?.error ? event.error.message : ""));
    return card;
  };

  const select = (chosen) => {
    if (cardWrap) cardWrap.hidden = !chosen;
    if (chosen && !ensureCard()) give.setFieldError("payment_token", give.msg("msgCardUnavailable"));
  };

  /** The card's token for /give/start, or the error to show. */
  const token = async () => {
    const element = ensureCard();
    if (!element) return { error: give.msg("msgCardUnavailable") };
    let result;
    try {
      result = await stripe.createToken(element);
    } catch {
      return { error: give.msg("msgNetwork") };
    }
    if (result.error) {
      give.setFieldError("payment_token", result.error.message);
      return { error: result.error.message };
    }
    return { token: result.token.id };
  };

  /** The bank's challenge, when the start answered requires_action: "" when it passed. */
  const finish = async (answer) => {
    if (!ensureStripe()) return give.msg("msgGeneric");
    let confirmed;
    try {
      confirmed = await stripe.confirmCardPayment(answer.clientSecret);
    } catch {
      return give.msg("msgNetwork");
    }
    if (confirmed.error) return confirmed.error.message;
    // A refused challenge may also come back as an intent that still wants a payment
    // method (localstripe does this; Stripe's docs say to check the status): only a
    // paid or processing intent leads to the thank-you page.
    const status = confirmed.paymentIntent?.status;
    if (status && !["succeeded", "processing", "requires_capture"].includes(status)) {
      return give.msg("msgGeneric");
    }
    return "";
  };

  // ---- wallets: Apple Pay, Google Pay, cards saved in the browser (Stripe) -------------
  // Stripe.js's Payment Request: the wallet's sheet shows the total and hands back a card
  // token (`tok_…`), which goes to /give/start exactly as the card form's does. Our own
  // button opens the sheet; it shows only where `canMakePayment()` finds a wallet.

  let wallet = null; // the PaymentRequest, once a wallet is known to be available
  let walletOpen = false; // the sheet is showing: Stripe refuses update() meanwhile
  let walletName = "";

  const walletTotal = () => {
    const minor = give.currentMinor();
    const label = walletButton.getAttribute(`data-total-${give.frequency()}`) || "";
    return {
      label: label.replace("{site}", location.hostname),
      // The sheet never opens on an invalid amount; meanwhile it holds the minimum.
      amount: Number.isFinite(minor) && minor > 0 ? minor : give.rule().min,
    };
  };

  /** Keeps the wallet's sheet and our button in step with amount, frequency and currency. */
  const walletSync = () => {
    if (!wallet) return;
    const minor = give.currentMinor();
    const template = Number.isFinite(minor) && minor > 0
      ? walletButton.getAttribute(`data-label-${give.frequency()}`).replace("{amount}", give.money(minor, give.currency()))
      : walletButton.getAttribute(`data-label-bare-${give.frequency()}`);
    walletText.textContent = template.replace("{wallet}", walletName);
    if (!walletOpen) wallet.update({ currency: give.currency().toLowerCase(), total: walletTotal() });
  };

  /** What the button calls the wallet, from what canMakePayment() found. */
  const walletNameFor = (available) => {
    if (available.applePay) return walletButton.dataset.nameApplePay;
    if (available.googlePay) return walletButton.dataset.nameGooglePay;
    return walletButton.dataset.nameBrowser;
  };

  const walletSetup = async () => {
    const country = give.providerContext.stripe_wallet_country;
    if (!walletWrap || !country) return;
    if (!ensureStripe() || typeof stripe.paymentRequest !== "function") return;
    let request;
    let available = null;
    try {
      request = stripe.paymentRequest({
        country,
        currency: give.currency().toLowerCase(),
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
    if (!give.email.value.trim() && ev.payerEmail) give.email.value = ev.payerEmail;
    if (!give.nameInput.value.trim() && ev.payerName) give.nameInput.value = ev.payerName;
    give.setBusy(true);
    if (!give.emailLooksValid(give.email.value)) {
      ev.complete("fail");
      walletOpen = false;
      give.setFieldError("email", give.msg("msgEmail"));
      return give.fail(give.msg("msgEmail"));
    }
    const started = await give.startPayment({ method: IDENTIFIER, payment_token: ev.token?.id || "" });
    walletOpen = false;
    if (started.error) {
      ev.complete("fail");
      return give.fail(started.error, started.fields);
    }
    ev.complete("success");
    await give.finishPayment(started.answer, IDENTIFIER);
  };

  if (walletButton) {
    walletButton.addEventListener("click", () => {
      if (give.isBusy() || walletOpen || !wallet) return;
      give.clearErrors();
      // Checked here, before the sheet opens (show() must run in the click itself): the
      // amount against the server's rules; an email typed in the form must look valid,
      // an empty one comes from the wallet.
      const errors = {};
      const amount = give.amountError();
      if (amount) errors.amount = amount;
      if (give.email.value.trim() && !give.emailLooksValid(give.email.value)) errors.email = give.msg("msgEmail");
      if (Object.keys(errors).length) return give.showErrors(errors);
      walletOpen = true;
      try {
        wallet.show();
      } catch {
        walletOpen = false;
        give.showAlert(give.msg("msgGeneric"));
      }
    });
  }

  give.register(IDENTIFIER, {
    select,
    token,
    finish,
    update: walletSync,
    busy: (on) => {
      if (walletButton) walletButton.disabled = on;
    },
  });
  walletSetup();
})();
