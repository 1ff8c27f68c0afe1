// Dot vote: each person spends a budget of points on the cards (or clusters) of an earlier step.
import { activityOf } from "../live.js";
import { barList, voteTargets } from "../widgets.js";

function remainingPoints(state, step) {
  const mine = (state.activity[step.key] || {}).mine || {};
  return step.budget - Object.values(mine).reduce((a, b) => a + b, 0);
}

// The budget goes into the phone's one status region (participant.js keeps that node and changes
// only its text): a status re-created on each vote is ignored by most screen readers.
function phoneStatus(state, step, ui) {
  return ui._("Noch {remaining} von {budget} Punkten", { remaining: remainingPoints(state, step), budget: step.budget });
}

function phoneBoard(state, step, ui) {
  const { h, _ } = ui;
  const mine = (state.activity[step.key] || {}).mine || {};
  const remaining = remainingPoints(state, step);
  const targets = voteTargets(state, step);
  // A vote whose source step has nothing yet: say so, not only "5 of 5 points left".
  if (!targets.length) return [h("p", { class: "empty" }, _("Noch nichts zum Bewerten – die Beiträge erscheinen hier, sobald es welche gibt."))];
  return [
    h("ul", { class: "cards" }, targets.map((target) => {
      const own = mine[target.id] || 0;
      const vote = (type) => ui.send(type, { [target.kind]: target.id });
      const row = h("div", { class: "vote-row" },
        h("button", { type: "button", class: "vote-btn", "aria-label": _("Punkt wegnehmen: {text}", { text: target.text }),
          disabled: own === 0, onclick: () => vote("vote.remove") }, "−"),
        // The dots are for the eye; a screen reader gets the count as words (an aria-label on a
        // plain span is not exposed by Chromium).
        h("span", { class: "dots" }, h("span", { "aria-hidden": "true" }, "●".repeat(own) || "–"),
          h("span", { class: "visually-hidden" }, own === 1 ? _("1 eigener Punkt") : _("{own} eigene Punkte", { own }))),
        h("button", { type: "button", class: "vote-btn", "aria-label": _("Punkt geben: {text}", { text: target.text }),
          disabled: remaining === 0 || own >= step.max_per_card, onclick: () => vote("vote.add") }, "+"));
      return target.card ? ui.cardItem(target.card, row)
        : h("li", { class: "card", "data-cluster-id": target.id }, h("p", { class: "card-text", text: target.text }), row);
    })),
  ];
}

function consoleBoard(state, s, ui) {
  const { h, _ } = ui;
  const totals = (state.activity[s.key] || {}).totals || {};
  const spent = Object.values(totals).reduce((a, b) => a + b, 0);
  const points = (n) => (n === 1 ? _("1 Punkt") : _("{n} Punkte", { n }));
  const targets = voteTargets(state, s).sort((a, b) => (totals[b.id] || 0) - (totals[a.id] || 0) || a.id - b.id);
  return [h("p", {}, _("{spent} Punkte vergeben · Budget {budget} pro Person, höchstens {max_per_card} pro Beitrag", { spent, budget: s.budget, max_per_card: s.max_per_card })
    + (s.hidden && !(state.runtime[s.key] || {}).revealed ? _(" · für die Gruppe verborgen bis zum Aufdecken") : "")),
  h("ol", { class: "cards ranked" }, targets.map((x) => (x.card ? ui.cardItem(x.card, points(totals[x.id] || 0))
    : h("li", { class: "card" }, h("span", { class: "card-text", text: x.text }), h("p", { class: "card-votes" }, points(totals[x.id] || 0))))))];
}

export function voteResults(state, step) {
  const totals = (state.activity[step.key] && state.activity[step.key].totals) || {};
  const targets = voteTargets(state, step).map((x) => ({ label: x.text, value: totals[x.id] || 0, key: x.id }));
  targets.sort((a, b) => b.value - a.value || a.key - b.key);
  return barList(targets);
}

export default {
  type: "dot_vote",
  label: ({ _ }) => _("Punkte vergeben"),
  selectable: true,
  revealable: (step) => !!step.hidden,
  phone: phoneBoard,
  phoneStatus,
  help: ({ _ }) => _("Verteilen Sie Ihre Punkte auf die Beiträge, die Ihnen am wichtigsten sind: „+“ gibt einen Punkt, „−“ nimmt ihn zurück. Bis die Moderation weitergeht, können Sie umverteilen."),
  projector(state, step, ui) {
    if (step.hidden && !(state.runtime[step.key] || {}).revealed) {
      return [ui.h("p", { class: "big-count" }, ui._("Abstimmung läuft – das Ergebnis wird aufgedeckt."))];
    }
    return [voteResults(state, step)];
  },
  console: consoleBoard,
  events: {
    "vote.changed": (s, p, e) => {
      const a = activityOf(s, p.step_key);
      if (e.own) {
        // Our own points on the target, and what is left of our budget.
        const target = e.own.card_id ?? e.own.cluster_id;
        a.mine = { ...(a.mine || {}), [target]: e.own.mine };
        a.remaining = e.own.remaining;
        return;
      }
      if (!p.redacted) (a.totals = a.totals || {})[p.target_id] = p.total;
    },
  },
};
