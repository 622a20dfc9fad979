/* What the page view knows beside the device's state: the playbook, where readerfund is
   (this script's own address), and the page's language with its labels and money. */

// The server puts the compiled playbook, as JSON, in place of this name.
export const playbook = __READERFUND_PLAYBOOK__;
export const script = document.currentScript; // set only while this file first runs

// Endpoints and call-to-action links may be paths on the readerfund server.
export const link = (path, params) => {
  const address = new URL(path, script?.src || location.href);
  for (const key in params) address.searchParams.set(key, params[key]);
  return address.href;
};

// readerfund's JSON answer at path (no cookies: nothing identifies the reader).
export const get = (path, params) => fetch(link(path, params), { credentials: "omit" }).then((response) => response.json());

export let locale; // the page's language tag, canonical (undefined if not a valid tag)
export let labels; // the embed's labels in the page's language ("ru" for "ru-RU"), else English

export const languageSet = (lang) => {
  try {
    locale = Intl.getCanonicalLocales(lang)[0];
  } catch {} // not a language tag: English labels, the browser's own number format
  labels = playbook.strings[locale?.split("-")[0]] || playbook.strings.en;
};

// An amount in minor units, in the page's language; whole amounts without decimals ("$5", "$2.50").
export const money = (minor, currency) => {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency, trailingZeroDisplay: "stripIfInteger" });
  return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
};
