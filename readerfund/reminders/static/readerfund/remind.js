/* readerfund "remind me later" by email (docs/reminders.md). The embed loads this file only
   after a reader asks to be reminded, having set window.readerfund.remind = {box, campaign,
   variant, lang}: the ask's region (inside its shadow root), the campaign and variant ids,
   the page's language (the named interface of docs/embed.md). It fetches the form's labels and dates (translated by the server), renders the
   form into the ask and posts the reader's choice. No cookies, no inline code or style, no
   request anywhere but the readerfund server this file came from. */
(() => {
  const ask = window.readerfund?.remind;
  const { box, campaign, variant, lang } = ask || {};
  if (!box?.isConnected || box.querySelector(".rf-remind")) return;
  const api = new URL("/api/reminders", document.currentScript?.src || location.href);
  const root = box.getRootNode();

  // Fits the ask, light and dark: its text colour and ground (inherited), its accent (--btn of
  // embed.css), the grey of its toggles' borders (3:1 on both grounds) and its muted text.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`
.rf-remind { --err: #b3261e; --mute: #47464f; margin-top: 1.25em; padding-top: 1em; border-top: 1px solid #777 }
.rf-remind h3 { margin: 0; font: 700 1.2em/1.3 Georgia, serif }
.rf-remind label, .rf-remind legend { display: block; font-weight: 600 }
.rf-remind .email { margin-top: 1em }
.rf-remind input[type=email] {
  box-sizing: border-box; width: 100%; min-height: 2.75em; margin-top: .35em; padding: .5em .75em;
  border: 2px solid #777; border-radius: .4em; font: inherit; color: inherit; background: none }
.rf-remind [aria-invalid=true] { border-color: var(--err) }
.rf-remind fieldset { margin: 1em 0 0; padding: 0; border: 0 }
.rf-remind legend { padding: 0 }
.rf-remind .choice { display: flex; gap: .6em; align-items: center; min-height: 2.75em; font-weight: 400 }
.rf-remind input[type=radio] { flex: none; width: 1.25em; height: 1.25em; margin: 0; accent-color: var(--btn) }
.rf-remind .cta { width: 100%; margin-top: 1em; font-weight: 700 }
.rf-remind .cta:disabled { opacity: .7; cursor: progress }
.rf-remind .err { color: var(--err); font-weight: 600 }
.rf-remind .err:empty { margin: 0 }  /* stays in the tree: a live region must exist before it speaks */
.rf-remind .note { color: var(--mute); font-size: .875em }
@media (prefers-color-scheme: dark) { .rf-remind { --err: #ffb4ab; --mute: #d5dded } }`);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];

  const h = (tag, attrs, ...children) => {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) if (value != null) el.setAttribute(name, value);
    el.append(...children);
    return el;
  };
  const call = async (url, init) => {
    const response = await fetch(url, { credentials: "omit", ...init });
    return { ok: response.ok, body: await response.json() };
  };

  const render = (T) => {
    const id = (name) => "rf-remind-" + name;
    const error = h("p", { id: id("error"), class: "err", role: "alert" });
    const email = h("input", {
      id: id("email"), type: "email", name: "email", autocomplete: "email", required: "",
      spellcheck: "false", autocapitalize: "off", "aria-describedby": id("note"),
    });
    const choices = T.choices.map((choice, i) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "when", value: choice.value, checked: i ? null : "" }),
      choice.label));
    const submit = h("button", { type: "submit", class: "cta" }, T.submit);
    const form = h("form", { class: "rf-remind", "aria-labelledby": id("title"), novalidate: "" },
      h("h3", { id: id("title") }, T.title),
      h("div", { class: "email" }, h("label", { for: id("email") }, T.email), email),
      h("fieldset", {}, h("legend", {}, T.when), ...choices),
      error, submit,
      h("p", { id: id("note"), class: "note" }, T.privacy));

    // An error is announced (role=alert) and the field it is about takes the focus.
    const fail = (message, field) => {
      error.textContent = message;
      if (field === "email") {
        email.setAttribute("aria-invalid", "true");
        email.setAttribute("aria-describedby", id("error") + " " + id("note"));
        email.focus();
      } else {
        email.removeAttribute("aria-invalid");
        email.setAttribute("aria-describedby", id("note"));
        if (field === "when") form.elements.when[0]?.focus();
      }
    };
    form.onsubmit = async (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      // The browser's own check first (the server checks again): no round trip for a typo.
      if (!email.checkValidity()) return fail(email.validity.valueMissing ? T.missing : T.invalid, "email");
      submit.disabled = true;
      form.setAttribute("aria-busy", "true");
      try {
        // text/plain keeps the request CORS-simple: no preflight from the newsroom's origin.
        const { ok, body } = await call(api, {
          method: "POST", headers: { "Content-Type": "text/plain;charset=UTF-8" },
          body: JSON.stringify({ email: email.value, when: form.elements.when.value, campaign, variant, lang }),
        });
        if (!ok) return fail(body.error || T.failed, body.field);
        // Done: the form gives way to a message that takes the focus, so it is announced.
        const done = h("p", { role: "status", tabindex: -1 }, body.message);
        form.replaceWith(done);
        done.focus();
      } catch {
        fail(T.failed);
      } finally {
        submit.disabled = false;
        form.removeAttribute("aria-busy");
      }
    };
    box.append(form);
  };

  const query = new URL(api);
  if (lang) query.searchParams.set("lang", lang);
  // Without an answer there is no form; the ask already said "we'll ask again later".
  call(query).then(({ ok, body }) => ok && body.choices?.length && render(body), () => {});
})();
