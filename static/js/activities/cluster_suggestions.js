// Cluster suggestions on the console of a cluster step (server: workshop/suggestions/ and
// workshop/activities/cluster_suggestions.py). The facilitator asks for them; each names the words
// its cards share and is accepted or rejected one at a time — by mouse, or with the keyboard on the
// focused suggestion: Enter or "a" accepts, Delete or "x" rejects. Nothing is applied by itself.
import { activityOf, h } from "../live.js";
import { _, errorText } from "../i18n.js";

const panel = { stepKey: null, list: null, loading: false, error: null };

function overlaps(suggestion, ids) {
  return suggestion.card_ids.some((id) => ids.includes(id));
}

async function load(s, ui) {
  panel.loading = true; panel.error = null; ui.redraw();
  const sessionId = document.getElementById("app").dataset.sessionId;
  try {
    const answer = await (await fetch(`/sessions/${sessionId}/suggestions?step_key=${encodeURIComponent(s.key)}`,
      { credentials: "same-origin" })).json();
    panel.stepKey = s.key;
    panel.list = answer.ok ? answer.suggestions : [];
    panel.error = answer.ok ? null : errorText(answer.error);
  } catch {
    panel.error = _("Die Vorschläge konnten nicht geladen werden.");
  }
  panel.loading = false;
  ui.redraw();
  if (panel.list && panel.list.length) ui.announce(_("{count} Vorschläge", { count: panel.list.length }));
}

async function decide(s, ui, suggestion, accept) {
  let ack;
  if (!accept) ack = await ui.send("cluster.reject_suggestion", { kind: suggestion.kind, card_ids: suggestion.card_ids });
  else if (suggestion.kind === "duplicates") ack = await ui.send("card.merge", { card_ids: suggestion.card_ids });
  else ack = await ui.send("cluster.accept_suggestion", { card_ids: suggestion.card_ids, title: suggestion.title });
  if (!ack.ok || !panel.list) return;
  panel.list = panel.list.filter((x) => x.key !== suggestion.key && !(accept && overlaps(x, suggestion.card_ids)));
  ui.announce(accept ? _("Vorschlag übernommen.") : _("Vorschlag abgelehnt."));
  ui.redraw();
  const next = document.querySelector("#suggestions li.suggestion");
  if (next) next.focus();
}

export function suggestionPanel(state, s, ui) {
  const texts = new Map(state.cards.map((c) => [c.id, c.text]));
  const list = panel.stepKey === s.key && panel.list ? panel.list.filter((x) => x.card_ids.every((id) => texts.has(id))) : null;
  const item = (x) => h("li", { class: `suggestion ${x.kind}`, tabindex: "0", "data-key": x.key,
    "aria-label": (x.kind === "duplicates" ? _("Doppelt: {words}", { words: x.words.join(", ") })
      : _("Cluster: {words}", { words: x.words.join(", ") })),
    onkeydown: (e) => {
      if (e.target !== e.currentTarget || e.ctrlKey || e.altKey || e.metaKey) return;
      const key = e.key.toLowerCase();
      if (key === "enter" || key === "a") { e.preventDefault(); decide(s, ui, x, true); }
      if (key === "delete" || key === "x") { e.preventDefault(); decide(s, ui, x, false); }
    } },
  h("p", { class: "suggestion-kind" }, x.kind === "duplicates" ? _("Doppelte Beiträge zusammenführen") : _("Neuer Cluster")),
  h("p", { class: "suggestion-words" }, _("Gemeinsame Wörter:"), " ", x.words.map((w) => h("mark", { class: "shared-word", text: w }))),
  h("ul", { class: "suggestion-cards" }, x.card_ids.map((id) => h("li", { text: texts.get(id) }))),
  h("div", { class: "card-actions" },
    h("button", { type: "button", class: "primary", onclick: () => decide(s, ui, x, true) },
      x.kind === "duplicates" ? _("Zusammenführen") : _("Als Cluster übernehmen")),
    h("button", { type: "button", onclick: () => decide(s, ui, x, false) }, _("Ablehnen"))));
  return h("section", { id: "suggestions", class: "suggestions", "aria-labelledby": "suggestions-title" },
    h("h3", { id: "suggestions-title" }, _("Vorschläge")),
    h("p", { class: "meta" }, _("Auf dem Server berechnet aus gemeinsamen Wörtern (Wortstämme, zusammengesetzte Wörter) und fast gleichen Texten; Synonyme ohne gemeinsamen Wortstamm erkennt es nicht. Tasten auf einem Vorschlag: Enter oder A übernimmt, Entf oder X lehnt ab.")),
    h("button", { type: "button", id: "suggest", disabled: panel.loading, onclick: () => load(s, ui) },
      panel.loading ? _("Wird berechnet …") : _("Vorschläge berechnen")),
    panel.error ? h("p", { class: "notice" }, panel.error) : null,
    list ? (list.length ? h("ol", { class: "suggestion-list" }, list.map(item))
      : h("p", { class: "empty" }, _("Keine Vorschläge."))) : null);
}

export const SUGGESTION_EVENTS = {
  "cluster.suggestion_accepted": (s, p, e) => {
    if (e.own) return;
    const a = activityOf(s, p.cluster.step_key);
    (a.clusters = a.clusters || []).push(p.cluster);
    s.cards.forEach((c) => { if (p.card_ids.includes(c.id)) c.cluster_id = p.cluster.id; });
    if (panel.list) panel.list = panel.list.filter((x) => !overlaps(x, p.card_ids));
  },
  "cluster.suggestion_rejected": (_s, p, e) => {
    if (e.own || p.redacted || !panel.list) return;
    panel.list = panel.list.filter((x) => x.key !== p.key);
  },
};
