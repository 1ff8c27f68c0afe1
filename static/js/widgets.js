// Pieces every screen draws the same way: timer, spotlight, results of votes, polls, consent.
import { formatSeconds, h, t, timeLeft, visibleCards } from "./live.js";
import { _, lang } from "./i18n.js";

export function timerBadge(state, step) {
  const left = timeLeft(state, step.key);
  if (left === null) return null;
  const timer = state.runtime[step.key].timer;
  const over = left <= 0;
  // role=timer is not live (aria-live=off said outright): the ticking is for the eye; timerSpeaker
  // says the moments that matter. The pause sign is read as a word.
  return h("p", { class: `timer${over ? " over" : ""}${timer.running_since ? "" : " paused"}`, role: "timer",
    "aria-live": "off", "aria-label": _("Zeit für diesen Schritt") },
  over ? _("Zeit ist um ({value})", { value: formatSeconds(left) }) : formatSeconds(left),
  timer.running_since ? "" : [h("span", { "aria-hidden": "true" }, " ⏸"), h("span", { class: "visually-hidden" }, " ", _("angehalten"))]);
}

// What a screen reader hears of a running timer: at 5 minutes, at 1 minute and at 0 — not every
// second. Only a countdown passing the mark speaks; a jump (+1 min, a new step, a reload) does not.
const TIMER_MARKS = [
  [300, () => _("Noch 5 Minuten.")],
  [60, () => _("Noch 1 Minute.")],
  [0, () => _("Die Zeit ist um.")],
];

export function timerSpeaker(region) {
  let last = { key: null, left: null };
  return (state, step) => {
    const left = step ? timeLeft(state, step.key) : null;
    const previous = last.key === (step && step.key) ? last.left : null;
    last = { key: step && step.key, left };
    if (left === null || previous === null || previous - left > 5 || previous <= left) return;
    const mark = TIMER_MARKS.find(([at]) => previous > at && left <= at);
    if (mark) region.textContent = mark[1]();
  };
}

export function spotlightBanner(state) {
  if (!state.spotlight) return null;
  return h("div", { class: "spotlight", role: "status" }, h("span", { class: "spotlight-label" }, _("Im Fokus")),
    h("p", { class: "spotlight-text", text: state.spotlight.text }));
}

export function stepNotices(state, step) {
  const runtime = state.runtime[step.key] || {};
  const notes = [];
  if (runtime.locked) notes.push(h("p", { class: "notice" }, _("Eingabe pausiert – die Moderation hat diesen Schritt gesperrt.")));
  if (step.silent && !runtime.revealed) notes.push(h("p", { class: "notice" }, _("Stille Phase: Beiträge sind nur für ihre Verfasser:innen sichtbar, bis die Moderation aufdeckt.")));
  if (step.moderated) notes.push(h("p", { class: "notice" }, _("Beiträge erscheinen, sobald die Moderation sie freigegeben hat.")));
  return notes;
}

export function clustersOf(state, stepKey) {
  return (state.activity[stepKey] && state.activity[stepKey].clusters) || [];
}

// The targets of a vote: the cards of its source step, or its source's clusters.
export function voteTargets(state, step) {
  const source = state.steps.find((s) => s.key === step.source);
  // A source that groups cards (a cluster step's state has `clusters`) is voted on by group.
  if (source && Array.isArray((state.activity[source.key] || {}).clusters)) {
    return clustersOf(state, source.key).map((c) => ({ id: c.id, text: c.title, kind: "cluster_id" }));
  }
  return visibleCards(state, step.source).filter((c) => c.status === "visible")
    .map((c) => ({ id: c.id, text: c.text, kind: "card_id", card: c }));
}

export function barList(items, { className = "results" } = {}) {
  // items: [{label, value, key}] → a ranked bar chart readable from the back of the room.
  const max = Math.max(1, ...items.map((i) => i.value));
  return h("ol", { class: className }, items.map((item) => {
    const bar = h("span", { class: "bar" });
    bar.style.width = `${(item.value / max) * 100}%`;
    return h("li", { "data-key": item.key }, h("span", { class: "card-text", text: item.label }),
      h("span", { class: "bar-track", "aria-hidden": "true" }, bar), h("span", { class: "votes" }, String(item.value)));
  }));
}

export function pollResults(state, step) {
  const a = state.activity[step.key] || {};
  if (!a.counts) return h("p", { class: "meta" }, _("{value} Antworten – das Ergebnis wird aufgedeckt.", { value: a.answers || 0 }));
  return h("div", {}, h("p", { class: "meta" }, _("{value} Antworten", { value: a.answers || 0 })),
    barList(step.options.map((o, i) => ({ label: t(o), value: a.counts[i] || 0, key: i })), { className: "results unranked" }));
}

// A consent option as this page reads it: the status quo and the format's own options come in
// both languages (the step's settings; their card keeps the German), one added in the room as
// typed. (workshop/activities/consent.py option_text does the same for the protocol.)
export function optionText(step, option) {
  if (option.column_key === "passive" || option.passive) return t(step.passive_option) || option.text;
  const own = (step.options || []).find((o) => (typeof o === "string" ? o : o.de) === option.text);
  return own ? t(own) : option.text;
}

// A mean resistance as the page's language writes it (2,5 in German, 2.5 in English).
const MEAN = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function consentResult(state, step) {
  const a = state.activity[step.key] || {};
  if (!a.result) return h("p", { class: "meta" }, _("{value} Personen haben bewertet – das Ergebnis wird aufgedeckt.", { value: a.raters || 0 }));
  const r = a.result;
  const text = (id) => { const o = r.options.find((x) => x.card_id === id); return o ? optionText(step, o) : ""; };
  const headline = r.winner
    ? (r.passive_wins ? _("Die Passivlösung hat den geringsten Widerstand: kein Vorschlag trägt besser als der Status quo.")
      : _("Geringster Widerstand: {value}", { value: text(r.winner) }))
    : _("Gleichstand: {value}", { value: r.tied.map(text).join(" · ") });
  const columns = r.matrix.columns;
  return h("div", { class: "consent-result" },
    h("p", { class: "consent-headline", text: headline }),
    h("table", { class: "consent-table" },
      h("caption", {}, _("Widerstand 0–10, {raters} Personen", { raters: r.raters })),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, _("Option")), h("th", { scope: "col" }, _("Summe")),
        h("th", { scope: "col" }, "Ø"), h("th", { scope: "col" }, _("Enthaltungen")))),
      h("tbody", {}, r.options.map((o) => h("tr", { class: o.card_id === r.winner ? "winner" : "" },
        h("th", { scope: "row", text: optionText(step, o) }), h("td", {}, String(o.total)),
        h("td", {}, o.mean === null ? "–" : MEAN.format(o.mean)), h("td", {}, String(o.abstentions)))))),
    h("details", { class: "matrix" }, h("summary", {}, _("Verteilung (anonym)")),
      h("table", {}, h("caption", { class: "visually-hidden" }, _("Widerstand je Person (Zeilen) und Option (Spalten)")),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, _("Person")),
        columns.map((id) => h("th", { scope: "col", text: text(id) })))),
      h("tbody", {}, r.matrix.rows.map((row, i) => h("tr", {}, h("th", { scope: "row" }, `P${i + 1}`),
        row.map((v) => h("td", { class: v === null ? "abstain" : `r${v}` }, v === null ? "–" : String(v)))))))));
}

// groups: the projector's form: each cluster a framed group, the unclustered last (if any).
export function clusterBoard(state, step, { cardExtra, groups } = {}) {
  const cards = visibleCards(state, step.source).filter((c) => c.status === "visible");
  const clusters = clustersOf(state, step.key);
  const section = (title, members, cluster) => h("section", { class: "column cluster", "data-cluster-id": cluster ? cluster.id : "" },
    h("h3", { text: `${title} (${members.length})` }),
    h("ul", { class: "cards" }, members.map((c) => h("li", { class: "card", "data-card-id": c.id },
      h("span", { class: "card-text", text: c.text }), tableTag(state, c), cardExtra ? cardExtra(c, cluster) : mergedCount(c)))));
  const loose = cards.filter((c) => !c.cluster_id || !clusters.some((cl) => cl.id === c.cluster_id));
  return h("div", { class: groups ? "columns cluster-groups" : "columns" },
    clusters.map((cl) => section(cl.title, cards.filter((c) => c.cluster_id === cl.id), cl)),
    groups && !loose.length ? null : section(_("Ohne Cluster"), loose, null));
}

export function actionList(state, step, extra) {
  const items = (state.activity[step.key] && state.activity[step.key].items) || [];
  if (!items.length) return h("p", { class: "empty" }, _("Noch keine Aufgaben."));
  return h("table", { class: "actions" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, _("Was")), h("th", { scope: "col" }, _("Wer")), h("th", { scope: "col" }, _("Bis")),
      extra ? h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, _("Aktionen"))) : null)),
    h("tbody", {}, items.map((i) => h("tr", { "data-item-id": i.id }, h("td", { text: i.what }), h("td", { text: i.who }),
      h("td", {}, i.due ? i.due.split("-").reverse().join(".") : "–"), extra ? h("td", {}, extra(i)) : null))));
}

export function capturedFields(state) {
  const latest = new Map();
  state.captures.forEach((c) => latest.set(c.field_key, c));
  return [...latest.values()];
}

// A card as the projector shows it: its text only, in the grid that fits the screen.
export function projectorCard(card) {
  return h("li", { class: "card", "data-card-id": card.id }, h("span", { class: "card-text", text: card.text }), mergedCount(card));
}

// The table a card came from (a harvest's cards in the plenary; activities/tables.js): its step's
// source is the step whose `tables` name it.
export function tableTag(state, card) {
  if (!card.table_no) return null;
  const step = state.steps.find((x) => x.key === card.step_key) || {};
  const tablesStep = step.tables ? step : state.steps.find((x) => x.key === step.source && x.tables);
  const name = tablesStep && tablesStep.tables[card.table_no - 1];
  return name ? h("span", { class: "table-tag" }, t(name)) : null;
}

// A card others were merged into (activities/card_merge.js), where its variants' texts do not fit
// (projector, phone): how many there are, readable from the back row; the texts in its tooltip.
export function mergedCount(card) {
  const n = (card.variants || []).length;
  if (!n) return null;
  return h("span", { class: "merged-count", title: card.variants.map((v) => v.text).join(" · ") },
    _("+{count} zusammengeführt", { count: n }));
}
