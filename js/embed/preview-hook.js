/* The hook for an editor's preview: a signed link from the admin (#readerfund-preview=<token>)
   asks the server for the previewed campaign; nothing is counted or stored, the previewed
   variant shows whatever the rules say, and preview.js (the panel that explains the
   decision) loads once the page view is decided. Interface: docs/embed.md. */

import { get, playbook } from "./page.js";
import { addressParam } from "./state.js";

export const previewToken = () => addressParam("preview");

// The preview answer: {campaign} or {error}.
export const previewFetch = (token) =>
  get(playbook.endpoints.preview, { token }).catch((error) => ({ error: String(error) }));

// Forces the previewed campaign onto its channel; then hands the decision to the panel.
export const previewApply = (answer, picked) => {
  const campaign = answer.campaign;
  if (campaign) picked[campaign.channel] = { campaign, variant: campaign.variants[0] };
  return campaign || answer;
};
