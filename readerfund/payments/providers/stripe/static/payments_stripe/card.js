/* readerfund manage pages: a new card for a regular gift. The card fields are Stripe's
 * (Stripe.js Elements); Stripe.js confirms the SetupIntent in the browser, with 3-D Secure
 * if the bank asks, and only then is the form sent with the SetupIntent's id. Card data
 * never reaches readerfund. Strings come from the page (translated by Django). */
(() => {
  "use strict";
  const form = document.getElementById("card-form");
  const fields = document.getElementById("card-form-fields");
  if (!form || !fields) return;
  const alertBox = document.getElementById("card-alert");
  const button = document.getElementById("card-submit");
  const say = (message) => {
    alertBox.textContent = message;
    alertBox.focus();
  };
  if (typeof window.Stripe !== "function") {
    say(form.dataset.msgUnavailable);
    button.disabled = true;
    return;
  }
  const stripe = window.Stripe(fields.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    button.classList.add("is-busy");
    alertBox.textContent = "";
    let result;
    try {
      result = await stripe.confirmCardSetup(fields.dataset.secret, { payment_method: { card } });
    } catch {
      result = { error: {} };
    }
    if (result.error || !result.setupIntent) {
      say(form.dataset.msgFailed);
      busy = false;
      button.disabled = false;
      button.classList.remove("is-busy");
      return;
    }
    form.elements.namedItem("setup_reference").value = result.setupIntent.id;
    form.submit();
  });
})();
